package io.tokenwatch.broker;

/**
 * A running Kafka cluster that clients reach through {@link #bootstrapServers()}.
 *
 * <p>The one abstraction tests and the embedded demo program against, so the same code runs on the
 * in-process {@link EmbeddedKafka} and, where Docker exists, on {@link ContainerKafka}
 * (DESIGN.md §6). Closing stops the cluster; what happens to its data depends on the implementation.
 *
 * <p>Implementations are thread-safe: {@link #bootstrapServers()} may be read from any thread, and
 * {@link #close()} is idempotent.
 */
public interface KafkaCluster extends AutoCloseable {

    /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:40123}. */
    String bootstrapServers();

    /** Stops the cluster and waits until it has stopped. Calling it again does nothing. */
    @Override
    void close();
}
