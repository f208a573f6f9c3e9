package io.tokenwatch.launcher;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.Detector;
import io.tokenwatch.detector.control.Controls;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Suppression;
import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code suppress} and {@code unsuppress} against a real broker and a real detector, as an analyst runs
 * them: the suppressed subject's findings stop alerting and containing, another subject's do not, and
 * after {@code unsuppress} the subject's findings alert again.
 */
class SuppressCommandsTest {

    private static final String ISSUER = "https://issuer.example";

    private static EmbeddedKafka kafka;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicInitializer.ensureTopics(admin, 2, (short) 1);
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void shouldSilenceOneSubjectUntilUnsuppressed() throws Exception {
        Result suppress = run("suppress", "--bootstrap-servers", kafka.bootstrapServers(), "--rule", "token_replay",
                "--iss", ISSUER, "--sub", "alice", "--ttl", "1h", "--reason", "shared kiosk, known");

        assertThat(suppress.exit).as(suppress.err).isZero();
        assertThat(suppress.out).contains("suppressed token_replay|" + ISSUER + "|alice until");
        ConsumerRecord<String, Suppression> written = readAll(Topics.SUPPRESSIONS.name(),
                Topics.SUPPRESSIONS.valueSerde().deserializer()).get(0);
        assertThat(written.key()).isEqualTo("token_replay|" + ISSUER + "|alice");
        assertThat(written.value().reason()).isEqualTo("shared kiosk, known");
        assertThat(written.value().expiresAt() - written.value().createdAt()).isEqualTo(3_600_000L);

        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId("suppress-test").withControls(Controls.enforcing());
        try (Detector detector = new Detector(config).start()) {
            assertThat(detector.awaitRunning(Duration.ofSeconds(60))).as(detector.state().toString()).isTrue();

            replay("alice", "alice-1");
            replay("bob", "bob-1");

            List<Alert> alerts = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                readAll(Topics.ALERTS.name(), Topics.ALERTS.valueSerde().deserializer())
                        .forEach(r -> alerts.add(r.value()));
                return alerts.stream().anyMatch(a -> a.actor().user().name().equals("bob"));
            });
            assertThat(alerts).extracting(a -> a.actor().user().name()).as("alice is suppressed").containsOnly("bob");
            assertThat(readAll(Topics.REVOCATIONS.name(), Topics.REVOCATIONS.valueSerde().deserializer()))
                    .extracting(ConsumerRecord::key).containsExactly("jti|" + ISSUER + "|bob-1");

            Result unsuppress = run("unsuppress", "--bootstrap-servers", kafka.bootstrapServers(), "--rule",
                    "token_replay", "--iss", ISSUER, "--sub", "alice");
            assertThat(unsuppress.exit).as(unsuppress.err).isZero();
            assertThat(unsuppress.out).contains("unsuppressed token_replay|" + ISSUER + "|alice");

            // The detector learns of the tombstone within its global consumer's lag: a fresh token each try.
            int[] attempt = {0};
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                replay("alice", "alice-after-" + attempt[0]++);
                return readAll(Topics.ALERTS.name(), Topics.ALERTS.valueSerde().deserializer()).stream()
                        .anyMatch(r -> r.value().actor().user().name().equals("alice"));
            });
        }
    }

    @Test
    void shouldRefuseUnknownRulesAndForgedTokenSuppressionsWithAClearError() {
        Result unknown = run("suppress", "--bootstrap-servers", kafka.bootstrapServers(), "--rule", "impossible_trvel",
                "--iss", ISSUER, "--sub", "alice", "--reason", "r");
        assertThat(unknown.exit).isNotZero();
        assertThat(unknown.err).contains("unknown rule 'impossible_trvel'");

        Result forged = run("suppress", "--bootstrap-servers", kafka.bootstrapServers(), "--rule",
                "forged_token_burst", "--iss", ISSUER, "--sub", "alice", "--reason", "r");
        assertThat(forged.exit).isNotZero();
        assertThat(forged.err).contains("cannot be suppressed by subject");

        Result badTtl = run("suppress", "--bootstrap-servers", kafka.bootstrapServers(), "--rule", "*",
                "--iss", "*", "--sub", "alice", "--reason", "r", "--ttl", "soon");
        assertThat(badTtl.exit).isNotZero();
        assertThat(badTtl.err).contains("not a duration");
    }

    /** One token of {@code sub} used from three networks within a minute: the token-replay rule fires. */
    private static void replay(String sub, String jti) throws Exception {
        long now = System.currentTimeMillis();
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        try (KafkaProducer<String, TokenUsageEvent> producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.TOKEN_USAGE.valueSerde().serializer())) {
            // Three networks and back to the first: the second sign that makes the rule revoke.
            String[] addresses = {"198.51.100.7", "203.0.113.9", "192.0.2.44", "198.51.100.7"};
            for (int i = 0; i < addresses.length; i++) {
                TokenUsageEvent event = new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION,
                        UUID.randomUUID().toString(), now + i * 1_000L, "filter-1", "accounts", Outcome.ACCEPTED,
                        new TokenUsageEvent.TokenFacts("a".repeat(64), true, jti, sub, ISSUER, List.of("api"),
                                now - 60_000, now + 3_600_000, null, "k1", "ES256"),
                        new TokenUsageEvent.RequestFacts("GET", "/accounts/{id}", 200, addresses[i], "curl/8", null,
                                null));
                producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), event.key(), event)).get();
            }
        }
    }

    /** Everything on {@code topic} now, read from the start without a consumer group. */
    private static <V> List<ConsumerRecord<String, V>> readAll(String topic,
                                                               org.apache.kafka.common.serialization.Deserializer<V> values) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
