package io.tokenwatch.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tokenwatch gateway}: options become the filter's and gateway's properties, and unusable
 * options end in one line on stderr before anything starts. (The running gateway is covered by
 * ingest-filter's GatewayTest.)
 */
class GatewayCommandTest {

    private static final String[] REQUIRED = {"gateway", "--upstream", "http://127.0.0.1:9000",
            "--issuer", "https://issuer.test", "--audience", "api", "--bootstrap-servers", "127.0.0.1:1"};

    @Test
    void shouldMapOptionsToProperties(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), "{}");
        Path kafkaConfig = Files.writeString(dir.resolve("kafka.properties"), "security.protocol=SSL\n");
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs("--upstream", "http://up:9000", "--port", "9090", "--issuer", "https://i",
                "--audience", "a", "--audience", "b", "--jwks-file", jwks.toString(), "--bootstrap-servers", "k:9092",
                "--kafka-config", kafkaConfig.toString(), "--trusted-proxy", "10.0.0.0/8", "--public", "/public/**",
                "--rate-limit", "api /api/** 100/1m 20/1m", "--subject-format", "sub", "--set", "micronaut.server.host=127.0.0.1");

        Map<String, Object> props = command.properties();

        assertThat(props).containsEntry("micronaut.server.port", 9090)
                .containsEntry("tokenwatch.gateway.upstream", "http://up:9000")
                .containsEntry("tokenwatch.gateway.subject-format", "sub")
                .containsEntry("tokenwatch.filter.audiences", List.of("a", "b"))
                .containsEntry("tokenwatch.filter.keys.jwks-file", jwks.toString())
                .containsEntry("tokenwatch.filter.kafka.bootstrap-servers", "k:9092")
                .containsEntry("tokenwatch.filter.kafka.properties.security.protocol", "SSL")
                .containsEntry("tokenwatch.filter.trusted-proxies", List.of("10.0.0.0/8"))
                .containsEntry("tokenwatch.filter.excluded-paths", List.of("/health/**", "/prometheus", "/public/**"))
                .containsEntry("tokenwatch.filter.rate-limit.rules", List.of("api /api/** 100/1m 20/1m"))
                .containsEntry("micronaut.server.host", "127.0.0.1");
    }

    @Test
    void shouldMapGeoOptionsToProperties(@TempDir Path dir) throws Exception {
        Path city = Files.writeString(dir.resolve("city.mmdb"), "x");
        Path asn = Files.writeString(dir.resolve("asn.mmdb"), "x");
        Path connectionType = Files.writeString(dir.resolve("connection-type.mmdb"), "x");
        Path anonymous = Files.writeString(dir.resolve("anonymous-ip.mmdb"), "x");
        Path table = Files.writeString(dir.resolve("geo.csv"), "10.0.0.0/8,US,,,,\n");
        GatewayCommand named = parse("--geo-country-header", "CF-IPCountry", "--geo-database", city.toString(),
                "--geo-asn-database", asn.toString(), "--geo-table", table.toString(),
                "--geo-connection-type-database", connectionType.toString(),
                "--geo-anonymous-database", anonymous.toString());
        GatewayCommand cloudFront = parse("--geo-country-header");
        GatewayCommand none = parse();

        assertThat(named.properties()).containsEntry("tokenwatch.filter.geo.cdn-headers", true)
                .containsEntry("tokenwatch.filter.geo.country-header", "CF-IPCountry")
                .containsEntry("tokenwatch.filter.geo.database", city.toString())
                .containsEntry("tokenwatch.filter.geo.asn-database", asn.toString())
                .containsEntry("tokenwatch.filter.geo.table", table.toString())
                .containsEntry("tokenwatch.filter.geo.connection-type-database", connectionType.toString())
                .containsEntry("tokenwatch.filter.geo.anonymous-database", anonymous.toString());
        assertThat(cloudFront.properties()).containsEntry("tokenwatch.filter.geo.country-header",
                "CloudFront-Viewer-Country");
        assertThat(none.properties().keySet()).noneMatch(key -> key.startsWith("tokenwatch.filter.geo."));
    }

    @Test
    void shouldRefuseUnreadableGeoDatabaseInOneLine() {
        Result result = run(concat(REQUIRED, "--jwk", "{}", "--geo-database", "/no/such/GeoLite2-City.mmdb"));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err().strip()).isEqualTo("tokenwatch: --geo-database: cannot read /no/such/GeoLite2-City.mmdb");
    }

    @Test
    void shouldRefuseUnreadableConnectionTypeOrAnonymousDatabaseInOneLine() {
        Result connectionType = run(concat(REQUIRED, "--jwk", "{}", "--geo-connection-type-database",
                "/no/such/GeoIP2-Connection-Type.mmdb"));
        Result anonymous = run(concat(REQUIRED, "--jwk", "{}", "--geo-anonymous-database",
                "/no/such/GeoIP2-Anonymous-IP.mmdb"));

        assertThat(connectionType.exit()).isEqualTo(1);
        assertThat(connectionType.err().strip())
                .isEqualTo("tokenwatch: --geo-connection-type-database: cannot read /no/such/GeoIP2-Connection-Type.mmdb");
        assertThat(anonymous.exit()).isEqualTo(1);
        assertThat(anonymous.err().strip())
                .isEqualTo("tokenwatch: --geo-anonymous-database: cannot read /no/such/GeoIP2-Anonymous-IP.mmdb");
    }

    private static GatewayCommand parse(String... geoOptions) {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs(concat(new String[] {"--upstream", "http://up:9000", "--issuer", "https://i",
                "--audience", "a", "--jwk", "{}", "--bootstrap-servers", "k:9092"}, geoOptions));
        return command;
    }

    @Test
    void shouldMapJwksOptionsToProperties() {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs("--upstream", "http://up:9000", "--issuer", "https://i", "--audience", "a",
                "--bootstrap-servers", "k:9092", "--jwks-uri", "https://idp.example/.well-known/jwks.json",
                "--algorithm", "RS256", "--algorithm", "ES256", "--jwks-refresh-interval", "10m",
                "--jwks-min-refresh-interval", "1m", "--jwks-timeout", "3s", "--jwks-allow-http",
                "--keys-unavailable-status", "401");

        Map<String, Object> props = command.properties();

        assertThat(props).containsEntry("tokenwatch.filter.keys.jwks-uri", "https://idp.example/.well-known/jwks.json")
                .containsEntry("tokenwatch.filter.algorithms", List.of("RS256", "ES256"))
                .containsEntry("tokenwatch.filter.keys.jwks-refresh-interval", "PT10M")
                .containsEntry("tokenwatch.filter.keys.jwks-min-refresh-interval", "PT1M")
                .containsEntry("tokenwatch.filter.keys.jwks-timeout", "PT3S")
                .containsEntry("tokenwatch.filter.keys.jwks-allow-http", true)
                .containsEntry("tokenwatch.filter.keys-unavailable-status", 401)
                .doesNotContainKey("tokenwatch.filter.keys.jwk");
    }

    @Test
    void shouldMapSpoolBodyAndMethodOptionsToProperties(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), "{}");
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs("--upstream", "http://up:9000", "--issuer", "https://i", "--audience", "a",
                "--jwks-file", jwks.toString(), "--bootstrap-servers", "k:9092",
                "--event-spool-dir", dir.resolve("spool").toString(), "--event-spool-max-bytes", "512MB",
                "--event-spool-max-age", "6h", "--max-body-size", "2MB", "--allowed-method", "get",
                "--allowed-method", "POST");

        assertThat(command.properties())
                .containsEntry("tokenwatch.filter.kafka.event-spool-dir", dir.resolve("spool").toAbsolutePath().toString())
                .containsEntry("tokenwatch.filter.kafka.event-spool-max-bytes", 512L * 1024 * 1024)
                .containsEntry("tokenwatch.filter.kafka.event-spool-max-age", "PT6H")
                .containsEntry("micronaut.server.max-request-size", 2L * 1024 * 1024)
                .containsEntry("tokenwatch.gateway.allowed-methods", List.of("GET", "POST"));

        GatewayCommand defaults = new GatewayCommand();
        new CommandLine(defaults).parseArgs("--upstream", "http://up:9000", "--port", "9191", "--issuer", "https://i",
                "--audience", "a", "--jwks-file", jwks.toString(), "--bootstrap-servers", "k:9092");
        assertThat(defaults.properties()).containsEntry("tokenwatch.filter.kafka.event-spool-dir",
                        Path.of(System.getProperty("java.io.tmpdir"), "tokenwatch-gateway-9191", "event-spool")
                                .toAbsolutePath().toString())
                .doesNotContainKey("micronaut.server.max-request-size")
                .doesNotContainKey("tokenwatch.gateway.allowed-methods");

        GatewayCommand anyPort = new GatewayCommand();
        new CommandLine(anyPort).parseArgs("--upstream", "http://up:9000", "--port", "0", "--issuer", "https://i",
                "--audience", "a", "--jwks-file", jwks.toString(), "--bootstrap-servers", "k:9092");
        GatewayCommand anyPortToo = new GatewayCommand();
        new CommandLine(anyPortToo).parseArgs("--upstream", "http://up:9000", "--port", "0", "--issuer", "https://i",
                "--audience", "a", "--jwks-file", jwks.toString(), "--bootstrap-servers", "k:9092");
        Object spoolA = anyPort.properties().get("tokenwatch.filter.kafka.event-spool-dir");
        Object spoolB = anyPortToo.properties().get("tokenwatch.filter.kafka.event-spool-dir");
        assertThat(spoolA).as("two gateways on free ports never share a spool").isNotNull().isNotEqualTo(spoolB);
        Files.delete(Path.of((String) spoolA));
        Files.delete(Path.of((String) spoolB));

        GatewayCommand off = new GatewayCommand();
        new CommandLine(off).parseArgs("--upstream", "http://up:9000", "--issuer", "https://i", "--audience", "a",
                "--jwks-file", jwks.toString(), "--bootstrap-servers", "k:9092", "--event-spool-dir", "none");
        assertThat(off.properties().keySet()).noneMatch(key -> key.contains("event-spool"));
    }

    @Test
    void shouldRefuseBadSizesAndMethodsInOneLine(@TempDir Path dir) throws Exception {
        Path jwks = Files.writeString(dir.resolve("jwks.json"), "{}");
        Result badSize = run(concat(REQUIRED, "--jwks-file", jwks.toString(), "--max-body-size", "lots"));
        assertThat(badSize.exit()).isEqualTo(1);
        assertThat(badSize.err().strip()).isEqualTo("tokenwatch: --max-body-size: not a size (e.g. 10MB): lots");

        Result zero = run(concat(REQUIRED, "--jwks-file", jwks.toString(), "--event-spool-max-bytes", "0"));
        assertThat(zero.exit()).isEqualTo(1);
        assertThat(zero.err().strip()).startsWith("tokenwatch: --event-spool-max-bytes: must be positive");

        Result badMethod = run(concat(REQUIRED, "--jwks-file", jwks.toString(), "--allowed-method", "GET POST"));
        assertThat(badMethod.exit()).isEqualTo(1);
        assertThat(badMethod.err().strip()).isEqualTo("tokenwatch: --allowed-method: not a method name: GET POST");
    }

    @Test
    void shouldRefuseBadJwksOptionsInOneLine() {
        Result badDuration = run(concat(REQUIRED, "--jwks-uri", "https://idp.example/jwks", "--algorithm", "ES256",
                "--jwks-timeout", "soon"));
        assertThat(badDuration.exit()).isEqualTo(1);
        assertThat(badDuration.err().strip()).startsWith("tokenwatch: --jwks-timeout: not a duration");

        Result badStatus = run(concat(REQUIRED, "--jwks-uri", "https://idp.example/jwks", "--algorithm", "ES256",
                "--keys-unavailable-status", "500"));
        assertThat(badStatus.exit()).isEqualTo(1);
        assertThat(badStatus.err().strip()).isEqualTo("tokenwatch: --keys-unavailable-status: 503 or 401, not 500");

        Result plainHttp = run(concat(REQUIRED, "--jwks-uri", "http://idp.example/jwks", "--algorithm", "ES256",
                "--port", "0"));
        assertThat(plainHttp.exit()).isEqualTo(1);
        assertThat(plainHttp.err().strip()).startsWith("tokenwatch: gateway did not start: tokenwatch.filter.keys.jwks-uri")
                .contains("must be https").doesNotContain("\n");
    }

    @Test
    void shouldRefuseInOneLineWithoutKeyOrWithUnreadableKeyFile() {
        Result noKey = run(REQUIRED);
        assertThat(noKey.exit()).isEqualTo(1);
        assertThat(noKey.err()).startsWith("tokenwatch: give the issuer's key").doesNotContain("\tat ");

        String[] badFile = concat(REQUIRED, "--pem-file", "/no/such/key.pem", "--alg", "ES256");
        Result unreadable = run(badFile);
        assertThat(unreadable.exit()).isEqualTo(1);
        assertThat(unreadable.err().strip()).isEqualTo("tokenwatch: --pem-file: cannot read /no/such/key.pem");
    }

    @Test
    void shouldRefuseInOneLineWhenKeyFileHoldsNoKey(@TempDir Path dir) throws Exception {
        Path garbage = Files.writeString(dir.resolve("key.pem"), "not a key");
        Result result = run(concat(REQUIRED, "--pem-file", garbage.toString(), "--alg", "ES256", "--port", "0"));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err().strip()).startsWith("tokenwatch: gateway did not start: tokenwatch.filter.keys.pem-file")
                .contains("no PEM block").doesNotContain("\n");
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

    private static String[] concat(String[] first, String... more) {
        String[] all = new String[first.length + more.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
