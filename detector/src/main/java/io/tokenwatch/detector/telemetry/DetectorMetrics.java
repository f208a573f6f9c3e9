package io.tokenwatch.detector.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.detector.control.DetectorMode;
import io.tokenwatch.detector.control.GateOutcome;
import io.tokenwatch.detector.rules.Detection;
import io.tokenwatch.detector.topology.DetectionListener;
import io.tokenwatch.schemas.Revocation;
import org.apache.kafka.streams.KafkaStreams;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The detector's metrics on a Micrometer {@link MeterRegistry}: the Kafka Streams client's own
 * metrics (process rate and latency, {@code record-e2e-latency} per source and sink node, commit
 * and poll figures, bound by {@link KafkaStreamsMetrics}), and ours:
 *
 * <ul>
 *   <li>{@value #ALERTS}{@code {rule}}: alerts published (after the control gate);</li>
 *   <li>{@value #REVOCATIONS}{@code {rule,scope}}: revocations the gate let through (before they are
 *       merged with the live value of {@code tokenwatch.revocations}, which may make one redundant);
 *       none in audit mode;</li>
 *   <li>{@value #FINDINGS}{@code {rule,outcome}}: every finding the rules made, by what the control gate
 *       did with it: {@code published}, {@code observed}, {@code suppressed}, {@code allow_listed_subject},
 *       {@code allow_listed_network} ({@link GateOutcome});</li>
 *   <li>{@value #WOULD_ISSUE}{@code {rule,scope,action}}: in audit mode, the containment enforce mode
 *       would have published;</li>
 *   <li>{@value #SUPPRESSIONS_REJECTED}: records on {@code tokenwatch.suppressions} ignored as unreadable
 *       or not under their own key;</li>
 *   <li>{@value #MODE}{@code {mode}}: 1 for the mode the detector runs in ({@code audit} or
 *       {@code enforce}), 0 for the other;</li>
 *   <li>{@value #DLQ}{@code {source}}: records sent to {@code tokenwatch.dlq}, {@code source} being
 *       {@code deserialization} or {@code processing};</li>
 *   <li>{@value RestoreProgress#RESTORED}, {@value RestoreProgress#ACTIVE},
 *       {@value RestoreProgress#REMAINING}: state restoration from changelogs ({@link RestoreProgress}).</li>
 * </ul>
 *
 * <p>The alert and revocation counters count detections as the topology <em>processes</em> them (a
 * {@code peek} beside the sinks), not records the broker has committed. Kafka Streams offers no
 * per-record hook after a transaction commits, and a producer interceptor's acknowledgement would
 * not do either: under exactly-once, records of a transaction that is later aborted are acknowledged
 * too. So: under exactly-once, when a task is retried (a stream thread dies, an instance crashes,
 * a rebalance fences a zombie) the records since its last commit are processed and counted again,
 * while read_committed consumers see each alert once; the counters may then exceed what the alert
 * and revocation topics hold, never fall short of it. Under at-least-once the topics themselves hold
 * the same duplicates. Alert counts for the SIEM's view come from the alert topic; these counters are
 * for rates and trends. The revocation counter also counts revocations decided but then not published
 * because the live value of {@code tokenwatch.revocations} already covers them.
 *
 * <p>The exception handlers Kafka Streams instantiates by class name find this instance in their
 * {@code configure} map under {@link #CONFIG_KEY} ({@link #from(Map)}); no static state.
 *
 * <p>Thread-safe (Micrometer meters are).
 */
public final class DetectorMetrics implements DetectionListener {

    public static final String FINDINGS = "tokenwatch.detector.findings";
    public static final String WOULD_ISSUE = "tokenwatch.detector.would.issue";
    public static final String SUPPRESSIONS_REJECTED = "tokenwatch.detector.suppressions.rejected";
    public static final String MODE = "tokenwatch.detector.mode";

    /** Key of this instance in the Kafka Streams configuration, for the exception handlers. */
    public static final String CONFIG_KEY = "tokenwatch.detector.metrics";
    public static final String ALERTS = "tokenwatch.detector.alerts";
    public static final String REVOCATIONS = "tokenwatch.detector.revocations";
    public static final String DLQ = "tokenwatch.detector.dlq";

    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final RestoreProgress restores;

    public DetectorMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.prometheus = registry instanceof PrometheusMeterRegistry p ? p : null;
        this.restores = new RestoreProgress(registry);
        // Registered up front so a scrape shows zeros rather than nothing before the first bad record.
        dlqCounter("deserialization");
        dlqCounter("processing");
        suppressionsRejected();
    }

    /**
     * Shows {@code mode} as the one the detector runs in ({@value #MODE}{@code {mode}} 1, the other 0).
     * Call once, before the detector starts.
     */
    public void mode(DetectorMode mode) {
        for (DetectorMode m : DetectorMode.values()) {
            int value = m == mode ? 1 : 0;
            Gauge.builder(MODE, () -> value).description("1 for the mode the detector runs in (audit: nothing "
                    + "is contained; enforce: containment is published)").tag("mode", m.wire()).register(registry);
        }
    }

    @Override
    public void gated(String rule, GateOutcome outcome) {
        Counter.builder(FINDINGS).description("Findings of the rules by what the control gate did with them "
                        + "(published, observed, suppressed, allow-listed)").tag("rule", rule)
                .tag("outcome", outcome.wire()).register(registry).increment();
    }

    @Override
    public void wouldIssue(String rule, List<Revocation> withheld) {
        for (Revocation revocation : withheld) {
            Counter.builder(WOULD_ISSUE).description("Audit mode: containment enforce mode would have published, "
                            + "by rule, scope and action").tag("rule", rule).tag("scope", revocation.scope().wire())
                    .tag("action", revocation.action().wire()).register(registry).increment();
        }
    }

    @Override
    public void suppressionRejected() {
        suppressionsRejected().increment();
    }

    private Counter suppressionsRejected() {
        return Counter.builder(SUPPRESSIONS_REJECTED).description("Records on tokenwatch.suppressions ignored: "
                + "unreadable, or not under their own rule|iss|sub key").register(registry);
    }

    /** Metrics on a new Prometheus registry, scraped by {@link #scrape()}. */
    public static DetectorMetrics prometheus() {
        return new DetectorMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** The instance a Kafka Streams configuration carries under {@link #CONFIG_KEY}, if any. */
    public static Optional<DetectorMetrics> from(Map<String, ?> configs) {
        return configs.get(CONFIG_KEY) instanceof DetectorMetrics metrics ? Optional.of(metrics) : Optional.empty();
    }

    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public void detected(Detection detection) {
        String rule = detection.alert().findingInfo().analytic().name();
        Counter.builder(ALERTS).description(
                "Alerts produced by the rules, by rule; counted when processed, so a task retried under "
                        + "exactly-once counts its uncommitted alerts again").tag("rule", rule).register(registry)
                .increment();
        for (Revocation revocation : detection.revocations()) {
            Counter.builder(REVOCATIONS).description(
                    "Revocations decided by the rules, by rule and scope; counted when processed (before the merge "
                            + "with the live topic value, and again for a task retried under exactly-once)").tag("rule", rule)
                    .tag("scope", revocation.scope().wire()).register(registry).increment();
        }
    }

    /** {@code count} records from {@code source} ({@code deserialization} or {@code processing}) went to the DLQ. */
    public void deadLettered(String source, int count) {
        dlqCounter(source).increment(count);
    }

    /** The listener to give {@link KafkaStreams#setGlobalStateRestoreListener} before the client starts. */
    public RestoreProgress restoreListener() {
        return restores;
    }

    /** Binds the client's own metrics; close the result when the client closes. */
    public KafkaStreamsMetrics bind(KafkaStreams streams) {
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams);
        binder.bindTo(registry);
        return binder;
    }

    /** Every meter in the Prometheus text format, if the registry is a Prometheus one. */
    public Optional<String> scrape() {
        return prometheus == null ? Optional.empty() : Optional.of(prometheus.scrape());
    }

    private Counter dlqCounter(String source) {
        return Counter.builder(DLQ).description("Records sent to the dead-letter queue").tag("source", source)
                .register(registry);
    }
}
