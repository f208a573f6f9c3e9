package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one profile rule found about one request, before the response policy decides what to do with
 * it. In memory only. Immutable.
 *
 * @param rule      the rule's name (the OCSF analytic and finding type)
 * @param version   the rule's version
 * @param severity  how bad, which selects the response ({@link ResponsePolicy})
 * @param title     one-line title of the finding
 * @param desc      what the rule means, in words
 * @param summary   what was observed, for the alert message
 * @param figures   observed value, baseline and threshold
 * @param evidences facts besides the triggering request (e.g. the previous located request)
 * @param attacks   MITRE ATT&amp;CK mapping
 * @param details   rule-specific facts for {@code unmapped.details}
 * @param signals   the evidence it rests on, by family and strength, which decides whether it is
 *                  published and whether it may contain ({@link Corroboration})
 */
record ProfileFinding(String rule, String version, Alert.Severity severity, String title, String desc,
                      String summary, Figures figures, List<Alert.Evidence> evidences, List<Alert.Attack> attacks,
                      Map<String, Object> details, List<Signal> signals) {

    /** Use of a genuine token by someone else. */
    static final Alert.Attack TOKEN_USE = new Alert.Attack("15.1",
            new Alert.Technique("T1550.001", "Application Access Token"),
            new Alert.Tactic("TA0005", "Defense Evasion"));

    ProfileFinding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(figures, "figures");
        evidences = List.copyOf(evidences);
        attacks = List.copyOf(attacks);
        details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
        signals = List.copyOf(signals);
        if (signals.isEmpty()) {
            throw new IllegalArgumentException("a finding rests on at least one signal");
        }
    }
}
