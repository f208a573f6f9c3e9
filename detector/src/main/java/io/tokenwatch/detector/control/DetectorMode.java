package io.tokenwatch.detector.control;

import java.util.Locale;

/**
 * Whether the detector contains what it finds, or only says what it would have contained.
 *
 * <p>{@link #AUDIT} is what {@code tokenwatch detector} runs in unless told otherwise. A detector that
 * revokes on a false positive logs a real user out; one that alerts on a true positive still gets a
 * person to act within minutes. A team switching tokenwatch on for the first time has no baseline of
 * its own traffic yet, and the rules' false-alarm rate on its VPNs, NATs and service accounts is
 * unknown until it has watched them. So the safe first state is the one identity products ship as
 * "report-only" / "audit" (Microsoft Entra Conditional Access report-only, AWS WAF count mode, Okta's
 * and Kubernetes admission controllers' audit vs enforce): every finding alerts, each alert says what
 * enforce mode would have revoked or throttled ({@code unmapped.response.would_issue}), the metrics
 * count it, and nothing reaches {@code tokenwatch.revocations}. Enforcement is then a deliberate
 * decision ({@code --mode enforce}) taken after reading those would-have-issued figures.
 *
 * <p>The Java API ({@link Controls#enforcing()}, the default of
 * {@code DetectorConfig.defaults}) keeps enforcing, so embedded uses (the demo, tests, benchmarks)
 * behave as before; the operator's entry point, the command, is where the safe default matters.
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
