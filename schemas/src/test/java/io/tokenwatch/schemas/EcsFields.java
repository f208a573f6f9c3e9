package io.tokenwatch.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ECS 9.4.0 field list from {@code ../shared/specs/ecs-9.4.0/fields.csv}, and the check every ECS
 * document we publish must pass: each field outside our own {@code tokenwatch.*} namespace is an ECS
 * field, with a value of a type that fits its ECS type. Shared by the detector's projection test and
 * the SIEM configuration test, so both hold the documents to the same rules.
 *
 * <p>Immutable after loading; thread-safe.
 */
public final class EcsFields {

    private final Map<String, String> types;

    private EcsFields(Map<String, String> types) {
        this.types = Map.copyOf(types);
    }

    /** Reads the field list; fails if it is missing or does not look like ECS. */
    public static EcsFields load() {
        Path csv = SharedSpecs.resolve("ecs-9.4.0/fields.csv");
        Map<String, String> types = new HashMap<>();
        try {
            List<String> lines = Files.readAllLines(csv);
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split(",", 6);
                types.put(cells[3], cells[4]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv, e);
        }
        assertThat(types).containsEntry("event.kind", "keyword").containsEntry("source.ip", "ip");
        return new EcsFields(types);
    }

    /** The ECS type of {@code field}, or null when ECS has no such field. */
    public String typeOf(String field) {
        return types.get(field);
    }

    /** Dotted field paths to leaf values; a {@code geo_point} stays an object, as ECS types it. */
    public Map<String, Object> flatten(Map<String, Object> doc) {
        Map<String, Object> out = new LinkedHashMap<>();
        flatten("", doc, out);
        return out;
    }

    /** Asserts every field of {@code doc} outside {@code tokenwatch.*} is ECS and fits its type. */
    public void assertConforms(Map<String, Object> doc) {
        flatten(doc).forEach((field, value) -> {
            if (!field.startsWith("tokenwatch.")) {
                assertThat(types).as("ECS 9.4.0 field %s", field).containsKey(field);
                assertFits(field, types.get(field), value);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private void flatten(String prefix, Map<String, Object> map, Map<String, Object> out) {
        map.forEach((key, value) -> {
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            if (value instanceof Map<?, ?> nested && !"geo_point".equals(types.get(path))) {
                flatten(path, (Map<String, Object>) nested, out);
            } else {
                out.put(path, value);
            }
        });
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
            case "geo_point" -> assertThat(new TreeSet<Object>(((Map<?, ?>) value).keySet())).as(field)
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
}
