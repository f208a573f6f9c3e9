package io.tokenwatch.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.IOException;
import java.util.Objects;

/**
 * JSON serde for one record type, with snake_case field names (the wire form the JSON Schema files
 * describe). {@code null} maps to {@code null} both ways, so a tombstone stays a tombstone.
 *
 * <p>Bytes that are not a valid value raise {@link SerializationException} naming the topic, the
 * type and the problem; the bytes themselves are never echoed, since a poison pill may carry secrets.
 * Unknown fields are ignored so a newer producer does not break an older consumer; known fields are
 * typed as strictly as the JSON Schema files say (no string for a number, no number for a boolean),
 * and a missing primitive field is an error rather than a silent zero.
 *
 * <p>Thread-safe: the mapper is immutable after construction.
 *
 * @param <T> the record type
 */
public final class JsonSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    /** The mapper every tokenwatch JSON contract is written with. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // A missing or null primitive is an error, so every primitive component is required on the
            // wire. Reference components may be absent (NON_NULL never writes them); the records'
            // compact constructors decide which of those are required.
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Types are as strict as the JSON Schema files: no "200" for 200, no 1.5 for 1, no 1 for true.
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Float, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    public Class<T> type() {
        return type;
    }

    @Override
    public byte[] serialize(String topic, T value) {
        if (value == null) {
            return null;
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new SerializationException(where(topic) + "cannot write " + type.getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        T value;
        try {
            value = MAPPER.readValue(data, type);
        } catch (IOException | RuntimeException e) {
            // RuntimeException too: whatever the bytes, the caller sees one exception type.
            throw new SerializationException(where(topic) + "not a valid " + type.getSimpleName() + ": "
                    + problem(e), e);
        }
        if (value == null) {
            throw new SerializationException(where(topic) + "not a valid " + type.getSimpleName()
                    + ": JSON null is not a value (a tombstone has no bytes)");
        }
        return value;
    }

    /**
     * Describes what is wrong without quoting the input: Jackson's own messages echo the offending
     * token or value (up to 256 characters), which for a misrouted raw token is the secret itself.
     */
    private static String problem(Throwable e) {
        String path = e instanceof JsonMappingException mapping ? path(mapping) : "";
        String prefix = path.isEmpty() ? "" : path + ": ";
        // Databind wraps what the parser raised while reading a nested value.
        Throwable read = e instanceof StreamReadException ? e : e.getCause();
        if (read instanceof InputCoercionException coercion) {
            return prefix + "number out of range for " + simpleName(coercion.getTargetType()) + at(coercion.getLocation());
        }
        if (read instanceof StreamReadException malformed) {
            return "not well-formed JSON" + at(malformed.getLocation());
        }
        // Before MismatchedInputException, its parent.
        if (e instanceof InvalidFormatException invalid) {
            return prefix + "not a valid " + simpleName(invalid.getTargetType());
        }
        if (e instanceof MismatchedInputException mismatch) {
            // Its messages may quote the value ("Cannot coerce String value (...)"): say what was expected.
            String original = String.valueOf(mismatch.getOriginalMessage());
            if (original.startsWith("No content")) {
                return "empty input";
            }
            if (original.startsWith("Trailing token")) {
                return "data after the JSON value";
            }
            if (original.startsWith("Cannot map `null`")) {
                return prefix + "missing or null, expected " + simpleName(mismatch.getTargetType());
            }
            return prefix + "wrong type, expected " + simpleName(mismatch.getTargetType());
        }
        if (e instanceof ValueInstantiationException) {
            // A record's compact-constructor check; its own message explains, Jackson's wrapper does not.
            return prefix + checkMessage(innermost(e));
        }
        if (e instanceof JsonProcessingException jpe) {
            return prefix + jpe.getOriginalMessage();
        }
        return prefix + checkMessage(innermost(e));
    }

    private static Throwable innermost(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String checkMessage(Throwable cause) {
        String message = cause.getMessage();
        if (message == null) {
            return cause.getClass().getSimpleName();
        }
        // Objects.requireNonNull(x, "name") says only the name.
        if (cause instanceof NullPointerException && message.indexOf(' ') < 0) {
            return "missing required property '" + message + "'";
        }
        return message;
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String simpleName(Class<?> type) {
        return type == null ? "value" : type.getSimpleName();
    }

    private static String where(String topic) {
        return topic == null ? "" : "topic " + topic + ": ";
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: the wire form is fixed by the JSON Schema files.
    }

    @Override
    public void close() {
        // Stateless: nothing to release. Kafka calls close on serdes it owns.
    }
}
