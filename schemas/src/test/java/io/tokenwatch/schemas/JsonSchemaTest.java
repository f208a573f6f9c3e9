package io.tokenwatch.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static io.tokenwatch.schemas.TestEvents.alert;
import static io.tokenwatch.schemas.TestEvents.request;
import static io.tokenwatch.schemas.TestEvents.revocation;
import static io.tokenwatch.schemas.TestEvents.suppression;
import static io.tokenwatch.schemas.TestEvents.token;
import static io.tokenwatch.schemas.TestEvents.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The JSON Schema files are the contract for consumers in other languages: what the serdes write
 * must validate, and the schemas must demand exactly what the records' constructors demand.
 */
class JsonSchemaTest {

    /** Subtrees whose names and values are free (OCSF {@code unmapped}, evidence {@code data}). */
    private static final Set<String> FREE_FORM = Set.of("unmapped", "evidences[].data");

    static Stream<Arguments> examples() {
        return Stream.of(
                example("usage event with every field", Topics.TOKEN_USAGE, usage().build()),
                example("usage event without token", Topics.TOKEN_USAGE, usage().outcome(Outcome.MISSING_TOKEN)
                        .token(null).request(request().userAgent(null).deviceId(null).geo(null).build()).build()),
                example("usage event with unverified token, IPv6 client", Topics.TOKEN_USAGE,
                        usage().outcome(Outcome.BAD_SIGNATURE).token(token().verified(false).build())
                                .request(request().clientIp("2001:db8::7").build()).build()),
                example("jti revocation", Topics.REVOCATIONS, revocation(Revocation.Scope.JTI).build()),
                example("subject revocation", Topics.REVOCATIONS, revocation(Revocation.Scope.SUBJECT).build()),
                example("ip revocation (IPv4 CIDR)", Topics.REVOCATIONS, revocation(Revocation.Scope.IP).build()),
                example("ip revocation (IPv6 address)", Topics.REVOCATIONS,
                        revocation(Revocation.Scope.IP).value("2001:db8::1").action(Revocation.Action.THROTTLE).build()),
                example("ip revocation (IPv6 CIDR)", Topics.REVOCATIONS,
                        revocation(Revocation.Scope.IP).value("2001:db8::/32").action(Revocation.Action.STEP_UP).build()),
                example("suppression of one rule for one subject", Topics.SUPPRESSIONS, suppression().build()),
                example("suppression of every rule, any issuer", Topics.SUPPRESSIONS,
                        suppression().rule(Suppression.ANY).issuer(Suppression.ANY).build()),
                example("alert with every nested part", Topics.ALERTS, alert().build()),
                example("alert with only required parts", Topics.ALERTS, alert()
                        .findingInfo(new Alert.FindingInfo("f-1", "t", null, null, null, null, null, null))
                        .actor(null).evidences(null).anomalyAnalyses(null).unmapped(null).message(null)
                        .activity(Alert.Activity.CLOSE).severity(Alert.Severity.INFORMATIONAL).build()));
    }

    private static <V> Arguments example(String name, Topic<?, V> topic, V value) {
        return Arguments.of(Named.of(name, topic.valueSerde()), Named.of("json", TestJson.of(topic, value)));
    }

    @ParameterizedTest
    @ValueSource(classes = {TokenUsageEvent.class, Revocation.class, Alert.class, Suppression.class})
    void shouldDeclareDraft202012WithIdAndTitle(Class<?> type) {
        JsonNode schema = schemaTree(type);

        assertThat(schema.path("$schema").asText()).isEqualTo(SchemaValidation.DRAFT_2020_12);
        assertThat(schema.path("$id").asText()).startsWith("https://").endsWith(".schema.json");
        assertThat(schema.path("title").asText()).isEqualTo(type.getSimpleName());
        assertThat(schema.path("description").asText()).isNotBlank();
        assertThat(schema.path("additionalProperties").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(classes = {TokenUsageEvent.class, Revocation.class, Alert.class, Suppression.class})
    void shouldBeValidAgainstTheDraft202012MetaSchema(Class<?> type) {
        assertThat(SchemaValidation.metaSchemaErrors(type)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(classes = {TokenUsageEvent.class, Revocation.class, Alert.class, Suppression.class})
    void shouldDescribeEveryProperty(Class<?> type) {
        List<String> undescribed = new ArrayList<>();
        collectUndescribed("", schemaTree(type), undescribed);

        assertThat(undescribed).isEmpty();
    }

    @Test
    void shouldFindEverySchemaFromItsRecordType() {
        assertThat(JsonSchemas.resourceOf(TokenUsageEvent.class)).contains(JsonSchemas.TOKEN_USAGE_EVENT);
        assertThat(JsonSchemas.resourceOf(Revocation.class)).contains(JsonSchemas.REVOCATION);
        assertThat(JsonSchemas.resourceOf(Alert.class)).contains(JsonSchemas.ALERT);
        assertThat(JsonSchemas.resourceOf(Suppression.class)).contains(JsonSchemas.SUPPRESSION);
        assertThat(JsonSchemas.resourceOf(String.class)).isEmpty();
        assertThatThrownBy(() -> JsonSchemas.open(String.class)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void shouldValidateWhatTheSerdeWrites(JsonSerde<?> serde, TestJson json) {
        assertThat(SchemaValidation.errors(serde.type(), json.json())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void shouldDeclareEveryPropertyTheSerdeWrites(JsonSerde<?> serde, TestJson json) {
        List<String> undeclared = new ArrayList<>();
        JsonNode schema = schemaTree(serde.type());
        collectUndeclared("", json.tree(), schema, schema, undeclared);

        assertThat(undeclared).isEmpty();
    }

    /**
     * For every property of every example, removing it makes the document invalid exactly when it
     * makes the deserializer reject it: the schema's {@code required} lists (and the conditional
     * ones) match the records' checks.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void shouldRequireExactlyWhatTheDeserializerRequires(JsonSerde<?> serde, TestJson json) {
        List<String> disagreements = new ArrayList<>();
        for (String path : propertyPaths("", json.tree())) {
            String without = json.copy().without(path).json();
            boolean schemaAccepts = SchemaValidation.errors(serde.type(), without).isEmpty();
            boolean serdeAccepts = accepts(serde, without);
            if (schemaAccepts != serdeAccepts) {
                disagreements.add(path + ": schema " + (schemaAccepts ? "accepts" : "rejects") + ", serde "
                        + (serdeAccepts ? "accepts" : "rejects") + " its absence");
            }
        }

        assertThat(disagreements).isEmpty();
    }

    static Stream<Arguments> invalidDocuments() {
        return Stream.of(
                invalid("usage event without request", Topics.TOKEN_USAGE, usage().build(), "request", null),
                invalid("usage event without token fingerprint", Topics.TOKEN_USAGE, usage().build(), "token.fingerprint", null),
                invalid("usage event with unknown outcome", Topics.TOKEN_USAGE, usage().build(), "outcome", "exploded"),
                invalid("usage event with short fingerprint", Topics.TOKEN_USAGE, usage().build(), "token.fingerprint", "abc123"),
                invalid("usage event with string status", Topics.TOKEN_USAGE, usage().build(), "request.status", "200"),
                invalid("usage event with host name as client", Topics.TOKEN_USAGE, usage().build(), "request.client_ip", "proxy.example.com"),
                invalid("usage event with blank service", Topics.TOKEN_USAGE, usage().build(), "service", "  "),
                invalid("usage event with number as service", Topics.TOKEN_USAGE, usage().build(), "service", 42),
                invalid("usage event with number as outcome", Topics.TOKEN_USAGE, usage().build(), "outcome", 0),
                invalid("usage event with fractional event_time", Topics.TOKEN_USAGE, usage().build(), "event_time", 1.5),
                invalid("usage event with number as verified", Topics.TOKEN_USAGE, usage().build(), "token.verified", 1),
                invalid("usage event with string as verified", Topics.TOKEN_USAGE, usage().build(), "token.verified", "true"),
                invalid("usage event with string latitude", Topics.TOKEN_USAGE, usage().build(), "request.geo.lat", "52.5"),
                invalid("usage event with negative accuracy radius", Topics.TOKEN_USAGE, usage().build(), "request.geo.accuracy_radius_km", -1),
                invalid("usage event with fractional accuracy radius", Topics.TOKEN_USAGE, usage().build(), "request.geo.accuracy_radius_km", 2.5),
                invalid("usage event with string in aud", Topics.TOKEN_USAGE, usage().build(), "token.aud", java.util.List.of(1)),
                invalid("revocation without value", Topics.REVOCATIONS, revocation().build(), "value", null),
                invalid("jti revocation without issuer", Topics.REVOCATIONS, revocation().build(), "issuer", null),
                invalid("subject revocation without not_before", Topics.REVOCATIONS, revocation(Revocation.Scope.SUBJECT).build(), "not_before", null),
                invalid("ip revocation with host name", Topics.REVOCATIONS, revocation(Revocation.Scope.IP).build(), "value", "proxy.example.com"),
                invalid("ip revocation with prefix 33", Topics.REVOCATIONS, revocation(Revocation.Scope.IP).build(), "value", "10.0.0.0/33"),
                invalid("revocation with unknown scope", Topics.REVOCATIONS, revocation().build(), "scope", "JTI"),
                invalid("suppression without subject", Topics.SUPPRESSIONS, suppression().build(), "subject", null),
                invalid("suppression with blank subject", Topics.SUPPRESSIONS, suppression().build(), "subject", " "),
                invalid("suppression without expires_at", Topics.SUPPRESSIONS, suppression().build(), "expires_at", null),
                invalid("suppression with | in rule", Topics.SUPPRESSIONS, suppression().build(), "rule", "a|b"),
                invalid("suppression with string expires_at", Topics.SUPPRESSIONS, suppression().build(), "expires_at", "7d"),
                invalid("alert without finding_info uid", Topics.ALERTS, alert().build(), "finding_info.uid", null),
                invalid("alert without metadata", Topics.ALERTS, alert().build(), "metadata", null),
                invalid("alert of another class", Topics.ALERTS, alert().build(), "class_uid", 2001),
                invalid("alert with severity 6", Topics.ALERTS, alert().build(), "severity_id", 6),
                invalid("alert with type_uid of another activity", Topics.ALERTS, alert().build(), "type_uid", 200402),
                invalid("alert with string time", Topics.ALERTS, alert().build(), "time", "2025-06-15T00:00:00Z"));
    }

    /** A valid document with one change: {@code path} removed ({@code value} null) or set to {@code value}. */
    private static <V> Arguments invalid(String name, Topic<?, V> topic, V valid, String path, Object value) {
        TestJson json = TestJson.of(topic, valid);
        json = value == null ? json.without(path) : json.with(path, value);
        return Arguments.of(Named.of(name, topic.valueSerde()), Named.of("json", json));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidDocuments")
    void shouldRejectInvalidDocument(JsonSerde<?> serde, TestJson json) {
        assertThat(SchemaValidation.errors(serde.type(), json.json())).isNotEmpty();
        assertThat(accepts(serde, json.json())).as("the serde agrees").isFalse();
    }

    private static boolean accepts(JsonSerde<?> serde, String json) {
        try {
            serde.deserialize("test", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return true;
        } catch (org.apache.kafka.common.errors.SerializationException e) {
            return false;
        }
    }

    private static JsonNode schemaTree(Class<?> type) {
        return TestJson.parse(SchemaValidation.text(type)).tree();
    }

    /** Dotted paths of every property in the document, array elements by index, outside free-form parts. */
    private static List<String> propertyPaths(String prefix, JsonNode node) {
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String path = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            paths.add(path);
            if (FREE_FORM.contains(shape(path))) {
                continue;
            }
            JsonNode value = field.getValue();
            if (value.isObject()) {
                paths.addAll(propertyPaths(path, value));
            } else if (value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    if (value.get(i).isObject()) {
                        paths.addAll(propertyPaths(path + "." + i, value.get(i)));
                    }
                }
            }
        }
        return paths;
    }

    /** {@code evidences.0.data} becomes {@code evidences[].data}. */
    private static String shape(String path) {
        return path.replaceAll("\\.\\d+(?=\\.|$)", "[]");
    }

    private static void collectUndeclared(String path, JsonNode value, JsonNode schema, JsonNode root,
                                          List<String> undeclared) {
        JsonNode resolved = resolve(schema, root);
        if (value.isObject()) {
            if (FREE_FORM.contains(path)) {
                return;
            }
            JsonNode properties = resolved.path("properties");
            for (Map.Entry<String, JsonNode> field : value.properties()) {
                String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                JsonNode property = properties.get(field.getKey());
                if (property == null) {
                    undeclared.add(fieldPath);
                } else {
                    collectUndeclared(fieldPath, field.getValue(), property, root, undeclared);
                }
            }
        } else if (value.isArray()) {
            for (JsonNode element : value) {
                collectUndeclared(path + "[]", element, resolved.path("items"), root, undeclared);
            }
        }
    }

    private static JsonNode resolve(JsonNode schema, JsonNode root) {
        JsonNode node = schema;
        while (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            assertThat(ref).as("only local references").startsWith("#/");
            node = root.at(ref.substring(1));
        }
        return node;
    }

    /** Walks every {@code properties} map of the schema, its {@code $defs} included. */
    private static void collectUndescribed(String path, JsonNode schema, List<String> undescribed) {
        if (schema.isObject()) {
            JsonNode properties = schema.get("properties");
            boolean conditional = path.endsWith("/if") || path.endsWith("/then");
            if (properties != null && !conditional) {
                for (Map.Entry<String, JsonNode> property : properties.properties()) {
                    if (property.getValue().path("description").asText().isBlank()) {
                        undescribed.add(path + "/properties/" + property.getKey());
                    }
                }
            }
            for (Map.Entry<String, JsonNode> child : schema.properties()) {
                collectUndescribed(path + "/" + child.getKey(), child.getValue(), undescribed);
            }
        } else if (schema.isArray()) {
            for (int i = 0; i < schema.size(); i++) {
                collectUndescribed(path + "/" + i, schema.get(i), undescribed);
            }
        }
    }
}
