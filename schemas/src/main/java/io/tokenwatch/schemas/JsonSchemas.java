package io.tokenwatch.schemas;

import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * Where the JSON Schema (draft 2020-12) of each topic value lives on the classpath (DESIGN.md §3).
 *
 * <p>The files ship in this jar, next to the records they describe, so a consumer in any language
 * can take them from the jar or the source tree; the tests validate what {@link JsonSerde} writes
 * against them. This class only locates the files: it depends on no validator, so main code does not
 * pull one in.
 *
 * <p>Stateless and thread-safe.
 */
public final class JsonSchemas {

    /** Classpath resource (for {@link ClassLoader#getResource}) of the {@link TokenUsageEvent} schema. */
    public static final String TOKEN_USAGE_EVENT = "io/tokenwatch/schemas/token-usage-event.schema.json";

    /** Classpath resource of the {@link Revocation} schema. */
    public static final String REVOCATION = "io/tokenwatch/schemas/revocation.schema.json";

    /** Classpath resource of the {@link Alert} schema: the subset of OCSF Detection Finding we emit. */
    public static final String ALERT = "io/tokenwatch/schemas/alert.schema.json";

    /** Classpath resource of the {@link Suppression} schema. */
    public static final String SUPPRESSION = "io/tokenwatch/schemas/suppression.schema.json";

    private static final Map<Class<?>, String> BY_TYPE = Map.of(
            TokenUsageEvent.class, TOKEN_USAGE_EVENT,
            Revocation.class, REVOCATION,
            Alert.class, ALERT,
            Suppression.class, SUPPRESSION);

    private JsonSchemas() {
    }

    /** The schema resource of a topic value type, if it has one. */
    public static Optional<String> resourceOf(Class<?> recordType) {
        return Optional.ofNullable(BY_TYPE.get(recordType));
    }

    /**
     * Opens the schema of a topic value type. The caller closes the stream.
     *
     * @throws IllegalArgumentException when the type has no schema
     * @throws IllegalStateException    when the resource is missing from the classpath (a broken build)
     */
    public static InputStream open(Class<?> recordType) {
        String resource = resourceOf(recordType).orElseThrow(() -> new IllegalArgumentException(
                "no JSON Schema for " + recordType.getName()));
        InputStream in = JsonSchemas.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("JSON Schema resource missing from classpath: " + resource);
        }
        return in;
    }
}
