package io.tokenwatch.detector.control;

import java.util.Locale;

/**
 * Whether the detector contains what it finds, or only says what it would have contained.
 *
 * <p>{@link #ENFORCE} is the default, for the command as for the Java API: tokenwatch exists to stop a
 * stolen token within a second, and a detector that only reports leaves the attacker working until
 * a person reads the alert. Precision is the rules' job, not the mode's: containment needs two
 * independent signals, a lone weak signal never revokes, and per-rule responses, allow-lists and
 * suppressions let a team say what is normal. {@link #AUDIT} is the rollout step identity products
 * call report-only (Entra Conditional Access report-only, AWS WAF count mode, admission
 * controllers' audit vs enforce): a team that wants to watch its own VPNs, NATs and service
 * accounts first runs {@code --mode audit}, where every finding alerts, each alert says what enforce
 * mode would have revoked or throttled ({@code unmapped.response.would_issue}), the metrics count
 * it, and nothing reaches {@code tokenwatch.revocations}; then it switches to enforce.
 */
public enum DetectorMode {
    /** Alert on everything, contain nothing; say in each alert what would have been contained. */
    AUDIT,
    /** Alert and publish the containment the rules and the response policy decide. */
    ENFORCE;

    /** Lower-case name, as written on the command line, in alerts and in metrics. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code audit} or {@code enforce} (any case); the error names the value. */
    public static DetectorMode parse(String text) {
        for (DetectorMode mode : values()) {
            if (mode.wire().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + text + "' (use audit or enforce)");
    }
}
