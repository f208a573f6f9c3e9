package io.tokenwatch.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.tokenwatch.filter.clientip.Cidr;
import io.tokenwatch.schemas.Topic;
import io.tokenwatch.schemas.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml is checked without a Docker engine: against the Compose Specification schema
 * in ../shared/specs, against the topic catalogue, against the network isolation it promises, against
 * the command line every tokenwatch container runs, and against what its health checks, volumes and
 * trusted proxies promise. Values are read as Compose reads them with no variables set
 * ({@code ${VAR:-default}} is the default). {@link ComposeStackTest} runs the file for real.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of(System.getProperty("tokenwatch.root", "..")).toAbsolutePath().normalize();
    /** {@code ${NAME:-default}}: Compose's interpolation with a default, as used in the file. */
    private static final Pattern DEFAULTS = Pattern.compile("\\$\\{([A-Z_]+):-([^}]*)}");
    private static String yaml;
    private static JsonNode compose;

    @BeforeAll
    static void read() throws Exception {
        yaml = Files.readString(ROOT.resolve("docker-compose.yml"));
        compose = new ObjectMapper(new YAMLFactory()).readTree(DEFAULTS.matcher(yaml).replaceAll("$2"));
    }

    @Test
    void shouldConformToTheComposeSpecification() throws Exception {
        Path spec = ROOT.resolve("../shared/specs/compose-spec/compose-spec.json").normalize();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
        // The spec's $id is relative ("compose_spec.json"), which the validator cannot use as a base;
        // only that one value is made absolute, the schema itself is used as published.
        String text = Files.readString(spec);
        assertThat(text).contains("\"$id\": \"compose_spec.json\"");
        Schema schema = registry.getSchema(text.replace("\"$id\": \"compose_spec.json\"",
                "\"$id\": \"https://compose-spec.io/compose_spec.json\""), InputFormat.JSON);

        List<com.networknt.schema.Error> errors = schema.validate(yaml, InputFormat.YAML);

        assertThat(errors).isEmpty();
    }

    @Test
    void shouldCreateEveryTopicWithTheCataloguePolicy() {
        String script = String.join("\n", texts(compose.at("/services/topic-init/command"))).replace("\\\n", " ");
        for (Topic<?, ?> topic : Topics.ALL) {
            String line = script.lines().filter(l -> l.contains("--topic " + topic.name() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("topic-init does not create " + topic.name()));
            for (Map.Entry<String, String> config : topic.configs().entrySet()) {
                assertThat(line).as(topic.name()).contains("--config " + config.getKey() + "=" + config.getValue());
            }
        }
        assertThat(compose.at("/services/kafka/environment/KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText()).isEqualTo("false");
    }

    @Test
    void shouldKeepKafkaAndTheServiceOffThePublicNetwork() {
        assertThat(compose.at("/networks/internal/internal").asBoolean()).isTrue();
        for (String internalOnly : List.of("kafka", "topic-init", "detector", "sample-service")) {
            assertThat(texts(compose.at("/services/" + internalOnly + "/networks"))).as(internalOnly)
                    .containsExactly("internal");
            assertThat(compose.at("/services/" + internalOnly + "/ports").isMissingNode()).as(internalOnly).isTrue();
        }
        assertThat(texts(compose.at("/services/gateway/networks"))).containsExactlyInAnyOrder("public", "internal",
                "edge");
    }

    @Test
    void shouldBelieveForwardedAddressesOnlyFromTheEdgeNetwork() {
        String edge = compose.at("/networks/edge/ipam/config/0/subnet").asText();
        List<String> trusted = texts(compose.at("/services/gateway/command")).stream()
                .filter(a -> a.startsWith("--trusted-proxy=")).map(a -> a.substring("--trusted-proxy=".length()))
                .toList();

        assertThat(trusted).containsExactly(edge);
        assertThat(Cidr.parse(edge)).isNotNull();
        assertThat(compose.at("/networks/edge/internal").asBoolean()).isTrue();
        List<String> onEdge = new ArrayList<>();
        compose.get("services").properties().forEach(service -> {
            if (texts(service.getValue().get("networks") == null ? MissingNode.getInstance()
                    : service.getValue().get("networks")).contains("edge")) {
                onEdge.add(service.getKey());
            }
        });
        assertThat(onEdge).containsExactlyInAnyOrder("gateway", "client");
        assertThat(yaml).as("the gateway's trusted proxy and the edge subnet are one setting")
                .contains("--trusted-proxy=${TOKENWATCH_EDGE_SUBNET:-" + edge + "}")
                .contains("subnet: ${TOKENWATCH_EDGE_SUBNET:-" + edge + "}");
    }

    @Test
    void shouldCheckHealthWithoutStartingAJvm() {
        List<String> checked = new ArrayList<>();
        compose.get("services").properties().forEach(service -> {
            JsonNode test = service.getValue().at("/healthcheck/test");
            if (test.isMissingNode()) {
                return;
            }
            String command = String.join(" ", texts(test));
            assertThat(command).as(service.getKey()).doesNotContain("java").doesNotContain(".jar")
                    .doesNotContain("kafka-broker-api-versions").doesNotContain("/opt/kafka/bin");
            checked.add(service.getKey());
        });
        assertThat(checked).containsExactlyInAnyOrder("kafka", "detector", "issuer", "sample-service", "gateway");
    }

    @Test
    void shouldKeepKafkasLogOnItsVolume() {
        String logDirs = compose.at("/services/kafka/environment/KAFKA_LOG_DIRS").asText();
        assertThat(texts(compose.at("/services/kafka/volumes"))).contains("kafka-data:" + logDirs);
    }

    @Test
    void shouldKeepTheIssuerKeyOnAVolumeOnlyTheIssuerMounts() {
        List<String> args = texts(compose.at("/services/issuer/command"));
        Path keyFile = Path.of(args.get(args.indexOf("--key-file") + 1));
        String volume = texts(compose.at("/services/issuer/volumes")).stream()
                .filter(v -> keyFile.startsWith(v.substring(v.indexOf(':') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("the issuer's key file " + keyFile + " is on no volume"));
        String name = volume.substring(0, volume.indexOf(':'));
        compose.get("services").properties().forEach(service -> {
            if (!service.getKey().equals("issuer")) {
                assertThat(texts(service.getValue().path("volumes"))).as(service.getKey())
                        .noneMatch(v -> v.startsWith(name + ":"));
            }
        });
    }

    @Test
    void shouldRunOnlyCommandsAndOptionsTheTokenwatchCommandAccepts() {
        List<String> checked = new ArrayList<>();
        compose.get("services").properties().forEach(service -> {
            JsonNode command = service.getValue().get("command");
            boolean ours = service.getValue().path("image").asText().startsWith("tokenwatch:");
            if (!ours || command == null || service.getValue().has("entrypoint")) {
                return;
            }
            List<String> args = texts(command);
            CommandLine cli = Main.commandLine();
            // Throws on an unknown subcommand or option: compose and the CLI cannot drift apart.
            cli.parseArgs(args.toArray(String[]::new));
            checked.add(service.getKey());
        });
        assertThat(checked).contains("detector", "issuer", "sample-service", "gateway");
    }

    private static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }
}
