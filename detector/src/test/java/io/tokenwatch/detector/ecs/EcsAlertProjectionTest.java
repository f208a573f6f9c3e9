package io.tokenwatch.detector.ecs;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tokenwatch.detector.rules.DetectorDriver;
import io.tokenwatch.detector.rules.UsageEvents;
import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The ECS projection: every field outside {@code tokenwatch.*} is an ECS 9.4.0 field of a fitting type. */
class EcsAlertProjectionTest {

    private static final String TOPIC = "tokenwatch.alerts.ecs";
    /** ECS field name → type, from shared/specs/ecs-9.4.0/fields.csv. */
    private static final Map<String, String> ECS = new HashMap<>();

    @TempDir
    Path stateDir;

    @BeforeAll
    static void loadEcsFields() throws IOException {
        Path csv = shared().resolve("specs/ecs-9.4.0/fields.csv");
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            String[] cells = line.split(",", 6);
            ECS.put(cells[3], cells[4]);
        }
        assertThat(ECS).containsEntry("event.kind", "keyword").containsEntry("source.ip", "ip");
    }

    @Test
    void shouldProjectEveryAlertIntoEcsFieldsOnTheEcsTopicWhenConfigured() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (DetectorDriver driver = DetectorDriver.start(stateDir, c -> c.withEcsTopic(TOPIC))) {
            List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");
            for (int i = 0; i < ips.size(); i++) {
                driver.send(UsageEvents.accepted().jti("replayed").from(ips.get(i))
                        .located("DE", 52.5, 13.4, 64_500L).at(T0 + i * 1_000L).build());
            }
            // Located in Berlin, then Sydney a minute later: impossible travel, a profile rule.
            driver.send(UsageEvents.accepted().subject("bob").jti("b1").from("198.51.100.20")
                    .located("DE", 52.5, 13.4, null).at(T0).build());
            driver.send(UsageEvents.accepted().subject("bob").jti("b1").from("203.0.113.20")
                    .located("AU", -33.9, 151.2, null).at(T0 + 60_000).build());
            assertThat(driver.alerts()).hasSizeGreaterThanOrEqualTo(2);
            for (KeyValue<String, byte[]> record : driver.read(TOPIC)) {
                docs.add(JsonSerde.MAPPER.readValue(record.value, new TypeReference<Map<String, Object>>() { }));
            }
        }

        assertThat(docs).hasSizeGreaterThanOrEqualTo(2);
        Map<String, Object> replay = docs.stream().filter(d -> flatten(d).get("rule.name").equals("token_replay"))
                .findFirst().orElseThrow();
        Map<String, Object> flat = flatten(replay);
        assertThat(flat).containsEntry("event.kind", "alert")
                .containsEntry("event.category", List.of("authentication"))
                .containsEntry("event.type", List.of("info"))
                .containsEntry("event.severity", 4)
                .containsEntry("rule.id", "token_replay")
                .containsEntry("user.name", "alice")
                .containsEntry("user.id", "https://issuer.example|alice")
                // The replaying use, the latest, is the source.
                .containsEntry("source.ip", "192.0.2.44")
                .containsEntry("source.geo.country_iso_code", "DE")
                .containsKeys("@timestamp", "message", "tokenwatch.finding_uid", "tokenwatch.unmapped.token.jti");
        assertThat(flat.get("@timestamp")).isEqualTo(Instant.ofEpochMilli(T0 + 2_000).toString());
        assertThat(docs).anySatisfy(d -> assertThat(flatten(d).get("rule.name")).isEqualTo("impossible_travel"));

        for (Map<String, Object> doc : docs) {
            flatten(doc).forEach((field, value) -> {
                if (field.startsWith("tokenwatch.")) {
                    return;
                }
                assertThat(ECS).as("ECS field %s", field).containsKey(field);
                assertFits(field, ECS.get(field), value);
            });
        }
    }

    @Test
    void shouldPublishNoEcsProjectionByDefault() {
        try (DetectorDriver driver = DetectorDriver.start(stateDir)) {
            for (String ip : List.of("198.51.100.7", "203.0.113.9", "192.0.2.44")) {
                driver.send(UsageEvents.accepted().jti("replayed").from(ip).build());
            }
            assertThat(driver.alerts()).hasSize(1);
            assertThat(driver.read(TOPIC)).isEmpty();
        }
    }

    private static void assertFits(String field, String type, Object value) {
        if (value instanceof List<?> list) {
            list.forEach(element -> assertFits(field, type, element));
            return;
        }
        switch (type) {
            case "keyword", "match_only_text", "wildcard", "constant_keyword", "text" ->
                    assertThat(value).as(field).isInstanceOf(String.class);
            case "long", "integer", "short", "byte" -> assertThat(value).as(field).isInstanceOfAny(Integer.class,
                    Long.class);
            case "float", "double", "scaled_float" -> assertThat(value).as(field).isInstanceOf(Number.class);
            case "date" -> assertThat(Instant.parse((String) value)).as(field).isNotNull();
            case "ip" -> assertThat(isIpLiteral((String) value)).as(field).isTrue();
            case "geo_point" -> assertThat(new java.util.TreeSet<Object>(((Map<?, ?>) value).keySet())).as(field)
                    .containsExactly("lat", "lon");
            default -> throw new AssertionError("unexpected ECS type " + type + " of " + field);
        }
    }

    private static boolean isIpLiteral(String value) {
        try {
            // Literal only: digits, dots and colons never trigger a name lookup.
            return value.matches("[0-9a-fA-F:.]+") && InetAddress.getByName(value) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Dotted field paths to leaf values; a geo_point stays an object, as ECS types it. */
    static Map<String, Object> flatten(Map<String, Object> doc) {
        Map<String, Object> out = new LinkedHashMap<>();
        flatten("", doc, out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> map, Map<String, Object> out) {
        map.forEach((key, value) -> {
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            if (value instanceof Map<?, ?> nested && !"geo_point".equals(ECS.get(path))) {
                flatten(path, (Map<String, Object>) nested, out);
            } else {
                out.put(path, value);
            }
        });
    }

    private static Path shared() {
        String root = System.getProperty("tokenwatch.root");
        for (Path dir = root == null ? Path.of("").toAbsolutePath() : Path.of(root).toAbsolutePath(); dir != null;
             dir = dir.getParent()) {
            for (Path candidate : new Path[] {dir.resolve("../shared"), dir.resolve("shared")}) {
                if (Files.isDirectory(candidate.resolve("specs/ecs-9.4.0"))) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("shared/specs/ecs-9.4.0 not found");
    }
}
