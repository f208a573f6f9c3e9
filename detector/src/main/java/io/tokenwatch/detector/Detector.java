package io.tokenwatch.detector;

import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;

/**
 * The detector as a running service: the topology on Kafka Streams, with its lifecycle. A stream
 * thread that dies is replaced rather than taking the detector down; records that cannot be read or
 * processed go to the DLQ (see {@link DetectorConfig#streamsProperties()}). The global thread that
 * follows {@code tokenwatch.revocations} cannot be replaced: if it dies, Kafka Streams shuts the
 * detector down, which lifts nothing.
 *
 * <p>Thread-safe.
 */
public final class Detector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Detector.class);

    private final KafkaStreams streams;

    public Detector(DetectorConfig config) {
        Objects.requireNonNull(config, "config");
        this.streams = new KafkaStreams(DetectorTopology.build(config), config.streamsProperties());
        this.streams.setUncaughtExceptionHandler(error -> {
            LOG.error("stream thread failed; replacing it", error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    public Detector start() {
        streams.start();
        return this;
    }

    /** True while processing: restoring state or rebalancing is not ready. */
    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Waits until {@link #isRunning()}; returns whether that happened within {@code timeout}. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isRunning()) {
            if (System.nanoTime() > deadline || !streams.state().isRunningOrRebalancing()
                    && streams.state() != KafkaStreams.State.CREATED) {
                return isRunning();
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Closes and leaves the group, so a restart under the same id does not wait for a session timeout. */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
