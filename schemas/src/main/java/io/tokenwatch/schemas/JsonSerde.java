package io.tokenwatch.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 * Unknown fields are ignored so a newer producer does not break an older consumer.
 *
 * <p>Thread-safe: the mapper is immutable after construction.
 *
 * @param <T> the record type
 */
public final class JsonSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    /** The mapper every tokenwatch JSON contract is written with. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
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
        try {
            T value = MAPPER.readValue(data, type);
            if (value == null) {
                throw new SerializationException(where(topic) + "not a valid " + type.getSimpleName()
                        + ": JSON null is not a value (a tombstone has no bytes)");
            }
            return value;
        } catch (IOException e) {
            throw new SerializationException(where(topic) + "not a valid " + type.getSimpleName() + ": "
                    + problem(e), e);
        }
    }

    private static String problem(Throwable e) {
        // Jackson wraps record-constructor checks; the innermost message is the one that explains.
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        if (cause instanceof JsonProcessingException jpe) {
            return jpe.getOriginalMessage();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
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
