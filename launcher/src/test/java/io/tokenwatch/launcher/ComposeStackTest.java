package io.tokenwatch.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.tokenwatch.filter.clientip.Cidr;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole stack of docker-compose.yml (KRaft Kafka, topic init, detector, issuer, sample service,
 * gateway) under testcontainers' {@link ComposeContainer}: once every service is healthy, one replay
 * incident is driven through the gateway (a genuine token used from three client networks) and the
 * same token must then be refused as revoked.
 *
 * <p>Needs a Docker engine with Compose; where none answers the stack test is skipped (a JUnit
 * assumption), not failed. The override file the stack runs with is checked here without Docker.
 */
class ComposeStackTest {

    private static final Path ROOT = Path.of(System.getProperty("tokenwatch.root", "..")).toAbsolutePath().normalize();
    private static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
    private static final Path OVERRIDE = ROOT.resolve("launcher/src/test/resources/compose/stack-test.override.yml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GATEWAY = 8080;
    private static final int ISSUER = 8082;
    /** Three /24 networks: the replay rule's threshold (DESIGN.md §3, ≥ 3 networks within 5 min). */
    private static final List<String> NETWORKS = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");

    @Test
    void shouldRevokeAReplayedTokenAtTheGatewayOfTheComposeStack() throws Exception {
        assumeTrue(dockerAvailable(), "no Docker engine answers here: the compose stack test needs one");

        try (ComposeContainer stack = new ComposeContainer("tokenwatch-stack-test", COMPOSE.toFile(), OVERRIDE.toFile())
                .withBuild(true)
                .withRemoveVolumes(true)
                .withStartupTimeout(Duration.ofMinutes(10))
                .waitingFor("kafka", Wait.forHealthcheck())
                .waitingFor("detector", Wait.forHealthcheck())
                .withExposedService("issuer", ISSUER, Wait.forHttp("/health").forStatusCode(200))
                .withExposedService("gateway", GATEWAY, Wait.forHttp("/health").forStatusCode(200))) {
            stack.start();
            URI gateway = uri(stack, "gateway", GATEWAY);
            URI issuer = uri(stack, "issuer", ISSUER);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

            String token = mint(http, issuer, "alice");
            for (String network : NETWORKS) {
                assertThat(get(http, gateway, token, network).statusCode()).as("use from %s", network).isEqualTo(200);
            }
            // Containment: the detector revokes the jti, every gateway replays the revocation topic.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                HttpResponse<String> next = get(http, gateway, token, NETWORKS.get(0));
                assertThat(next.statusCode()).isEqualTo(401);
                assertThat(next.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                        challenge -> assertThat(challenge).contains("invalid_token"));
            });
        }
    }

    @Test
    void shouldOverrideOnlyTheGatewaysTrustedProxies() throws Exception {
        JsonNode base = YAML.readTree(COMPOSE.toFile()).at("/services/gateway/command");
        JsonNode override = YAML.readTree(OVERRIDE.toFile());
        assertThat(texts(override.get("services").fieldNames())).containsExactly("gateway");
        assertThat(texts(override.at("/services/gateway").fieldNames())).containsExactly("command");

        List<String> baseArgs = texts(base);
        List<String> args = texts(override.at("/services/gateway/command"));
        List<String> added = new ArrayList<>(args);
        assertThat(args.subList(0, baseArgs.size())).as("docker-compose.yml's gateway command, unchanged")
                .isEqualTo(baseArgs);
        added.subList(0, baseArgs.size()).clear();
        assertThat(added).isNotEmpty().allMatch(a -> a.startsWith("--trusted-proxy="));
        for (String flag : added) {
            assertThat(Cidr.parse(flag.substring("--trusted-proxy=".length()))).isNotNull();
        }
        Main.commandLine().parseArgs(args.toArray(String[]::new));
    }

    @Test
    void shouldKeepTheOverrideAValidComposeFile() throws Exception {
        Path spec = ROOT.resolve("../shared/specs/compose-spec/compose-spec.json").normalize();
        String text = Files.readString(spec);
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(
                text.replace("\"$id\": \"compose_spec.json\"", "\"$id\": \"https://compose-spec.io/compose_spec.json\""),
                InputFormat.JSON);

        assertThat(schema.validate(Files.readString(OVERRIDE), InputFormat.YAML)).isEmpty();
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static URI uri(ComposeContainer stack, String service, int port) {
        return URI.create("http://" + stack.getServiceHost(service, port) + ":" + stack.getServicePort(service, port));
    }

    private static String mint(HttpClient http, URI issuer, String subject) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(issuer.resolve("/token?sub=" + subject))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).get("access_token").asText();
    }

    private static HttpResponse<String> get(HttpClient http, URI gateway, String token, String clientIp)
            throws Exception {
        return http.send(HttpRequest.newBuilder(gateway.resolve("/accounts/1"))
                .header("Authorization", "Bearer " + token)
                .header("X-Forwarded-For", clientIp)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static List<String> texts(java.util.Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }
}
