package io.tokenwatch.detector.control;

import io.tokenwatch.detector.rules.ResponseAction;
import io.tokenwatch.detector.rules.ResponsePolicy;
import io.tokenwatch.detector.rules.UserProfileRules;
import io.tokenwatch.schemas.Alert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Per-rule responses an operator sets on the command line or in the controls file, written
 * {@code RULE[:SEVERITY]=ACTIONS}: {@code impossible_travel=alert}, {@code rate_spike:low=observe},
 * {@code concurrent_use=alert,revoke_token}. Actions are the {@link ResponseAction} names in lower
 * case ({@code observe}, {@code alert}, {@code throttle_subject} or just {@code throttle},
 * {@code revoke_token}, {@code revoke_subject}, and whatever else that enum offers, e.g.
 * {@code step_up}); a later entry for the same rule and severity replaces an earlier one.
 *
 * <p>Two kinds of rule:
 * <ul>
 *   <li>rules whose containment the {@link ResponsePolicy} decides ({@link RuleSets#policyDriven()}):
 *       the entry goes into the policy with {@link ResponsePolicy#with}, so the rule itself issues what
 *       was asked for. {@code observe} is the exception: the policy gets {@code alert} and the
 *       {@link ControlGate} drops the alert and counts the finding, because a rule told to observe
 *       drops the finding before anything could count it;</li>
 *   <li>rules that decide their own containment (token replay, forged-token burst, revoked-token use):
 *       only {@code observe} and {@code alert} can be set, both applied at the gate ({@code alert}
 *       strips the containment); anything else is refused with an error naming the rule.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ResponseOverrides {

    /** What the gate does about a finding of one rule and severity. */
    public enum AtGate {
        /** Whatever the rule decided. */
        AS_DECIDED,
        /** Publish the alert, withhold the rule's containment. */
        ALERT_ONLY,
        /** Count it, publish nothing. */
        OBSERVE
    }

    /**
     * One entry.
     *
     * @param rule     the rule
     * @param severity the severity it applies to, or null for all
     * @param actions  the actions, {@link ResponseAction#OBSERVE} alone or others
     */
    public record Entry(String rule, Alert.Severity severity, Set<ResponseAction> actions) {
        public Entry {
            Objects.requireNonNull(rule, "rule");
            actions = Set.copyOf(actions);
        }

        /** As written on the command line. */
        public String written() {
            return rule + (severity == null ? "" : ":" + severity.name().toLowerCase(Locale.ROOT)) + "="
                    + actions.stream().map(ResponseAction::wire).sorted().collect(Collectors.joining(","));
        }
    }

    /** Short names operators type for actions whose enum name is longer. */
    private static final Map<String, String> ALIASES = Map.of("throttle", "throttle_subject");

    private final List<Entry> entries;

    private ResponseOverrides(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static ResponseOverrides none() {
        return new ResponseOverrides(List.of());
    }

    /** Parses {@code RULE[:SEVERITY]=ACTIONS} entries; the error names the bad rule, severity or action. */
    public static ResponseOverrides parse(List<String> specs) {
        Map<String, Entry> byTarget = new LinkedHashMap<>();
        Set<String> driven = RuleSets.policyDriven();
        for (String raw : specs) {
            Entry entry = parseOne(Objects.requireNonNull(raw, "response"), driven);
            byTarget.remove(entry.rule() + ":" + entry.severity());
            byTarget.put(entry.rule() + ":" + entry.severity(), entry);
        }
        return new ResponseOverrides(new ArrayList<>(byTarget.values()));
    }

    public List<Entry> entries() {
        return entries;
    }

    /**
     * {@code rules} with every entry for a policy-driven rule written into its response policy (observe
     * as alert, see the class comment). Applying twice gives the same result.
     */
    public UserProfileRules applyTo(UserProfileRules rules) {
        if (entries.isEmpty()) {
            return rules;
        }
        ResponsePolicy policy = rules.response();
        Set<String> driven = RuleSets.policyDriven();
        for (Entry entry : entries) {
            if (!driven.contains(entry.rule())) {
                continue;
            }
            Set<ResponseAction> actions = entry.actions().contains(ResponseAction.OBSERVE)
                    ? Set.of(ResponseAction.ALERT) : entry.actions();
            policy = policy.with(entry.rule(), entry.severity(), actions.toArray(ResponseAction[]::new));
        }
        return policy.equals(rules.response()) ? rules : rules.withResponse(policy);
    }

    /** What the gate does about a finding of {@code rule} at {@code severity}: the exact entry, else the rule's. */
    public AtGate atGate(String rule, Alert.Severity severity) {
        Entry exact = null;
        Entry ruleWide = null;
        for (Entry e : entries) {
            if (e.rule().equals(rule)) {
                if (e.severity() == severity) {
                    exact = e;
                } else if (e.severity() == null) {
                    ruleWide = e;
                }
            }
        }
        Entry chosen = exact != null ? exact : ruleWide;
        if (chosen == null) {
            return AtGate.AS_DECIDED;
        }
        if (chosen.actions().contains(ResponseAction.OBSERVE)) {
            return AtGate.OBSERVE;
        }
        // A rule deciding its own containment accepts only alert (checked when parsed): strip containment.
        return RuleSets.policyDriven().contains(rule) ? AtGate.AS_DECIDED : AtGate.ALERT_ONLY;
    }

    private static Entry parseOne(String raw, Set<String> driven) {
        String text = raw.trim();
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw new IllegalArgumentException("--response '" + raw + "': write RULE[:SEVERITY]=ACTIONS, e.g. "
                    + "impossible_travel=alert or rate_spike:low=observe");
        }
        String target = text.substring(0, eq).trim();
        int colon = target.indexOf(':');
        String rule = colon < 0 ? target : target.substring(0, colon).trim();
        RuleSets.requireKnown(rule, "--response '" + raw + "'");
        Alert.Severity severity = colon < 0 ? null : severity(target.substring(colon + 1).trim(), raw);
        Set<ResponseAction> actions = EnumSet.noneOf(ResponseAction.class);
        for (String part : text.substring(eq + 1).split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (!name.isEmpty()) {
                actions.add(action(name, raw));
            }
        }
        if (actions.isEmpty()) {
            throw new IllegalArgumentException("--response '" + raw + "': no actions after '='");
        }
        if (actions.contains(ResponseAction.OBSERVE) && actions.size() > 1) {
            throw new IllegalArgumentException("--response '" + raw + "': observe means nothing else is done; "
                    + "give it alone");
        }
        if (!driven.contains(rule)) {
            Set<ResponseAction> allowed = EnumSet.of(ResponseAction.OBSERVE, ResponseAction.ALERT);
            if (!allowed.containsAll(actions)) {
                throw new IllegalArgumentException("--response '" + raw + "': rule '" + rule
                        + "' decides its own containment; it can only be set to observe or alert");
            }
        }
        return new Entry(rule, severity, actions);
    }

    private static ResponseAction action(String name, String raw) {
        String wire = ALIASES.getOrDefault(name, name);
        for (ResponseAction action : ResponseAction.values()) {
            if (action.wire().equals(wire)) {
                return action;
            }
        }
        throw new IllegalArgumentException("--response '" + raw + "': unknown action '" + name + "' (known: "
                + Arrays.stream(ResponseAction.values()).map(ResponseAction::wire).collect(Collectors.joining(", "))
                + ", throttle)");
    }

    private static Alert.Severity severity(String name, String raw) {
        for (Alert.Severity s : Alert.Severity.values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--response '" + raw + "': unknown severity '" + name + "' (known: "
                + Arrays.stream(Alert.Severity.values()).map(s -> s.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")) + ")");
    }
}
