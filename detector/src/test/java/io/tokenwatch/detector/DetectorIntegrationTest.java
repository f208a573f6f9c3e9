package io.tokenwatch.detector;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.rules.ForgedTokenBurstRule;
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
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The detector as deployed: Kafka Streams on a real in-process KRaft broker. */
class DetectorIntegrationTest {

    /** Partitions of every topic: more than one, so keys can land on different tasks. */
    private static final int PARTITIONS = 2;

    private static EmbeddedKafka kafka;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(Topics.ALL.stream().map(t -> t.newTopic(PARTITIONS, (short) 1)).toList()).all().get();
        }
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE})
    void shouldSendPoisonPillToDeadLetterQueueAndStillRevokeReplayedToken(String guarantee) throws Exception {
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId("detector-it-" + guarantee.replace('_', '-'))
                .withProcessingGuarantee(guarantee);
        String jti = "it-" + UUID.randomUUID();
        try (Detector detector = new Detector(config).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();

            String key = "https://issuer.example|alice";
            String poison = "{poison " + jti;
            producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), bytes(key), bytes(poison))).get();
            for (String ip : List.of("198.51.100.7", "203.0.113.9", "192.0.2.44")) {
                TokenUsageEvent event = accepted(jti, ip);
                producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), bytes(event.key()),
                        Topics.TOKEN_USAGE.valueSerde().serializer().serialize(Topics.TOKEN_USAGE.name(), event))).get();
            }

            ConsumerRecord<byte[], byte[]> dead = readUntil(Topics.DLQ.name(), poison);
            assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo(key);
            assertThat(dead.headers().toArray()).isNotEmpty();

            ConsumerRecord<byte[], byte[]> revoked = readUntil(Topics.REVOCATIONS.name(), jti);
            Revocation revocation = Topics.REVOCATIONS.valueSerde().deserializer()
                    .deserialize(Topics.REVOCATIONS.name(), revoked.value());
            assertThat(revocation.value()).isEqualTo(jti);
            assertThat(revocation.scope()).isEqualTo(Revocation.Scope.JTI);
            assertThat(new String(revoked.key(), StandardCharsets.UTF_8)).isEqualTo(revocation.key());
            assertThat(new String(readUntil(Topics.ALERTS.name(), jti).value(), StandardCharsets.UTF_8))
                    .contains("token_replay");
        }
    }

    @Test
    void shouldBlockAForgedTokenBurstAndTombstoneTheBlockOnceItExpires() throws Exception {
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId("detector-it-forged-burst")
                .withForgedTokenBurst(ForgedTokenBurstRule.defaults().withBlocks(Duration.ofSeconds(1), 4,
                        Duration.ofMinutes(1)))
                .withTombstoneInterval(Duration.ofMillis(200));
        String ip = randomTestAddress();
        try (Detector detector = new Detector(config).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();

            sendForgedBurst(producer, ip);

            ConsumerRecord<byte[], byte[]> blocked = readUntil(Topics.REVOCATIONS.name(), "\"" + ip + "\"");
            assertThat(new String(blocked.key(), StandardCharsets.UTF_8)).isEqualTo("ip|" + ip);
            Revocation block = Topics.REVOCATIONS.valueSerde().deserializer()
                    .deserialize(Topics.REVOCATIONS.name(), blocked.value());
            assertThat(block.scope()).isEqualTo(Revocation.Scope.IP);
            assertThat(block.expiresAt() - block.createdAt()).isEqualTo(1_000L);
            assertThat(new String(readUntil(Topics.ALERTS.name(), "\"" + ip + "\"").value(), StandardCharsets.UTF_8))
                    .contains("forged_token_burst");

            awaitTombstone(Topics.REVOCATIONS.name(), "ip|" + ip);
        }
    }

    @Test
    void shouldLeaveInForceABlockAnOperatorRenewedForLonger() throws Exception {
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId("detector-it-operator-renewal")
                // Long enough for the test to read the block and renew it before it expires.
                .withForgedTokenBurst(ForgedTokenBurstRule.defaults().withBlocks(Duration.ofSeconds(4), 4,
                        Duration.ofMinutes(1)))
                .withTombstoneInterval(Duration.ofMillis(200));
        String ip = randomTestAddress();
        String sentinel = addressOnTheSameUsagePartitionAs(ip);
        try (Detector detector = new Detector(config).start();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();

            sendForgedBurst(producer, ip);
            readUntil(Topics.REVOCATIONS.name(), "\"" + ip + "\"");
            long now = System.currentTimeMillis();
            Revocation renewal = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, ip,
                    Revocation.Action.BLOCK, null, now + 600_000, "renewed by the on-call", "operator:it", now);
            long renewalOffset = producer.send(new ProducerRecord<>(Topics.REVOCATIONS.name(), bytes(renewal.key()),
                    Topics.REVOCATIONS.valueSerde().serializer().serialize(Topics.REVOCATIONS.name(), renewal)))
                    .get().offset();

            // The same task blocks the sentinel after the renewal, so once the sentinel's block is
            // tombstoned that task has settled the first, earlier-expiring block too.
            sendForgedBurst(producer, sentinel);
            awaitTombstone(Topics.REVOCATIONS.name(), "ip|" + sentinel);

            List<ConsumerRecord<byte[], byte[]>> underKey = readToEnd(Topics.REVOCATIONS.name()).stream()
                    .filter(r -> renewal.key().equals(new String(r.key(), StandardCharsets.UTF_8)))
                    .toList();
            if (underKey.stream().anyMatch(r -> r.value() == null && r.offset() < renewalOffset)) {
                Assumptions.abort("the block expired before the renewal reached the topic; nothing to check");
            }
            assertThat(underKey).as("records under %s", renewal.key()).hasSize(2)
                    .allSatisfy(r -> assertThat(r.value()).as("a tombstone").isNotNull());
            assertThat(underKey.get(1).offset()).isEqualTo(renewalOffset);
        }
    }

    private static void sendForgedBurst(KafkaProducer<byte[], byte[]> producer, String ip) {
        for (int i = 0; i < 20; i++) {
            TokenUsageEvent event = forged(ip);
            producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), bytes(event.key()),
                    Topics.TOKEN_USAGE.valueSerde().serializer().serialize(Topics.TOKEN_USAGE.name(), event)));
        }
        producer.flush();
    }

    private static String randomTestAddress() {
        // RFC 2544 benchmarking range: never a real client.
        return "198.18." + ThreadLocalRandom.current().nextInt(256) + "." + ThreadLocalRandom.current().nextInt(256);
    }

    /** Another address whose usage events the producer's default partitioner sends where {@code ip}'s go. */
    private static String addressOnTheSameUsagePartitionAs(String ip) {
        String other;
        do {
            other = randomTestAddress();
        } while (other.equals(ip) || usagePartition(other) != usagePartition(ip));
        return other;
    }

    private static int usagePartition(String ip) {
        return Utils.toPositive(Utils.murmur2(bytes("ip|" + ip))) % PARTITIONS;
    }

    /** Every committed record of {@code topic}, from the start to its current end. */
    private static List<ConsumerRecord<byte[], byte[]>> readToEnd(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
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

    private static TokenUsageEvent forged(String ip) {
        long now = System.currentTimeMillis();
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), now, "f1", "svc",
                Outcome.BAD_SIGNATURE,
                new TokenUsageEvent.TokenFacts("c".repeat(64), false, "victim-token", "victim",
                        "https://issuer.example", List.of("api"), now - 1000, now + 600_000, null, "k1", "ES256"),
                new TokenUsageEvent.RequestFacts("GET", "/x", 401, ip, null, null, null));
    }

    /** Reads {@code topic} from the start until a tombstone (null value) under {@code key}. */
    private static void awaitTombstone(String topic, String key) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null && key.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        return true;
                    }
                }
                return false;
            });
        }
    }

    private static TokenUsageEvent accepted(String jti, String ip) {
        long now = System.currentTimeMillis();
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), now, "f1", "svc",
                Outcome.ACCEPTED,
                new TokenUsageEvent.TokenFacts("b".repeat(64), true, jti, "alice", "https://issuer.example",
                        List.of("api"), now - 1000, now + 600_000, null, "k1", "ES256"),
                new TokenUsageEvent.RequestFacts("GET", "/x", 200, ip, null, null,
                        new TokenUsageEvent.Geo(countryOf(ip), null, null, null, null)));
    }

    /**
     * A country per test network, so a token used from all three is two signs of a copy (three
     * networks, three countries) and is revoked, not only alerted.
     */
    private static String countryOf(String ip) {
        return ip.startsWith("198.") ? "DE" : ip.startsWith("203.") ? "AT" : "CH";
    }

    /** Reads {@code topic} from the start until a record whose value contains {@code marker}. */
    private static ConsumerRecord<byte[], byte[]> readUntil(String topic, String marker) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
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
