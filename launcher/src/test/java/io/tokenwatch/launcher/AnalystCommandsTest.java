package io.tokenwatch.launcher;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code revoke}, {@code lift} and {@code alerts} against a real broker, as an analyst runs them. */
class AnalystCommandsTest {

    private static EmbeddedKafka kafka;
    private static RevocationView view;
    private static RevocationListener listener;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicInitializer.ensureTopics(admin, 2, (short) 1);
        }
        Properties client = new Properties();
        client.put("bootstrap.servers", kafka.bootstrapServers());
        view = new RevocationView(Clock.systemUTC());
        listener = new RevocationListener(view, client).start();
        assertThat(listener.awaitReady(Duration.ofSeconds(30))).isTrue();
    }

    @AfterAll
    static void stop() {
        listener.close();
        kafka.close();
    }

    @Test
    void shouldRevokeATokenAtTheFilterAndLiftIt() {
        TokenClaims claims = claims("jti-revoke-1", "dave");

        Result revoke = run("revoke", "--bootstrap-servers", kafka.bootstrapServers(), "--jti", "jti-revoke-1",
                "--iss", "https://issuer.example", "--reason", "phished", "--ttl", "1h");

        assertThat(revoke.exit).as(revoke.err).isZero();
        assertThat(revoke.out).contains("revoked jti|https://issuer.example|jti-revoke-1 (block)");
        await().atMost(Duration.ofSeconds(10)).until(() -> view.check(claims, "198.51.100.1").isPresent());

        Result lift = run("lift", "--bootstrap-servers", kafka.bootstrapServers(), "--jti", "jti-revoke-1",
                "--iss", "https://issuer.example");

        assertThat(lift.exit).as(lift.err).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.check(claims, "198.51.100.1").isEmpty());
    }

    @Test
    void shouldRevokeEveryTokenOfASubjectIssuedUntilNow() {
        TokenClaims before = claims("jti-old", "erin");

        Result revoke = run("revoke", "--bootstrap-servers", kafka.bootstrapServers(), "--sub", "erin",
                "--iss", "https://issuer.example", "--reason", "account takeover");

        assertThat(revoke.exit).as(revoke.err).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.check(before, "198.51.100.1").isPresent());
        TokenClaims after = new TokenClaims("f".repeat(64), true, "ES256", null, "jti-new", "erin",
                "https://issuer.example", List.of("api"), Instant.now().plusSeconds(5), Instant.now().plusSeconds(600),
                null);
        assertThat(view.check(after, "198.51.100.1")).as("a token issued after the cutoff").isEmpty();
    }

    @Test
    void shouldBlockAnAddress() {
        Result revoke = run("revoke", "--bootstrap-servers", kafka.bootstrapServers(), "--ip", "203.0.113.66",
                "--reason", "credential stuffing", "--ttl", "15m");

        assertThat(revoke.exit).as(revoke.err).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.isBlocked("203.0.113.66"));
    }

    @Test
    void shouldRefuseBadCombinationsWithAClearErrorAndNonZeroExit() {
        Result noIssuer = run("revoke", "--bootstrap-servers", kafka.bootstrapServers(), "--jti", "x", "--reason", "r");
        assertThat(noIssuer.exit).isNotZero();
        assertThat(noIssuer.err).contains("--jti needs --iss");

        Result hostName = run("revoke", "--bootstrap-servers", kafka.bootstrapServers(), "--ip", "evil.example",
                "--reason", "r");
        assertThat(hostName.exit).isNotZero();
        assertThat(hostName.err).contains("not an IP address");

        Result badTtl = run("revoke", "--bootstrap-servers", kafka.bootstrapServers(), "--ip", "192.0.2.1",
                "--reason", "r", "--ttl", "soon");
        assertThat(badTtl.exit).isNotZero();
        assertThat(badTtl.err).contains("not a duration");

        Result twoTargets = run("revoke", "--jti", "a", "--ip", "192.0.2.1", "--reason", "r");
        assertThat(twoTargets.exit).isNotZero();
        assertThat(twoTargets.err).contains("give exactly one of --jti, --sub, --ip");
    }

    @Test
    void shouldSayClearlyWhenKafkaCannotBeReached() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Result result = run("revoke", "--bootstrap-servers", "127.0.0.1:" + closedPort, "--ip", "192.0.2.1",
                "--reason", "r");

        assertThat(result.exit).isNotZero();
        assertThat(result.err).startsWith("tokenwatch: cannot reach Kafka at 127.0.0.1:" + closedPort);
        assertThat(result.err.lines().count()).isEqualTo(1);
    }

    @Test
    void shouldPrintEachAlertOnOneLine() throws Exception {
        CompletableFuture<Result> following = CompletableFuture.supplyAsync(() -> run("alerts",
                "--bootstrap-servers", kafka.bootstrapServers(), "--max", "1", "--timeout", "20s"));
        Thread.sleep(2000); // let it reach the end of the topic before the alert is written
        Alert alert = Alert.detectionFinding(Alert.Activity.CREATE, Alert.Severity.HIGH, 1_800_000_000_000L, "m",
                "0.1.0", new Alert.FindingInfo("uid-1", "Token replay from several networks", null,
                        List.of("token_replay"), Alert.Analytic.rule("token_replay", "1"), null, null, null),
                new Alert.Actor(new Alert.User("https://issuer.example|frank", "frank", "https://issuer.example")),
                List.of(new Alert.Evidence("use", new Alert.NetworkEndpoint("198.51.100.9", null), null)),
                List.of(), Map.of());
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        try (KafkaProducer<String, Alert> producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.ALERTS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.ALERTS.name(), "k", alert)).get();
        }

        Result result = following.get();

        assertThat(result.exit).as(result.err).isZero();
        assertThat(result.out.lines().toList()).hasSize(1);
        assertThat(result.out).contains("High", "token_replay", "https://issuer.example|frank", "198.51.100.9",
                "Token replay from several networks");
    }

    private static TokenClaims claims(String jti, String sub) {
        Instant now = Instant.now();
        return new TokenClaims("e".repeat(64), true, "ES256", null, jti, sub, "https://issuer.example",
                List.of("api"), now.minusSeconds(60), now.plusSeconds(600), null);
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
