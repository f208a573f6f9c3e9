package io.tokenwatch.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.Detector;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.Revocation;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tokenwatch status} against the in-process broker with a running detector: a revocation
 * just published shows among the active entries, lifted and expired ones do not, and the detector's
 * group and readiness are reported.
 */
class StatusCommandTest {

    @TempDir
    static Path stateDir;
    private static EmbeddedKafka kafka;
    private static Detector detector;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicInitializer.ensureTopics(admin, 2, (short) 1);
        }
        detector = new Detector(DetectorConfig.defaults(kafka.bootstrapServers(), stateDir).withHttpPort(0)).start();
        assertThat(detector.awaitRunning(Duration.ofSeconds(60))).isTrue();
    }

    @AfterAll
    static void stop() {
        detector.close();
        kafka.close();
    }

    @Test
    void shouldShowARevocationJustPublishedAndTheDetector() throws Exception {
        Properties client = new Properties();
        client.put("bootstrap.servers", kafka.bootstrapServers());
        long now = System.currentTimeMillis();
        Revocation token = Revocation.blockToken("https://issuer.example", "jti-status-1", now + 3_600_000,
                "phished", "operator:test", now);
        Revocation address = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, "198.51.100.7",
                Revocation.Action.BLOCK, null, now + 3_600_000, "forged tokens", "operator:test", now);
        Revocation lifted = Revocation.blockToken("https://issuer.example", "jti-status-2", now + 3_600_000,
                "mistake", "operator:test", now);
        Revocation expired = Revocation.blockToken("https://issuer.example", "jti-status-3", now - 60_000,
                "old", "operator:test", now - 120_000);
        RevocationPublisher.publish(client, token.key(), token);
        RevocationPublisher.publish(client, address.key(), address);
        RevocationPublisher.publish(client, lifted.key(), lifted);
        RevocationPublisher.publish(client, lifted.key(), null);
        RevocationPublisher.publish(client, expired.key(), expired);
        String detectorUrl = "http://127.0.0.1:" + detector.httpPort().getAsInt();

        Result json = run("status", "--bootstrap-servers", kafka.bootstrapServers(), "--detector-url", detectorUrl,
                "--json");

        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode status = JsonSerde.MAPPER.readTree(json.out());
        JsonNode revocations = status.path("revocations");
        assertThat(revocations.path("active").path("jti block").asLong()).isEqualTo(1);
        assertThat(revocations.path("active").path("ip block").asLong()).isEqualTo(1);
        assertThat(revocations.path("active_total").asLong()).isEqualTo(2);
        assertThat(revocations.path("lifted").asLong()).isEqualTo(1);
        assertThat(revocations.path("expired").asLong()).isEqualTo(1);
        assertThat(revocations.path("records").asLong()).isEqualTo(5);
        assertThat(revocations.path("partitions").asInt()).isEqualTo(2);
        JsonNode group = status.path("detector");
        assertThat(group.path("application_id").asText()).isEqualTo(DetectorConfig.DEFAULT_APPLICATION_ID);
        assertThat(group.path("state").asText()).isEqualTo("Stable");
        assertThat(group.path("members").asInt()).isEqualTo(1);
        assertThat(status.path("endpoint").path("ready").asInt()).isEqualTo(200);
        assertThat(status.path("endpoint").hasNonNull("error")).isFalse();

        Result table = run("status", "--bootstrap-servers", kafka.bootstrapServers());

        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).containsPattern("jti block +1")
                .containsPattern("ip block +1")
                .containsPattern("total +2 +\\(1 expired awaiting tombstone, 1 lifted\\)")
                .contains("group tokenwatch-detector: Stable, 1 member");
    }

    @Test
    void shouldFailInOneLineWhenKafkaIsUnreachable() {
        Result result = run("status", "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err().strip()).startsWith("tokenwatch: cannot reach Kafka at 127.0.0.1:1");
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
