package io.tokenwatch.detector;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults the detector must outlive, on a real in-process KRaft broker under exactly-once: a usage event
 * dated hours ahead (issue 12, item 1), and garbage bytes written under the key of a revocation it
 * published (item 3).
 */
class DetectorResilienceIntegrationTest {

    private static final int PARTITIONS = 2;
    private static final String ISSUER = "https://issuer.example";

    private static EmbeddedKafka kafka;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = admin()) {
            admin.createTopics(Topics.ALL.stream().map(t -> t.newTopic(PARTITIONS, (short) 1)).toList()).all().get();
        }
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void shouldDeadLetterFutureAndAncientEventsAndKeepRevokingReplayedTokens() throws Exception {
        // Not vacuous: the broker refuses records more than this far ahead of its clock, so a changelog or
        // output record stamped with the future event's time would be refused (and was, before the fix).
        long brokerLimit = brokerTimestampAfterMaxMs();
        assertThat(brokerLimit).as("broker log.message.timestamp.after.max.ms").isEqualTo(3_600_000L);

        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId("detector-it-event-time")
                .withProcessingGuarantee(StreamsConfig.EXACTLY_ONCE_V2);
        String futureJti = "future-" + UUID.randomUUID();
        String ancientJti = "ancient-" + UUID.randomUUID();
        String laterJti = "later-" + UUID.randomUUID();
        try (Detector detector = new Detector(config).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();

            long now = System.currentTimeMillis();
            // A filter whose clock runs two hours ahead replays a token from three networks: every event,
            // and every store write and revocation it would cause, carries a time the broker refuses.
            List<String> futureIds = sendReplay(producer, futureJti, now + Duration.ofHours(2).toMillis());
            List<String> ancientIds = sendReplay(producer, ancientJti, now - Duration.ofDays(30).toMillis());
            // Then genuine traffic: another token replayed, which must still be revoked.
            sendReplay(producer, laterJti, System.currentTimeMillis());

            Revocation later = revocationOf(readUntil(Topics.REVOCATIONS.name(), laterJti));
            assertThat(later.scope()).isEqualTo(Revocation.Scope.JTI);
            assertThat(later.value()).isEqualTo(laterJti);

            for (String id : futureIds) {
                ConsumerRecord<byte[], byte[]> dead = readUntil(Topics.DLQ.name(), id);
                assertThat(header(dead, "__streams.errors.message")).contains("ahead of the record's time");
                assertThat(dead.timestamp()).as("the DLQ record's own time").isLessThan(now + brokerLimit);
            }
            for (String id : ancientIds) {
                assertThat(header(readUntil(Topics.DLQ.name(), id), "__streams.errors.message"))
                        .contains("older than the record's time");
            }
            assertThat(readToEnd(Topics.REVOCATIONS.name())).as("revocations from refused events")
                    .noneMatch(r -> r.value() != null && new String(r.value(), StandardCharsets.UTF_8)
                            .matches(".*(" + futureJti + "|" + ancientJti + ").*"));
            assertThat(detector.metrics().scrape()).hasValueSatisfying(text -> assertThat(text).containsPattern(
                    "tokenwatch_detector_dlq_total\\{[^}]*source=\"event-time\"[^}]*\\} 8\\.0"));
            assertThat(detector.isRunning()).isTrue();
        }
    }

    @Test
    void shouldRepublishALiveRevocationWhenGarbageIsWrittenOverIt() throws Exception {
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId("detector-it-garbage")
                .withProcessingGuarantee(StreamsConfig.EXACTLY_ONCE_V2)
                .withTombstoneInterval(Duration.ofMillis(300));
        String jti = "garbage-" + UUID.randomUUID();
        try (Detector detector = new Detector(config).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();
            sendReplay(producer, jti, System.currentTimeMillis());
            ConsumerRecord<byte[], byte[]> first = readUntil(Topics.REVOCATIONS.name(), jti);
            Revocation issued = revocationOf(first);
            String key = issued.key();

            byte[] garbage = {0x00, (byte) 0xff, 'n', 'o', 't', ' ', 'j', 's', 'o', 'n'};
            long garbageOffset = producer.send(new ProducerRecord<>(Topics.REVOCATIONS.name(), bytes(key), garbage))
                    .get().offset();

            // What a filter started after compaction enforces: the latest value under each key. Compaction
            // keeps exactly that, so reading the whole topic and keeping the last record per key is the view.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ConsumerRecord<byte[], byte[]> latest = latestByKey(readToEnd(Topics.REVOCATIONS.name())).get(key);
                assertThat(latest.offset()).as("the repair comes after the garbage").isGreaterThan(garbageOffset);
                assertThat(revocationOf(latest)).as("latest value under %s", key).isEqualTo(issued);
            });
            assertThat(issued.isVoidAt(System.currentTimeMillis())).as("still in force").isFalse();
        }
    }

    private static List<String> sendReplay(KafkaProducer<byte[], byte[]> producer, String jti, long eventTime)
            throws Exception {
        List<String> ids = new ArrayList<>();
        // Three networks and back to the first: two signs, so the replay is revoked, not only alerted.
        List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44", "198.51.100.7");
        for (int i = 0; i < ips.size(); i++) {
            TokenUsageEvent event = accepted(jti, ips.get(i), eventTime + i * 1_000L);
            ids.add(event.eventId());
            producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), bytes(event.key()),
                    Topics.TOKEN_USAGE.valueSerde().serializer().serialize(Topics.TOKEN_USAGE.name(), event))).get();
        }
        return ids;
    }

    private static TokenUsageEvent accepted(String jti, String ip, long time) {
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), time, "f1", "svc",
                Outcome.ACCEPTED,
                new TokenUsageEvent.TokenFacts("b".repeat(64), true, jti, "user-" + jti, ISSUER,
                        List.of("api"), time - 1000, time + 600_000, null, "k1", "ES256"),
                new TokenUsageEvent.RequestFacts("GET", "/x", 200, ip, null, null, null));
    }

    private static long brokerTimestampAfterMaxMs() throws Exception {
        try (Admin admin = admin()) {
            String node = admin.describeCluster().nodes().get().iterator().next().idString();
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
            return Long.parseLong(admin.describeConfigs(List.of(broker)).all().get().get(broker)
                    .get("log.message.timestamp.after.max.ms").value());
        }
    }

    private static Revocation revocationOf(ConsumerRecord<byte[], byte[]> record) {
        return Topics.REVOCATIONS.valueSerde().deserializer().deserialize(Topics.REVOCATIONS.name(), record.value());
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as("header %s", name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> latestByKey(List<ConsumerRecord<byte[], byte[]>> all) {
        Map<String, ConsumerRecord<byte[], byte[]>> latest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : all) {
            latest.put(new String(r.key(), StandardCharsets.UTF_8), r);
        }
        return latest;
    }

    /** Every committed record of {@code topic}, from the start to its current end, in offset order per partition. */
    private static List<ConsumerRecord<byte[], byte[]>> readToEnd(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return out;
    }

    /** Reads {@code topic} from the start until the one record whose value contains {@code marker}. */
    private static ConsumerRecord<byte[], byte[]> readUntil(String topic, String marker) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && new String(r.value(), StandardCharsets.UTF_8).contains(marker)) {
                        out.add(r);
                    }
                }
                return !out.isEmpty();
            });
        }
        assertThat(out).as("records on %s containing %s", topic, marker).hasSize(1);
        return out.get(0);
    }

    private static KafkaConsumer<byte[], byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
