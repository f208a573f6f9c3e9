package io.tokenwatch.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Start-up failures end in one line that says what to fix, attacked for real: a port that another
 * socket holds, and a Kafka port where nothing listens (bound, then closed, so nothing answers).
 */
class StartupFailuresTest {

    @ParameterizedTest
    @ValueSource(strings = {"issuer", "sample-service", "gateway", "broker", "detector-http", "up",
            "up-kafka", "up-detector-http"})
    void shouldNameTheTakenPortInOneLine(String role, @TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            // Bound on every address with no reuse: whatever the command binds, this holds it.
            taken.bind(new InetSocketAddress(0));
            String port = Integer.toString(taken.getLocalPort());
            List<String> args = switch (role) {
                case "issuer" -> List.of("issuer", "--port", port);
                case "sample-service" -> List.of("sample-service", "--port", port);
                case "gateway" -> gateway("gateway", "--port", port, "--bootstrap-servers", "127.0.0.1:" + deadPort());
                case "broker" -> List.of("broker", "--port", port, "--data-dir", dir.resolve("kafka").toString());
                case "detector-http" -> List.of("detector", "--http-port", port, "--bootstrap-servers",
                        "127.0.0.1:" + deadPort(), "--state-dir", dir.toString());
                case "up" -> gateway("up", "--port", port, "--kafka-port", "0", "--data-dir", dir.toString());
                case "up-kafka" -> gateway("up", "--port", "0", "--kafka-port", port, "--data-dir", dir.toString());
                case "up-detector-http" -> gateway("up", "--port", "0", "--kafka-port", "0", "--detector-http-port",
                        port, "--data-dir", dir.toString());
                default -> throw new IllegalArgumentException(role);
            };

            Result result = run(args);

            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.err()).startsWith("tokenwatch: ").contains("port " + port + " ").contains("in use")
                    .doesNotContain("\n\t");
            assertThat(result.err().strip().lines()).hasSize(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"detector", "alerts", "revoke", "lift", "status"})
    void shouldNameTheBootstrapServersInOneLineWhenKafkaDoesNotAnswer(String command, @TempDir Path dir)
            throws Exception {
        String servers = "127.0.0.1:" + deadPort();
        List<String> args = new ArrayList<>(List.of(command, "--bootstrap-servers", servers));
        switch (command) {
            case "detector" -> args.addAll(List.of("--state-dir", dir.toString(), "--http-port", "-1"));
            case "revoke", "lift" -> args.addAll(List.of("--jti", "j-1", "--iss", EmbeddedSystem.ISSUER));
            default -> { }
        }
        if (command.equals("revoke")) {
            args.addAll(List.of("--reason", "test"));
        }

        Result result = run(args);

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("tokenwatch: cannot reach Kafka at " + servers + " within "
                + KafkaReachability.TIMEOUT.toSeconds() + " s").doesNotContain("\n\t");
        assertThat(result.err().strip().lines()).hasSize(1);
    }

    @Test
    void shouldStateTheKafkaTimeoutInTheHelp() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.execute("detector", "--help");

        assertThat(out.toString().replaceAll("\\s+", " "))
                .contains("give up after " + KafkaReachability.TIMEOUT.toSeconds() + " s if Kafka does not answer");
    }

    @Test
    void shouldRefuseAnUnreadableIssuerKeyFileAndLeaveItAlone(@TempDir Path dir) throws Exception {
        Path keyFile = Files.writeString(dir.resolve("issuer-key.pem"), "-----BEGIN PRIVATE KEY-----\nnot a key\n");

        Result result = run(List.of("issuer", "--port", "0", "--key-file", keyFile.toString()));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("tokenwatch: issuer key file " + keyFile).doesNotContain("\n\t");
        assertThat(Files.readString(keyFile)).isEqualTo("-----BEGIN PRIVATE KEY-----\nnot a key\n");
    }

    /** A gateway-shaped command line for {@code role} (gateway or up) with an HMAC key from the environment. */
    private static List<String> gateway(String role, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of(role, "--upstream", "http://127.0.0.1:" + deadPort(), "--issuer",
                EmbeddedSystem.ISSUER, "--audience", EmbeddedSystem.AUDIENCE, "--jwks-file", jwksFile().toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static Path jwksFile() throws IOException {
        Path file = Files.createTempFile("startup-failures", ".jwks.json");
        file.toFile().deleteOnExit();
        return Files.writeString(file, IssuerCommand.jwks(new DemoIssuer(Clock.systemUTC())));
    }

    /** A loopback port nothing listens on: bound to learn a free one, then closed. */
    private static int deadPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static Result run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }

    private record Result(int exit, String out, String err) {
    }
}
