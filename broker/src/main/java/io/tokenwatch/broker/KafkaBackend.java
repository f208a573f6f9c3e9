package io.tokenwatch.broker;

/**
 * The kinds of Kafka cluster a test can run against.
 *
 * <p>Lets integration tests in any module run once per backend and skip, rather than fail, where a
 * backend cannot run here:
 *
 * <pre>{@code
 * @ParameterizedTest
 * @EnumSource(KafkaBackend.class)
 * void shouldDoSomething(KafkaBackend backend) {
 *     assumeTrue(backend.available(), backend + " is not available here");
 *     try (KafkaCluster kafka = backend.start()) {
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safe: the constants hold no state.
 */
public enum KafkaBackend {

    /** A single-node KRaft broker in this JVM; always available. */
    EMBEDDED {
        @Override
        public boolean available() {
            return true;
        }

        @Override
        public KafkaCluster start() {
            return EmbeddedKafka.start();
        }
    },

    /**
     * testcontainers' Kafka; available only where a Docker engine answers and already holds
     * {@link ContainerKafka#DEFAULT_IMAGE} (images are never pulled).
     */
    TESTCONTAINERS {
        @Override
        public boolean available() {
            try {
                return ContainerKafka.imageAvailable(ContainerKafka.DEFAULT_IMAGE);
            } catch (LinkageError e) {
                // testcontainers is an optional dependency; without it ContainerKafka cannot even link.
                return false;
            }
        }

        @Override
        public KafkaCluster start() {
            return ContainerKafka.start();
        }
    };

    /** Whether {@link #start()} can work on this machine. Never throws. */
    public abstract boolean available();

    /**
     * Starts a fresh, empty cluster of this kind, with automatic topic creation off.
     *
     * @throws IllegalStateException if the cluster does not come up
     */
    public abstract KafkaCluster start();
}
