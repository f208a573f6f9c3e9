package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Graduated response to the findings of the rules that judge verified subjects (the profile rules,
 * the anomalous-token rule, the failure-burst rule): (rule, severity) → actions. A rule and severity with an
 * entry of their own get those actions; otherwise the rule's entry for every severity; otherwise
 * {@link ResponseAction#ALERT}. Every containment action comes with an alert, whether listed or not,
 * so that each revocation's {@code source} names a finding someone can read. Revocations go through
 * the detector's one revocation path (never weakening what the topic holds, tombstoned when void).
 *
 * <p>For the profile rules the actions are the most a finding may get: containment (throttle, token or
 * subject revocation) is applied only when a signal of another family corroborates the finding, and a
 * lone weak signal is only observed ({@code UserProfileProcessor}, {@code Corroboration}); step-up and
 * alerts need no corroboration.
 *
 * <p>Defaults: rate spike → alert + throttle the subject (when corroborated); new context → alert;
 * anonymous network, impossible travel and concurrent use → alert + revoke the triggering token (when
 * corroborated); anomalous token and failure burst → alert. Nothing revokes a whole subject by
 * default: a geolocation error or a user's VPN should cost one token, not every session. Immutable.
 *
 * @param entries the mapping; a later entry for the same rule and severity replaces an earlier one
 */
public record ResponsePolicy(List<Entry> entries) {

    public ResponsePolicy {
        entries = List.copyOf(entries);
    }

    /**
     * One line of the mapping.
     *
     * @param rule     the rule's name, e.g. {@link RateSpikeRule#NAME}
     * @param severity the severity it applies to, or null for every severity of the rule
     * @param actions  what to do: {@link ResponseAction#OBSERVE} alone, or any other actions
     */
    public record Entry(String rule, Alert.Severity severity, Set<ResponseAction> actions) {
        public Entry {
            Objects.requireNonNull(rule, "rule");
            if (actions.isEmpty()) {
                throw new IllegalArgumentException("a response needs at least one action");
            }
            if (actions.contains(ResponseAction.OBSERVE) && actions.size() > 1) {
                throw new IllegalArgumentException("observe means nothing else is done");
            }
            actions = Set.copyOf(actions);
        }
    }

    public static ResponsePolicy defaults() {
        return new ResponsePolicy(List.of())
                .with(RateSpikeRule.NAME, null, ResponseAction.ALERT, ResponseAction.THROTTLE_SUBJECT)
                .with(NewContextRule.NAME, null, ResponseAction.ALERT)
                .with(ImpossibleTravelRule.NAME, null, ResponseAction.ALERT, ResponseAction.REVOKE_TOKEN)
                .with(ConcurrentUseRule.NAME, null, ResponseAction.ALERT, ResponseAction.REVOKE_TOKEN)
                .with(AnonymousNetworkRule.NAME, null, ResponseAction.ALERT, ResponseAction.REVOKE_TOKEN)
                // A signer minting odd tokens, or a client stuck in a retry loop: worth a look, not a lock-out.
                .with(AnomalousTokenRule.NAME, null, ResponseAction.ALERT)
                .with(FailureBurstRule.NAME, null, ResponseAction.ALERT);
    }

    /** This policy with {@code rule} at {@code severity} (null: every severity) answered by {@code actions}. */
    public ResponsePolicy with(String rule, Alert.Severity severity, ResponseAction... actions) {
        Entry entry = new Entry(rule, severity, Set.of(actions));
        List<Entry> next = new ArrayList<>();
        for (Entry e : entries) {
            if (!(e.rule().equals(rule) && e.severity() == severity)) {
                next.add(e);
            }
        }
        next.add(entry);
        return new ResponsePolicy(next);
    }

    /** What to do about a finding of {@code rule} at {@code severity}; containment always includes an alert. */
    public Set<ResponseAction> actionsFor(String rule, Alert.Severity severity) {
        Set<ResponseAction> exact = null;
        Set<ResponseAction> ruleWide = null;
        for (Entry e : entries) {
            if (e.rule().equals(rule)) {
                if (e.severity() == severity) {
                    exact = e.actions();
                } else if (e.severity() == null) {
                    ruleWide = e.actions();
                }
            }
        }
        Set<ResponseAction> chosen = exact != null ? exact : ruleWide != null ? ruleWide : Set.of(ResponseAction.ALERT);
        if (chosen.contains(ResponseAction.OBSERVE)) {
            return Set.of(ResponseAction.OBSERVE);
        }
        EnumSet<ResponseAction> actions = EnumSet.copyOf(chosen);
        actions.add(ResponseAction.ALERT);
        return actions;
    }
}
