package io.tokenwatch.detector;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.telemetry.DeadLetterDeserializationHandler;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The detector's operations on a real in-process broker: health and metrics over HTTP, explain by
 * interactive query, state restored from changelogs after the local state is lost, and exactly-once
 * across a stream thread that dies mid-transaction.
 */
class DetectorOperationsIntegrationTest {

    private static final int PARTITIONS = 2;
    private static final String ISS = "https://issuer.example";
    private static final List<String> NETWORKS = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");

    private static EmbeddedKafka kafka;
    private final HttpClient http = HttpClient.newHttpClient();

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
    void shouldBeReadyOnlyWhenRunningAndServeMetricsAndExplainOverHttp() throws Exception {
        int port = freePort();
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId("detector-ops-http").withHttpPort(port).withApplicationServer("localhost:" + port);
        String jti = "http-" + UUID.randomUUID();
        try (Detector detector = new Detector(config).start();
             KafkaProducer<byte[], byte[]> producer = producer()) {
            KafkaStreams.State before = detector.state();
            int readyWhileStarting = get(port, "/health/ready").statusCode();
            if (before != KafkaStreams.State.RUNNING && detector.state() != KafkaStreams.State.RUNNING) {
                assertThat(readyWhileStarting).as("ready while %s", before).isEqualTo(503);
            }
            assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);

            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();
            assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200);

            sendUses(producer, "alice", jti, NETWORKS);
            awaitCommittedRecords(Topics.REVOCATIONS.name(), jti, 1);

            String scrape = get(port, "/metrics").body();
            assertThat(scrape).contains("tokenwatch_detector_alerts_total{rule=\"token_replay\"}",
                    "tokenwatch_detector_revocations_total{rule=\"token_replay\",scope=\"jti\"}",
                    "tokenwatch_detector_dlq_total", "kafka_stream_thread_process_rate");
            HttpResponse<String> explained = get(port, "/explain?sub=alice&iss="
                    + URLEncoder.encode(ISS, StandardCharsets.UTF_8));
            assertThat(explained.statusCode()).isEqualTo(200);
            assertThat(explained.body()).contains("\"rule\":\"token_replay\"", "\"answered_by\":\"localhost:" + port,
                    "\"learning\"", "\"networks\"");
            assertThat(get(port, "/explain?sub=nobody&iss=x").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shouldRestoreStateFromTheChangelogAfterTheLocalStateIsLost() throws Exception {
        String applicationId = "detector-ops-restore";
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId(applicationId);
        String jti = "restore-" + UUID.randomUUID();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            try (Detector first = new Detector(config).start()) {
                assertThat(first.awaitRunning(Duration.ofSeconds(60))).isTrue();
                sendUses(producer, "carol", jti, NETWORKS.subList(0, 2));
                awaitInputCommitted(applicationId);
            }
            wipe(stateDir);

            Detector second = new Detector(config).start();
            try (second) {
                assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
                assertThat(second.metrics().restoreListener().restoredRecords()).as("records restored").isPositive();

                sendUses(producer, "carol", jti, NETWORKS.subList(2, 3));
                awaitCommittedRecords(Topics.REVOCATIONS.name(), jti, 1);
            }
        }
    }

    @Test
    void shouldPublishOneRevocationWhenAStreamThreadDiesMidTransactionUnderExactlyOnce() throws Exception {
        String applicationId = "detector-ops-crash";
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId(applicationId).withProcessingGuarantee(StreamsConfig.EXACTLY_ONCE_V2)
                .withClientOverrides(Map.of(
                        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, CrashOnce.class.getName(),
                        // Long, so the revocation is produced well before its transaction commits.
                        StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "10000",
                        // A dead thread's consumer does not leave the group: its replacement gets the
                        // partitions back once the session times out, so keep that short (the broker's minimum).
                        StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000",
                        StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000"));
        String jti = "crash-" + UUID.randomUUID();
        try (Detector detector = new Detector(config).start();
             KafkaProducer<byte[], byte[]> producer = producer()) {
            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();

            // The three uses that revoke the token; the revocation is written in an open transaction.
            sendUses(producer, "dave", jti, NETWORKS);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !readToEnd(Topics.REVOCATIONS.name(), "read_uncommitted", jti).isEmpty());
            // Then a record that kills the stream thread, once.
            producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), bytes(ISS + "|dave"),
                    bytes(CrashOnce.MARKER + jti))).get();
            await().atMost(Duration.ofSeconds(30)).untilTrue(CrashOnce.CRASHED);
            // The replacement cannot commit before the dead member's session times out, so what is
            // committed now was committed before the crash.
            boolean committedBeforeCrash = !readToEnd(Topics.REVOCATIONS.name(), "read_committed", jti).isEmpty();

            awaitInputCommitted(applicationId);
            assertThat(readToEnd(Topics.REVOCATIONS.name(), "read_committed", jti)).as("committed revocations")
                    .hasSize(1);
            assertThat(readToEnd(Topics.ALERTS.name(), "read_committed", jti)).as("committed alerts").hasSize(1);
            if (!committedBeforeCrash) {
                // The dead thread's revocation reached the log and was aborted; the replacement wrote it again.
                assertThat(readToEnd(Topics.REVOCATIONS.name(), "read_uncommitted", jti)).as("written revocations")
                        .hasSize(2);
            }
        }
    }

    /** Fails the first record carrying {@link #MARKER}, killing its stream thread; dead-letters it afterwards. */
    public static final class CrashOnce extends DeadLetterDeserializationHandler {
        static final String MARKER = "{crash ";
        static final AtomicBoolean CRASHED = new AtomicBoolean();

        @Override
        public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                    Exception exception) {
            if (record.value() != null && new String(record.value(), StandardCharsets.UTF_8).startsWith(MARKER)
                    && CRASHED.compareAndSet(false, true)) {
                return Response.fail();
            }
            return super.handleError(context, record, exception);
        }
    }

    private static void sendUses(KafkaProducer<byte[], byte[]> producer, String sub, String jti, List<String> ips)
            throws Exception {
        for (String ip : ips) {
            producer.send(usage(accepted(sub, jti, ip))).get();
        }
    }

    private static ProducerRecord<byte[], byte[]> usage(TokenUsageEvent event) {
        return new ProducerRecord<>(Topics.TOKEN_USAGE.name(), bytes(event.key()),
                Topics.TOKEN_USAGE.valueSerde().serializer().serialize(Topics.TOKEN_USAGE.name(), event));
    }

    private static TokenUsageEvent accepted(String sub, String jti, String ip) {
        long now = System.currentTimeMillis();
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), now, "f1", "svc",
                Outcome.ACCEPTED,
                new TokenUsageEvent.TokenFacts("b".repeat(64), true, jti, sub, ISS, List.of("api"), now - 1000,
                        now + 600_000, null, "k1", "ES256"),
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

    /** Waits until the detector's group has committed every usage record sent so far. */
    private static void awaitInputCommitted(String applicationId) throws Exception {
        try (Admin admin = admin()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(Topics.TOKEN_USAGE.name(), p));
            }
            Map<TopicPartition, Long> end = admin.listOffsets(partitions.stream()
                            .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                        .partitionsToOffsetAndMetadata().get();
                return partitions.stream().allMatch(tp -> end.get(tp) == 0
                        || committed.get(tp) != null && committed.get(tp).offset() >= end.get(tp));
            });
        }
    }

    /** Waits until {@code topic} holds {@code count} committed records whose value contains {@code marker}. */
    private static void awaitCommittedRecords(String topic, String marker, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> readToEnd(topic, "read_committed", marker).size() >= count);
    }

    /** The records of {@code topic}, from the start to its current end, whose value contains {@code marker}. */
    private static List<ConsumerRecord<byte[], byte[]>> readToEnd(String topic, String isolation, String marker) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.value() != null && new String(r.value(), StandardCharsets.UTF_8).contains(marker)) {
                        out.add(r);
                    }
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return out;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void wipe(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
