package io.tokenwatch.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The wire form of a fixture as a mutable JSON tree, for tests that need bytes a serde would never
 * write: start from what the serde writes, change one thing. Paths are dot-separated; array
 * elements are addressed by index ({@code evidences.0.name}).
 */
final class TestJson {

    private final ObjectNode root;

    private TestJson(ObjectNode root) {
        this.root = root;
    }

    /** What the value serde of {@code topic} writes for {@code value}. */
    static <V> TestJson of(Topic<?, V> topic, V value) {
        return parse(new String(topic.valueSerde().serializer().serialize(topic.name(), value), StandardCharsets.UTF_8));
    }

    static TestJson parse(String json) {
        try {
            return new TestJson((ObjectNode) JsonSerde.MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    TestJson copy() {
        return new TestJson(root.deepCopy());
    }

    ObjectNode tree() {
        return root;
    }

    TestJson without(String path) {
        JsonNode parent = parentOf(path);
        String last = lastOf(path);
        if (parent instanceof ObjectNode object) {
            object.remove(last);
        } else {
            ((ArrayNode) parent).remove(Integer.parseInt(last));
        }
        return this;
    }

    TestJson with(String path, Object value) {
        JsonNode node = JsonSerde.MAPPER.valueToTree(value);
        JsonNode parent = parentOf(path);
        String last = lastOf(path);
        if (parent instanceof ObjectNode object) {
            object.set(last, node);
        } else {
            ((ArrayNode) parent).set(Integer.parseInt(last), node);
        }
        return this;
    }

    String json() {
        try {
            return JsonSerde.MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] bytes() {
        return json().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return json();
    }

    private JsonNode parentOf(String path) {
        JsonNode node = root;
        String[] steps = path.split("\\.");
        for (int i = 0; i < steps.length - 1; i++) {
            node = node.isArray() ? node.get(Integer.parseInt(steps[i])) : node.get(steps[i]);
            if (node == null) {
                throw new IllegalArgumentException("no " + path + " in " + root);
            }
        }
        return node;
    }

    private static String lastOf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
