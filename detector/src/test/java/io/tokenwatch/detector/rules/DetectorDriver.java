package io.tokenwatch.detector.rules;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.detector.telemetry.DetectorMetrics;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * Test harness: the whole detector topology on a {@link TopologyTestDriver} whose wall clock starts
 * at {@link #T0}, with the usage topic as input and the alert and revocation topics as output. The
 * revocation topic is an input too, for what others (operators, other detectors) publish there; the
 * driver feeds the detector's own revocations back into it, as the broker would.
 */
public final class DetectorDriver implements AutoCloseable {

    /** Event time and initial wall-clock time of every test. */
    public static final long T0 = 1_800_000_000_000L;

    private final TopologyTestDriver driver;
    private final TestInputTopic<String, TokenUsageEvent> usage;
    private final TestOutputTopic<String, Alert> alerts;
    private final TestOutputTopic<String, Revocation> revocations;
    private final TestInputTopic<String, Revocation> othersRevocations;
    private final TestInputTopic<String, byte[]> othersRawRevocations;

    private final TestInputTopic<String, byte[]> rawUsage;

    private DetectorDriver(DetectorConfig config, DetectorMetrics metrics) {
        Properties props = config.streamsProperties();
        props.put(DetectorMetrics.CONFIG_KEY, metrics);
        driver = new TopologyTestDriver(DetectorTopology.build(config, metrics), props, Instant.ofEpochMilli(T0));
        rawUsage = driver.createInputTopic(Topics.TOKEN_USAGE.name(), Topics.TOKEN_USAGE.keySerde().serializer(),
                new ByteArraySerializer());
        usage = driver.createInputTopic(Topics.TOKEN_USAGE.name(), Topics.TOKEN_USAGE.keySerde().serializer(),
                Topics.TOKEN_USAGE.valueSerde().serializer());
        alerts = driver.createOutputTopic(Topics.ALERTS.name(), Topics.ALERTS.keySerde().deserializer(),
                Topics.ALERTS.valueSerde().deserializer());
        revocations = driver.createOutputTopic(Topics.REVOCATIONS.name(), Topics.REVOCATIONS.keySerde().deserializer(),
                Topics.REVOCATIONS.valueSerde().deserializer());
        othersRevocations = driver.createInputTopic(Topics.REVOCATIONS.name(),
                Topics.REVOCATIONS.keySerde().serializer(), Topics.REVOCATIONS.valueSerde().serializer());
        othersRawRevocations = driver.createInputTopic(Topics.REVOCATIONS.name(),
                Topics.REVOCATIONS.keySerde().serializer(), new ByteArraySerializer());
    }

    /** The detector with default settings, changed by {@code settings}. */
    public static DetectorDriver start(Path stateDir, UnaryOperator<DetectorConfig> settings) {
        return start(stateDir, settings, new DetectorMetrics(new SimpleMeterRegistry()));
    }

    /** The detector with default settings changed by {@code settings}, reporting to {@code metrics}. */
    public static DetectorDriver start(Path stateDir, UnaryOperator<DetectorConfig> settings,
                                       DetectorMetrics metrics) {
        return new DetectorDriver(settings.apply(DetectorConfig.defaults("unused:9092", stateDir)), metrics);
    }

    /** Publishes {@code bytes} as a usage event under {@code key}, e.g. a poison pill. */
    public void sendRaw(String key, byte[] bytes, long time) {
        rawUsage.pipeInput(key, bytes, time);
    }

    /** Records on {@code topic} as raw bytes, e.g. the DLQ or the ECS topic. */
    public List<KeyValue<String, byte[]>> read(String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer())
                .readKeyValuesToList();
    }

    public static DetectorDriver start(Path stateDir) {
        return start(stateDir, UnaryOperator.identity());
    }

    /** Publishes {@code event} the way a filter does: under its own key, at its event time. */
    public void send(TokenUsageEvent event) {
        usage.pipeInput(event.key(), event, event.eventTime());
    }

    /**
     * Publishes {@code revocation} under its key the way {@code tokenwatch revoke} does, at
     * {@code time}. Not among {@link #revocations()}: those are what the detector published.
     */
    void publishRevocation(Revocation revocation, long time) {
        othersRevocations.pipeInput(revocation.key(), revocation, time);
    }

    /** Publishes a tombstone under {@code key}, as an operator lifting a revocation does. */
    void publishLift(String key, long time) {
        othersRevocations.pipeInput(key, null, time);
    }

    /** Publishes {@code bytes} as the value under {@code key}, e.g. a value this version cannot read. */
    void publishRawRevocation(String key, byte[] bytes, long time) {
        othersRawRevocations.pipeInput(key, bytes, time);
    }

    /** Alerts published since the last call. */
    public List<KeyValue<String, Alert>> alerts() {
        return alerts.readKeyValuesToList();
    }

    /** Revocations and tombstones (null values) published since the last call. */
    public List<KeyValue<String, Revocation>> revocations() {
        return revocations.readKeyValuesToList();
    }

    public void advanceWallClock(Duration by) {
        driver.advanceWallClockTime(by);
    }

    public <V> KeyValueStore<String, V> store(String name) {
        return driver.getKeyValueStore(name);
    }

    @Override
    public void close() {
        driver.close();
    }
}
