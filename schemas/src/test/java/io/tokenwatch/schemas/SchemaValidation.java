package io.tokenwatch.schemas;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JSON text against our schema files with networknt json-schema-validator (draft 2020-12,
 * {@code format} asserted rather than only annotated, as a strict consumer would). Schemas are read
 * from the classpath through {@link JsonSchemas}, the way a consumer would find them. Thread-safe.
 */
public final class SchemaValidation {

    static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                    .formatAssertionsEnabled(true)
                    .build()));

    private static final Map<Class<?>, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private SchemaValidation() {
    }

    /** Every validation error of {@code json} against the schema of {@code type}; empty when valid. */
    public static List<String> errors(Class<?> type, String json) {
        Schema schema = SCHEMAS.computeIfAbsent(type, SchemaValidation::load);
        return messages(schema.validate(json, InputFormat.JSON));
    }

    /** Every error of the schema file of {@code type} against the draft 2020-12 meta-schema. */
    static List<String> metaSchemaErrors(Class<?> type) {
        Schema meta = REGISTRY.getSchema(SchemaLocation.of(DRAFT_2020_12));
        return messages(meta.validate(text(type), InputFormat.JSON));
    }

    /** The schema file of {@code type}, as text. */
    static String text(Class<?> type) {
        try (InputStream in = JsonSchemas.open(type)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Schema load(Class<?> type) {
        try (InputStream in = JsonSchemas.open(type)) {
            return REGISTRY.getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> messages(List<com.networknt.schema.Error> errors) {
        return errors.stream().map(com.networknt.schema.Error::toString).toList();
    }
}
