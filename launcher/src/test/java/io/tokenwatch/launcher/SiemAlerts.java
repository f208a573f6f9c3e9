package io.tokenwatch.launcher;

import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * What a SIEM reads, made by the real detector topology: one token replayed from three networks
 * and back (the replay rule) and one token living two days where the policy allows one (the
 * anomalous-token rule),
 * on a {@link TopologyTestDriver} with the ECS projection switched on. The records are taken as raw
 * bytes, as Kafka Connect's {@code StringConverter} and Filebeat's Kafka input receive them.
 */
final class SiemAlerts {

    static final long T0 = 1_800_000_000_000L;
    private static final String ISSUER = "https://issuer.example";

    /** One output record: key, value bytes and the record timestamp the broker would store. */
    record Raw(String key, byte[] value, long timestamp) {
    }

    /** Records on the OCSF alert topic and on the ECS topic. */
    record Output(List<Raw> alerts, List<Raw> ecs) {
    }

    private SiemAlerts() {
    }

    static Output produce(Path stateDir, String ecsTopic) {
        DetectorConfig config = DetectorConfig.defaults("unused:9092", stateDir).withEcsTopic(ecsTopic);
        try (TopologyTestDriver driver = new TopologyTestDriver(DetectorTopology.build(config),
                config.streamsProperties(), Instant.ofEpochMilli(T0))) {
            TestInputTopic<String, TokenUsageEvent> usage = driver.createInputTopic(Topics.TOKEN_USAGE.name(),
                    Topics.TOKEN_USAGE.keySerde().serializer(), Topics.TOKEN_USAGE.valueSerde().serializer());
            // Three networks (three ASNs) and back to the first: the replay rule alerts, then revokes.
            List<String> networks = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44", "198.51.100.7");
            List<Long> asns = List.of(64_500L, 64_501L, 64_502L, 64_500L);
            for (int i = 0; i < networks.size(); i++) {
                send(usage, accepted("alice", "replayed-jti", networks.get(i), "DE", 52.5, 13.4, asns.get(i),
                        T0 + i * 1_000L, FIREFOX, 3_600_000L));
            }
            // A token living two days where the policy allows one: the anomalous-token rule.
            send(usage, accepted("bob", "b1", "198.51.100.20", "DE", 52.5, 13.4, null, T0, FIREFOX,
                    48 * 3_600_000L));
            return new Output(read(driver, Topics.ALERTS.name()), read(driver, ecsTopic));
        }
    }

    private static void send(TestInputTopic<String, TokenUsageEvent> usage, TokenUsageEvent event) {
        usage.pipeInput(event.key(), event, event.eventTime());
    }

    private static List<Raw> read(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer())
                .readRecordsToList().stream()
                .map((TestRecord<String, byte[]> r) -> new Raw(r.key(), r.value(), r.timestamp()))
                .toList();
    }

    private static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";

    private static TokenUsageEvent accepted(String sub, String jti, String ip, String country, double lat,
                                            double lon, Long asn, long time, String userAgent,
                                            long lifetimeMillis) {
        byte[] fingerprint = new byte[32];
        byte[] seed = (sub + "|" + jti).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < fingerprint.length; i++) {
            fingerprint[i] = seed[i % seed.length];
        }
        TokenUsageEvent.TokenFacts token = new TokenUsageEvent.TokenFacts(HexFormat.of().formatHex(fingerprint),
                true, jti, sub, ISSUER, List.of("orders-api"), time - 60_000, time - 60_000 + lifetimeMillis, null, "k1",
                "ES256");
        TokenUsageEvent.RequestFacts request = new TokenUsageEvent.RequestFacts("GET", "/orders/{id}", 200, ip,
                userAgent, null,
                new TokenUsageEvent.Geo(country, null, lat, lon, asn));
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, "ev-" + sub + "-" + time, time, "edge-1",
                "orders", Outcome.ACCEPTED, token, request);
    }
}
