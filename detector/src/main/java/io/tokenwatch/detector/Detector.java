package io.tokenwatch.detector;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.tokenwatch.detector.explain.ExplainRouter;
import io.tokenwatch.detector.http.DetectorHttpServer;
import io.tokenwatch.detector.telemetry.DetectorMetrics;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Properties;

/**
 * The detector as a running service: the topology on Kafka Streams, with its lifecycle, metrics and
 * operations endpoints. A stream thread that dies is replaced rather than taking the detector down
 * (under exactly-once its open transaction is aborted and the replacement reprocesses from the last
 * commit, so nothing is published twice); records that cannot be read or processed go to the DLQ
 * (see {@link DetectorConfig#streamsProperties()}). The global thread that follows
 * {@code tokenwatch.revocations} cannot be replaced: if it dies, Kafka Streams shuts the detector
 * down, which lifts nothing, and liveness turns 503.
 *
 * <p>After a kill, the global stores are rebuilt from their topics at the next start
 * ({@link GlobalStateRecovery}: Kafka Streams cannot reopen a global store a kill left behind). A restart
 * after a kill is ready quickly when the group's members are static ({@code group.instance.id}, which
 * the {@code tokenwatch detector} command sets from {@code --instance-id}): the restarted member takes
 * its old assignment back at once instead of waiting for the dead member's session to time out.
 *
 * <p>When {@link DetectorConfig#httpPort()} is set, {@link DetectorHttpServer} serves health, metrics
 * and explain from {@link #start()} until {@link #close()}.
 *
 * <p>Thread-safe.
 */
public final class Detector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Detector.class);

    private final DetectorConfig config;
    private final DetectorMetrics metrics;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics clientMetrics;
    private final Clock clock;
    private final GlobalStateRecovery globalState;
    private DetectorHttpServer http;

    public Detector(DetectorConfig config) {
        this(config, DetectorMetrics.prometheus(), Clock.systemUTC());
    }

    /** The detector reporting to {@code metrics}, judging learning state for explain by {@code clock}. */
    public Detector(DetectorConfig config, DetectorMetrics metrics, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        metrics.mode(config.controls().mode());
        // Before Kafka Streams opens the state directory: a kill leaves a global store it cannot reopen.
        this.globalState = new GlobalStateRecovery(config.stateDir(), config.applicationId());
        globalState.markRunning();
        Properties props = config.streamsProperties();
        // An object, not a string: the exception handlers Kafka Streams creates find it in their configure map.
        props.put(DetectorMetrics.CONFIG_KEY, metrics);
        this.streams = new KafkaStreams(DetectorTopology.build(config, metrics), props);
        this.streams.setUncaughtExceptionHandler(error -> {
            LOG.error("stream thread failed; replacing it", error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.streams.setGlobalStateRestoreListener(metrics.restoreListener());
        this.clientMetrics = metrics.bind(streams);
    }

    /** Starts processing and, if configured, the HTTP endpoints. */
    public synchronized Detector start() {
        if (config.httpPort() >= 0 && http == null) {
            HostInfo self = config.applicationServer() == null ? null
                    : HostInfo.buildFromEndpoint(config.applicationServer());
            ExplainRouter router = new ExplainRouter(streams, self, config.userProfile().profile().learning(), clock);
            try {
                http = new DetectorHttpServer(config.httpPort(), streams::state, router::explain, metrics::scrape);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serve HTTP on port " + config.httpPort(), e);
            }
        }
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

    public DetectorMetrics metrics() {
        return metrics;
    }

    /** The port the HTTP endpoints are bound to, once started with one. */
    public synchronized OptionalInt httpPort() {
        return http == null ? OptionalInt.empty() : OptionalInt.of(http.port());
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

    /**
     * Closes and leaves the group, so a restart under the same id does not wait for a session
     * timeout and the partitions move at once; the HTTP endpoints stop last, so a probe sees the
     * shutdown.
     */
    @Override
    public synchronized void close() {
        boolean closed = streams.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30)));
        if (closed) {
            globalState.markClosedCleanly();
        }
        clientMetrics.close();
        if (http != null) {
            http.close();
            http = null;
        }
    }
}
