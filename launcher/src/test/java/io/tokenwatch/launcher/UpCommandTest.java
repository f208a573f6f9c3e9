package io.tokenwatch.launcher;

import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.schemas.Revocation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tokenwatch up}: everything in one process on a persistent data directory. It proxies an
 * accepted request, refuses a bad token, and after a restart on the same directory still enforces a
 * revocation published before; unusable options end in one line before anything starts.
 */
class UpCommandTest {

    private final DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
    private final HttpClient http = HttpClient.newHttpClient();
    private HttpServer upstream;
    private Path jwks;

    @BeforeEach
    void startUpstream(@TempDir Path keys) throws Exception {
        upstream = SampleServiceCommand.start("127.0.0.1", 0);
        jwks = Files.writeString(keys.resolve("jwks.json"), IssuerCommand.jwks(issuer));
    }

    @AfterEach
    void stopUpstream() {
        upstream.stop(0);
    }

    @Test
    void shouldProxyRefuseAndKeepRevocationsAcrossARestart(@TempDir Path dataDir) throws Exception {
        String jti = UUID.randomUUID().toString();
        String token = issuer.mint("alice", jti, Duration.ofMinutes(15));
        String other = issuer.mint("bob", UUID.randomUUID().toString(), Duration.ofMinutes(15));

        try (GatewaySystem system = up(dataDir)) {
            HttpResponse<String> accepted = get(system, token);
            assertThat(accepted.statusCode()).isEqualTo(200);
            assertThat(accepted.body()).contains("\"subject\":\"" + EmbeddedSystem.ISSUER + "|alice\"");
            assertThat(get(system, issuer.forge("alice", jti)).statusCode()).isEqualTo(401);
            assertThat(get(system, "not-a-jwt").statusCode()).isEqualTo(401);

            Properties client = new Properties();
            client.put("bootstrap.servers", system.bootstrapServers());
            long now = System.currentTimeMillis();
            Revocation revocation = Revocation.blockToken(EmbeddedSystem.ISSUER, jti, now + 3_600_000, "test",
                    "operator:test", now);
            RevocationPublisher.publish(client, revocation.key(), revocation);
            await().atMost(Duration.ofSeconds(10)).until(() -> get(system, token).statusCode() == 401);
        }
        assertThat(dataDir.resolve("kafka")).isDirectory();
        assertThat(dataDir.resolve("detector")).isDirectory();

        try (GatewaySystem restarted = up(dataDir)) {
            // Ready means the revocation view caught up: the revocation is enforced from the first request.
            assertThat(get(restarted, token).statusCode()).isEqualTo(401);
            assertThat(get(restarted, other).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldRefuseABadUpstreamInOneLine() {
        Result result = run("up", "--upstream", "ftp://127.0.0.1:9000", "--issuer", EmbeddedSystem.ISSUER,
                "--audience", EmbeddedSystem.AUDIENCE, "--jwks-file", jwks.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err().strip()).isEqualTo("tokenwatch: --upstream: expected http://HOST[:PORT] or "
                + "https://HOST[:PORT], got ftp://127.0.0.1:9000");
    }

    @Test
    void shouldRefuseAMissingKeyInOneLine() {
        Result result = run("up", "--upstream", upstreamUrl(), "--issuer", EmbeddedSystem.ISSUER,
                "--audience", EmbeddedSystem.AUDIENCE);

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("tokenwatch: give the issuer's key").doesNotContain("\tat ");
    }

    @Test
    void shouldRefuseAPortInUseInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Result result = run("up", "--upstream", upstreamUrl(), "--issuer", EmbeddedSystem.ISSUER,
                    "--audience", EmbeddedSystem.AUDIENCE, "--jwks-file", jwks.toString(),
                    "--port", Integer.toString(taken.getLocalPort()));

            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.err()).startsWith("tokenwatch: --port: port " + taken.getLocalPort()
                    + " is already in use").doesNotContain("\n\t");
        }
    }

    private GatewaySystem up(Path dataDir) {
        UpCommand command = new UpCommand();
        CommandLine cli = new CommandLine(command);
        cli.parseArgs("--data-dir", dataDir.toString(), "--kafka-port", "0", "--port", "0", "--host", "127.0.0.1",
                "--upstream", upstreamUrl(), "--issuer", EmbeddedSystem.ISSUER, "--audience", EmbeddedSystem.AUDIENCE,
                "--jwks-file", jwks.toString());
        return command.startSystem();
    }

    private String upstreamUrl() {
        return "http://127.0.0.1:" + upstream.getAddress().getPort();
    }

    private HttpResponse<String> get(GatewaySystem system, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + system.gateway().port() + "/api/x"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
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
