package io.tokenwatch.detector.control;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The operator actions that would silence one finding, as {@code unmapped.silence} of its alert, so
 * whoever reads a false alarm can make it the last one without looking anything up:
 *
 * <ul>
 *   <li>{@code suppress}: the {@code tokenwatch suppress} command for this rule and subject, a week
 *       long (only for findings about a verified subject, never for rules fed by unverified tokens);</li>
 *   <li>{@code allow_network}: the {@code --allow-network} options for the networks the alert cites
 *       (their /24 or /48, and AS numbers where cited), for network-dependent rules, and for the
 *       forged-token rule, where it turns blocks of that network into throttles;</li>
 *   <li>{@code allow_subject}: the {@code --allow-subject} option for a service account, for
 *       behaviour rules;</li>
 *   <li>{@code response}: the {@code --response} option that observes the rule for everyone.</li>
 * </ul>
 *
 * Values are shell-quoted with single quotes. Stateless and thread-safe.
 */
final class Silence {

    /** How long the suggested suppression lasts; long enough for a trip, short enough to come back. */
    static final String SUGGESTED_TTL = "7d";

    private Silence() {
    }

    static Map<String, Object> forFinding(ControlGate.Finding finding) {
        Map<String, Object> silence = new LinkedHashMap<>();
        String rule = finding.rule();
        if (finding.iss() != null) {
            silence.put("suppress", "tokenwatch suppress --rule " + quote(rule) + " --iss " + quote(finding.iss())
                    + " --sub " + quote(finding.sub()) + " --ttl " + SUGGESTED_TTL + " --reason "
                    + quote("false positive: " + rule));
        }
        if (RuleSets.NETWORK_DEPENDENT.containsKey(rule) || finding.isForgery()) {
            Set<String> options = new LinkedHashSet<>();
            for (String network : finding.citedNetworks()) {
                options.add("--allow-network " + network);
            }
            for (ControlGate.Finding.Cited cited : finding.cited()) {
                if (cited.asn() != null) {
                    options.add("--allow-network AS" + cited.asn());
                }
            }
            if (!options.isEmpty()) {
                silence.put("allow_network", String.join(" ", new ArrayList<>(options)));
            }
        }
        if (finding.iss() != null && RuleSets.BEHAVIOUR.contains(rule)) {
            silence.put("allow_subject", "--allow-subject " + quote(finding.iss() + "|" + finding.sub() + "=" + rule));
        }
        silence.put("response", "--response " + rule + "=observe");
        return silence;
    }

    /** POSIX shell single quotes: nothing inside is special except the quote itself. */
    static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
