package io.tokenwatch.detector.control;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.detector.rules.Detection;
import io.tokenwatch.detector.telemetry.DetectorMetrics;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Suppression;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Test harness: the {@link ControlGate} alone on a {@link TopologyTestDriver}, fed findings the test
 * makes up (an alert and the containment a rule would have decided), so each control is tested
 * independently of what the rules find. The wall clock starts at {@link #T0}.
 */
final class GateDriver implements AutoCloseable {

    static final long T0 = 1_800_000_000_000L;
    private static final String FINDINGS = "test.findings";

    private final TopologyTestDriver driver;
    private final TestInputTopic<String, Alert> findings;
    private final TestInputTopic<String, Suppression> suppressions;
    private final TestInputTopic<String, byte[]> rawSuppressions;
    private final TestOutputTopic<String, Alert> alerts;
    private final TestOutputTopic<String, Revocation> revocations;
    private final Map<String, List<Revocation>> containment = new HashMap<>();
    final DetectorMetrics metrics = new DetectorMetrics(new SimpleMeterRegistry());

    GateDriver(Path stateDir, Controls controls) {
        StreamsBuilder builder = new StreamsBuilder();
        Suppressions.addTo(builder, metrics);
        KStream<String, Detection> gated = builder.stream(FINDINGS, Consumed.with(Topics.ALERTS.keySerde(),
                        Topics.ALERTS.valueSerde()).withName("test-findings-source"))
                .mapValues(alert -> new Detection(alert, containment.getOrDefault(alert.findingInfo().uid(), List.of())),
                        Named.as("test-rule"))
                .process(ControlGate.supplier(controls, metrics), Named.as("control-gate"));
        gated.mapValues(Detection::alert, Named.as("test-alert"))
                .to(Topics.ALERTS.name(), Produced.with(Topics.ALERTS.keySerde(), Topics.ALERTS.valueSerde())
                        .withName("test-alerts-sink"));
        gated.flatMap((k, d) -> d.revocations().stream().map(r -> KeyValue.pair(r.key(), r)).toList(),
                        Named.as("test-revocations"))
                .to(Topics.REVOCATIONS.name(), Produced.with(Topics.REVOCATIONS.keySerde(),
                        Topics.REVOCATIONS.valueSerde()).withName("test-revocations-sink"));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "gate-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, Instant.ofEpochMilli(T0));
        findings = driver.createInputTopic(FINDINGS, Topics.ALERTS.keySerde().serializer(),
                Topics.ALERTS.valueSerde().serializer());
        suppressions = driver.createInputTopic(Topics.SUPPRESSIONS.name(), Topics.SUPPRESSIONS.keySerde().serializer(),
                Topics.SUPPRESSIONS.valueSerde().serializer());
        rawSuppressions = driver.createInputTopic(Topics.SUPPRESSIONS.name(),
                Topics.SUPPRESSIONS.keySerde().serializer(), new ByteArraySerializer());
        alerts = driver.createOutputTopic(Topics.ALERTS.name(), Topics.ALERTS.keySerde().deserializer(),
                Topics.ALERTS.valueSerde().deserializer());
        revocations = driver.createOutputTopic(Topics.REVOCATIONS.name(), Topics.REVOCATIONS.keySerde().deserializer(),
                Topics.REVOCATIONS.valueSerde().deserializer());
    }

    /** A rule's finding: {@code alert}, with the containment the rule decided. */
    void find(Alert alert, Revocation... decided) {
        containment.put(alert.findingInfo().uid(), List.of(decided));
        findings.pipeInput("k", alert, alert.time());
    }

    void suppress(Suppression suppression) {
        suppressions.pipeInput(suppression.key(), suppression, T0);
    }

    void lift(String key) {
        suppressions.pipeInput(key, null, T0);
    }

    void suppressRaw(String key, byte[] bytes) {
        rawSuppressions.pipeInput(key, bytes, T0);
    }

    void advanceWallClock(Duration by) {
        driver.advanceWallClockTime(by);
    }

    List<Alert> alerts() {
        return alerts.readValuesToList();
    }

    List<Revocation> revocations() {
        return revocations.readValuesToList();
    }

    double counter(String name, String... tags) {
        var counter = metrics.registry().find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        driver.close();
    }
}
