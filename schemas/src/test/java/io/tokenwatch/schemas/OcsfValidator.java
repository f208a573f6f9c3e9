package io.tokenwatch.schemas;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks an event against one class of the compiled OCSF schema ({@code schema-1.5.0.json}), since
 * OCSF publishes no JSON Schema: required attributes present, attribute names known for their class
 * or object (recursively, arrays element by element), values of the declared type, enum values in
 * range, enum captions ({@code severity} for {@code severity_id}) matching, {@code at_least_one} and
 * {@code just_one} constraints met, and {@code type_uid = class_uid * 100 + activity_id}.
 *
 * <p>Attributes that only a profile requires ({@code cloud}, {@code osint}) are not demanded: the
 * compiled schema marks them with {@code profile}. {@code unmapped} and other attributes of OCSF type
 * {@code object} or {@code json_t} are free-form.
 *
 * <p>Returns every problem found, not just the first, as text naming the attribute path. Immutable
 * after construction; thread-safe.
 */
public final class OcsfValidator {

    private static final String COMPILED_SCHEMA = "ocsf-1.5.0-compiled/schema-1.5.0.json";
    private static final String OTHER = "99";

    private static volatile OcsfValidator shared;

    private final JsonNode schema;

    private OcsfValidator(JsonNode schema) {
        this.schema = schema;
    }

    /** The validator for the OCSF version our alerts claim; loaded once (the file is 4 MB). */
    public static OcsfValidator ocsf150() {
        OcsfValidator v = shared;
        if (v == null) {
            synchronized (OcsfValidator.class) {
                v = shared;
                if (v == null) {
                    v = load(SharedSpecs.resolve(COMPILED_SCHEMA));
                    shared = v;
                }
            }
        }
        return v;
    }

    static OcsfValidator load(Path compiledSchema) {
        try {
            return new OcsfValidator(JsonSerde.MAPPER.readTree(compiledSchema.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + compiledSchema, e);
        }
    }

    /** The OCSF version of the compiled schema, e.g. {@code 1.5.0}. */
    String version() {
        return schema.path("version").asText();
    }

    /** Every way {@code event} fails to be an instance of class {@code className}; empty when it conforms. */
    public List<String> validate(String className, JsonNode event) {
        JsonNode eventClass = schema.path("classes").path(className);
        if (eventClass.isMissingNode()) {
            throw new IllegalArgumentException("no OCSF class " + className);
        }
        List<String> problems = new ArrayList<>();
        checkObject("", eventClass, event, problems);
        if (event.isObject()) {
            checkClassIdentity(eventClass, event, problems);
        }
        return problems;
    }

    private void checkClassIdentity(JsonNode eventClass, JsonNode event, List<String> problems) {
        JsonNode classUid = event.get("class_uid");
        JsonNode activityId = event.get("activity_id");
        JsonNode typeUid = event.get("type_uid");
        if (classUid != null && classUid.canConvertToLong() && classUid.asLong() != eventClass.path("uid").asLong()) {
            problems.add("class_uid: " + classUid + " is not " + eventClass.path("name").asText()
                    + " (" + eventClass.path("uid").asLong() + ")");
        }
        if (classUid != null && activityId != null && typeUid != null && classUid.canConvertToLong()
                && activityId.canConvertToLong() && typeUid.canConvertToLong()
                && typeUid.asLong() != classUid.asLong() * 100 + activityId.asLong()) {
            problems.add("type_uid: " + typeUid + " is not class_uid * 100 + activity_id");
        }
    }

    /** {@code definition} is a class or an object of the compiled schema: it has attributes and constraints. */
    private void checkObject(String path, JsonNode definition, JsonNode value, List<String> problems) {
        if (!value.isObject()) {
            problems.add(where(path) + "expected an object (" + definition.path("name").asText() + "), was "
                    + value.getNodeType());
            return;
        }
        JsonNode attributes = definition.path("attributes");
        for (Map.Entry<String, JsonNode> attribute : attributes.properties()) {
            JsonNode spec = attribute.getValue();
            boolean required = "required".equals(spec.path("requirement").asText());
            boolean onlyForProfile = spec.hasNonNull("profile");
            if (!required || onlyForProfile) {
                continue;
            }
            JsonNode present = value.get(attribute.getKey());
            if (present == null || present.isNull()) {
                problems.add(path(path, attribute.getKey()) + ": required attribute missing");
            } else if (present.isArray() && present.isEmpty()) {
                problems.add(path(path, attribute.getKey()) + ": required attribute is an empty array");
            }
        }
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            String fieldPath = path(path, field.getKey());
            JsonNode spec = attributes.get(field.getKey());
            if (spec == null) {
                problems.add(fieldPath + ": unknown attribute of " + definition.path("name").asText());
                continue;
            }
            checkAttribute(fieldPath, spec, field.getValue(), problems);
            checkSibling(fieldPath, spec, field.getValue(), value, problems);
        }
        checkConstraints(path, definition.path("constraints"), value, problems);
    }

    private void checkAttribute(String path, JsonNode spec, JsonNode value, List<String> problems) {
        if (value.isNull()) {
            problems.add(path + ": null (omit the attribute instead)");
            return;
        }
        if (spec.path("is_array").asBoolean()) {
            if (!value.isArray()) {
                problems.add(path + ": expected an array, was " + value.getNodeType());
                return;
            }
            for (int i = 0; i < value.size(); i++) {
                checkValue(path + "[" + i + "]", spec, value.get(i), problems);
            }
        } else {
            checkValue(path, spec, value, problems);
        }
    }

    private void checkValue(String path, JsonNode spec, JsonNode value, List<String> problems) {
        String type = spec.path("type").asText();
        if ("object".equals(type)) {
            // OCSF's "object" (unmapped): any JSON object, names and values free.
            if (!value.isObject()) {
                problems.add(path + ": expected an object, was " + value.getNodeType());
            }
            return;
        }
        JsonNode object = schema.path("objects").path(type);
        if (!object.isMissingNode()) {
            checkObject(path, object, value, problems);
            return;
        }
        checkScalar(path, type, value, problems);
        JsonNode enumeration = spec.get("enum");
        if (enumeration != null && !enumeration.isNull() && value.isValueNode() && !enumeration.has(value.asText())) {
            problems.add(path + ": " + value + " is not one of " + keys(enumeration));
        }
    }

    private void checkScalar(String path, String type, JsonNode value, List<String> problems) {
        JsonNode derived = schema.path("types").path(type);
        if (derived.isMissingNode()) {
            problems.add(path + ": unknown OCSF type " + type);
            return;
        }
        String base = derived.hasNonNull("type") ? derived.get("type").asText() : type;
        boolean ok = switch (base) {
            case "integer_t" -> value.isIntegralNumber() && value.canConvertToInt();
            case "long_t" -> value.isIntegralNumber() && value.canConvertToLong();
            case "float_t" -> value.isNumber();
            case "string_t" -> value.isTextual();
            case "boolean_t" -> value.isBoolean();
            case "json_t" -> true;
            default -> {
                problems.add(path + ": no check for OCSF base type " + base);
                yield true;
            }
        };
        if (!ok) {
            problems.add(path + ": expected " + type + (base.equals(type) ? "" : " (" + base + ")") + ", was "
                    + value.getNodeType());
            return;
        }
        if (value.isTextual()) {
            String text = value.asText();
            if (derived.hasNonNull("max_len") && text.length() > derived.get("max_len").asInt()) {
                problems.add(path + ": longer than " + derived.get("max_len").asInt() + " characters (" + type + ")");
            }
            if (derived.hasNonNull("regex") && !Pattern.compile(derived.get("regex").asText()).matcher(text).matches()) {
                problems.add(path + ": not a valid " + type);
            }
        }
        JsonNode range = derived.get("range");
        if (range != null && range.isArray() && range.size() == 2 && value.isNumber()
                && (value.asDouble() < range.get(0).asDouble() || value.asDouble() > range.get(1).asDouble())) {
            problems.add(path + ": " + value + " outside " + range + " (" + type + ")");
        }
    }

    /** {@code severity} must be the caption of {@code severity_id}, unless the id is 99 (Other). */
    private void checkSibling(String path, JsonNode spec, JsonNode value, JsonNode owner, List<String> problems) {
        JsonNode enumeration = spec.get("enum");
        if (!spec.hasNonNull("sibling") || enumeration == null || enumeration.isNull() || !value.isIntegralNumber()
                || OTHER.equals(value.asText())) {
            return;
        }
        String siblingName = spec.get("sibling").asText();
        JsonNode sibling = owner.get(siblingName);
        JsonNode member = enumeration.get(value.asText());
        if (sibling != null && member != null && !sibling.asText().equals(member.path("caption").asText())) {
            problems.add(path.substring(0, path.length() - lastName(path).length()) + siblingName + ": \""
                    + sibling.asText() + "\" is not the caption of " + lastName(path) + " " + value + " (\""
                    + member.path("caption").asText() + "\")");
        }
    }

    private void checkConstraints(String path, JsonNode constraints, JsonNode value, List<String> problems) {
        if (constraints == null || !constraints.isObject()) {
            return;
        }
        JsonNode atLeastOne = constraints.get("at_least_one");
        if (atLeastOne != null && present(atLeastOne, value) == 0) {
            problems.add(where(path) + "needs at least one of " + atLeastOne);
        }
        JsonNode justOne = constraints.get("just_one");
        if (justOne != null && present(justOne, value) != 1) {
            problems.add(where(path) + "needs exactly one of " + justOne);
        }
    }

    private static int present(JsonNode names, JsonNode value) {
        int count = 0;
        for (JsonNode name : names) {
            if (value.hasNonNull(name.asText())) {
                count++;
            }
        }
        return count;
    }

    private static List<String> keys(JsonNode object) {
        List<String> keys = new ArrayList<>();
        object.properties().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    private static String path(String parent, String name) {
        return parent.isEmpty() ? name : parent + "." + name;
    }

    private static String where(String path) {
        return path.isEmpty() ? "" : path + ": ";
    }

    private static String lastName(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
