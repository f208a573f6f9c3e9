package io.tokenwatch.detector.control;

import io.tokenwatch.detector.rules.AnomalousTokenRule;
import io.tokenwatch.detector.rules.ConcurrentUseRule;
import io.tokenwatch.detector.rules.FailureBurstRule;
import io.tokenwatch.detector.rules.ForgedTokenBurstRule;
import io.tokenwatch.detector.rules.ForgedTokenCampaignProcessor;
import io.tokenwatch.detector.rules.ImpossibleTravelRule;
import io.tokenwatch.detector.rules.NewContextRule;
import io.tokenwatch.detector.rules.RateSpikeRule;
import io.tokenwatch.detector.rules.ResponsePolicy;
import io.tokenwatch.detector.rules.RevokedTokenUseRule;
import io.tokenwatch.detector.rules.TokenReplayRule;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one place that says which rule belongs to which group for the operator controls
 * ({@link ControlGate}). When a rule is added, it is added here.
 *
 * <ul>
 *   <li>{@link #NETWORK_DEPENDENT}: rules whose finding rests on where requests came from, so a
 *       request from a network the operator vouches for (VPN exit, office NAT) does not support them.
 *       Each says how the networks an alert cites are weighed ({@link NetworkWeighing}).</li>
 *   <li>{@link #BEHAVIOUR}: rules that judge how a verified subject behaves; what a service-account
 *       or issuer allow-list entry silences when it names no rules.</li>
 *   <li>{@link #UNVERIFIED_SIGNAL}: rules that count tokens which did not verify. The subject such a
 *       token names is the sender's words, so no subject allow-list and no suppression ever applies
 *       to them: otherwise an attacker would name an allow-listed service account to hide a forgery
 *       flood.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class RuleSets {

    /** How the networks an alert cites decide whether a network allow-list silences it. */
    public enum NetworkWeighing {
        /**
         * Silenced when any cited network is allow-listed: the finding compares one request's place with
         * what the subject did before (travel, concurrent use, a new context), and a vouched-for VPN or
         * NAT at either end explains the jump or the novelty.
         */
        ANY_CITED,
        /**
         * Silenced only when every cited network is allow-listed: the finding is one token held in
         * several places, and one use from outside the vouched-for networks is exactly what theft looks
         * like (a token copied off the office network and used from elsewhere).
         */
        ALL_CITED
    }

    /** Network-dependent rules and how each weighs the networks its alerts cite. */
    public static final Map<String, NetworkWeighing> NETWORK_DEPENDENT = Map.of(
            ImpossibleTravelRule.NAME, NetworkWeighing.ANY_CITED,
            ConcurrentUseRule.NAME, NetworkWeighing.ANY_CITED,
            NewContextRule.NAME, NetworkWeighing.ANY_CITED,
            TokenReplayRule.NAME, NetworkWeighing.ALL_CITED);

    /** Rules about a verified subject's behaviour: the default scope of a subject or issuer allow-list entry. */
    public static final Set<String> BEHAVIOUR = Set.of(RateSpikeRule.NAME, NewContextRule.NAME,
            ImpossibleTravelRule.NAME, ConcurrentUseRule.NAME, TokenReplayRule.NAME, FailureBurstRule.NAME);

    /** Rules fed by tokens that did not verify: never silenced by subject. */
    public static final Set<String> UNVERIFIED_SIGNAL = Set.of(ForgedTokenBurstRule.NAME,
            ForgedTokenCampaignProcessor.NAME, ForgedTokenBurstRule.KEY_ROTATION);

    /** Name of the group {@link #BEHAVIOUR} where a list of rules is written. */
    public static final String BEHAVIOUR_GROUP = "behaviour";

    private static final Set<String> LISTED = Set.of(TokenReplayRule.NAME, ForgedTokenBurstRule.NAME,
            ForgedTokenCampaignProcessor.NAME, ForgedTokenBurstRule.KEY_ROTATION,
            RevokedTokenUseRule.NAME, AnomalousTokenRule.NAME, FailureBurstRule.NAME, RateSpikeRule.NAME,
            NewContextRule.NAME, ImpossibleTravelRule.NAME, ConcurrentUseRule.NAME);

    private RuleSets() {
    }

    /** Every rule name an operator may write: the rules above and any the default response policy names. */
    public static Set<String> known() {
        Set<String> known = new TreeSet<>(LISTED);
        for (ResponsePolicy.Entry entry : ResponsePolicy.defaults().entries()) {
            known.add(entry.rule());
        }
        return known;
    }

    /**
     * Rules whose containment the {@link ResponsePolicy} decides (the rules the default policy has an
     * entry for); the others decide their own and can only be observed or alerted on from the gate.
     */
    public static Set<String> policyDriven() {
        Set<String> driven = new TreeSet<>();
        for (ResponsePolicy.Entry entry : ResponsePolicy.defaults().entries()) {
            driven.add(entry.rule());
        }
        return driven;
    }

    /** Checks an operator-written rule name; the error names it and lists the known ones. */
    static String requireKnown(String rule, String where) {
        if (!known().contains(rule)) {
            throw new IllegalArgumentException(where + ": unknown rule '" + rule + "' (known: "
                    + String.join(", ", known()) + ")");
        }
        return rule;
    }
}
