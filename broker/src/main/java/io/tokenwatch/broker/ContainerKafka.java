package io.tokenwatch.broker;

import java.util.Objects;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A single-node Kafka broker in a Docker container, through testcontainers' {@link KafkaContainer}.
 *
 * <p>Where a Docker engine exists, the same integration tests that run on {@link EmbeddedKafka} also
 * run against the Kafka distribution as it is shipped (DESIGN.md §6). The broker is configured like
 * the embedded one: automatic topic creation off and no initial rebalance delay. The container is
 * removed on {@link #close()}; its data goes with it.
 *
 * <p>testcontainers is an optional dependency of this module: only this class touches it, and only
 * when it is called.
 *
 * <p>Thread-safe: the container is started in {@link #start(String)} and stopped once in
 * {@link #close()}.
 */
public final class ContainerKafka implements KafkaCluster {

    /** The image the tests use: the Apache Kafka distribution in KRaft mode. */
    public static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";

    private final KafkaContainer container;
    private final String bootstrapServers;
    private boolean closed;

    private ContainerKafka(KafkaContainer container) {
        this.container = container;
        this.bootstrapServers = container.getBootstrapServers();
    }

    /**
     * Whether a Docker engine answers here. Never throws: a missing engine, a missing testcontainers
     * jar or a misconfigured environment all read as {@code false}.
     */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    /**
     * Whether a Docker engine answers here, already holds {@code image} and has a default bridge
     * network. Images are never pulled (no registry may be reachable, and a pull that cannot succeed
     * retries for minutes), so a machine with an engine but without the image cannot run this
     * backend; nor can an engine without a bridge (such as one started with {@code --bridge=none}),
     * where the broker's port cannot be published. Never throws.
     */
    public static boolean imageAvailable(String image) {
        if (!dockerAvailable()) {
            return false;
        }
        try {
            var client = DockerClientFactory.instance().client();
            client.inspectImageCmd(image).exec();
            // testcontainers publishes the broker's port through the engine's default bridge; an
            // engine started without one (--bridge=none) cannot map it.
            return client.listNetworksCmd().exec().stream().anyMatch(n -> "bridge".equals(n.getName()));
        } catch (Throwable t) {
            return false;
        }
    }

    /** Starts a broker from {@link #DEFAULT_IMAGE}. */
    public static ContainerKafka start() {
        return start(DEFAULT_IMAGE);
    }

    /**
     * Starts a broker from the given {@code apache/kafka} image and waits until it is ready.
     *
     * @throws IllegalStateException if the container does not start
     */
    public static ContainerKafka start(String image) {
        Objects.requireNonNull(image, "image");
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(image))
                // Never pull: the image is on the engine, or this backend is not available here.
                .withImagePullPolicy(name -> false)
                // The apache/kafka image maps KAFKA_* variables to broker properties.
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
        try {
            container.start();
            return new ContainerKafka(container);
        } catch (RuntimeException e) {
            container.stop();
            throw new IllegalStateException("Kafka container " + image + " did not start", e);
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        container.stop();
    }

    @Override
    public String toString() {
        return "ContainerKafka[" + bootstrapServers + "]";
    }
}
