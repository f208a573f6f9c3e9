package io.tokenwatch.detector.control;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The operator controls file ({@code tokenwatch detector --controls FILE}), YAML (so JSON too). Every
 * key is optional; each list holds the same strings as the command-line option of the same name, so
 * there is one syntax to learn:
 *
 * <pre>
 * mode: audit                       # or enforce; --mode on the command line wins
 * responses:                        # --response
 *   - impossible_travel=alert
 *   - rate_spike:low=observe
 * allow_networks:                   # --allow-network: CIDR, address or AS number
 *   - 10.20.0.0/16                  # office NAT
 *   - AS64500                       # the cloud our batch jobs run in
 * allow_subjects:                   # --allow-subject: iss|sub, or a prefix ending in *, [=RULES]
 *   - https://idp.example.com|svc-*=rate_spike,token_replay
 * allow_issuers:                    # --allow-issuer: issuer[=RULES]
 *   - https://ci.example.com
 * </pre>
 *
 * An unknown key is an error (a misspelt {@code allow_network} would otherwise silently allow-list
 * nothing). Jackson's YAML module reads it, as the rest of the project reads JSON with Jackson.
 * Stateless and thread-safe.
 */
public final class ControlsFile {

    private static final Set<String> KEYS = Set.of("mode", "responses", "allow_networks", "allow_subjects",
            "allow_issuers");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /**
     * What the file says.
     *
     * @param mode      the mode, or null when the file does not say
     * @param responses {@code RULE[:SEVERITY]=ACTIONS} entries
     * @param networks  allow-listed networks
     * @param subjects  allow-listed service accounts
     * @param issuers   allow-listed issuers
     */
    public record Content(DetectorMode mode, List<String> responses, List<String> networks, List<String> subjects,
                          List<String> issuers) {
        public Content {
            responses = List.copyOf(responses);
            networks = List.copyOf(networks);
            subjects = List.copyOf(subjects);
            issuers = List.copyOf(issuers);
        }

        public static Content empty() {
            return new Content(null, List.of(), List.of(), List.of(), List.of());
        }
    }

    private ControlsFile() {
    }

    /** Reads {@code file}; the error names the file and what is wrong in it. */
    public static Content read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read controls file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Content.empty();
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("controls file " + file + ": expected a mapping of "
                    + String.join(", ", KEYS.stream().sorted().toList()));
        }
        List<String> unknown = new ArrayList<>();
        root.fieldNames().forEachRemaining(name -> {
            if (!KEYS.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("controls file " + file + ": unknown key(s) " + unknown + " (known: "
                    + String.join(", ", KEYS.stream().sorted().toList()) + ")");
        }
        JsonNode mode = root.get("mode");
        if (mode != null && !mode.isTextual()) {
            throw new IllegalArgumentException("controls file " + file + ": mode must be audit or enforce");
        }
        try {
            return new Content(mode == null ? null : DetectorMode.parse(mode.asText()),
                    strings(root, "responses", file), strings(root, "allow_networks", file),
                    strings(root, "allow_subjects", file), strings(root, "allow_issuers", file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("controls file") ? e.getMessage()
                    : "controls file " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> strings(JsonNode root, String key, Path file) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("controls file " + file + ": " + key + " must be a list");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : node) {
            // Numbers too: an AS number or a bare address is easily written unquoted.
            if (!item.isValueNode() || item.isNull()) {
                throw new IllegalArgumentException("controls file " + file + ": every entry of " + key
                        + " must be a string");
            }
            out.add(item.asText());
        }
        return out;
    }
}
