package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Alert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Anonymous network: a request through a hosting, VPN, proxy or Tor exit (the geo resolver's
 * {@code anonymizer}) of a kind the subject has not used before. Its own finding, never travel: the
 * exit's location says nothing about where the person is. A service account that always runs in a
 * cloud, or a person who always uses a VPN, learned that during the learning period and raises
 * nothing. A medium {@link SignalFamily#NETWORK network} signal: alone it is observed (people do
 * switch a VPN on); with another medium signal — a new device or client family, a new country — it
 * is published, and it corroborates strong findings (travel, interleaving, a volume spike). A baseline
 * rule: silent during the learning period. Immutable; evaluation is stateless.
 *
 * @param weight the signal's weight (1 = medium, 0.5 = faint, 2 = alert on its own, 0 = off)
 */
public record AnonymousNetworkRule(double weight) {

    public static final String NAME = "anonymous_network";
    public static final String VERSION = "1";

    public AnonymousNetworkRule {
        if (!(weight >= 0)) {
            throw new IllegalArgumentException("weight must not be negative");
        }
    }

    /** Medium weight. */
    public static AnonymousNetworkRule defaults() {
        return new AnonymousNetworkRule(1.0);
    }

    public AnonymousNetworkRule withWeight(double value) {
        return new AnonymousNetworkRule(value);
    }

    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation) {
        if (weight <= 0 || observation.anonymizer() == null
                || profile.hasUsedAnonymizer(observation.anonymizer().ordinal())) {
            return Optional.empty();
        }
        String kind = observation.anonymizer().wire();
        String observed = "request through a " + kind.replace('_', ' ') + " network (" + observation.network()
                + "), a kind the subject has not used before";
        Figures figures = new Figures("anonymous_network_kinds_known", Integer.bitCount(profile.anonymizers()), observed,
                0, "the subject's requests so far came through no network of this kind", 1,
                "any anonymous-network kind not used before");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("anonymizer", kind);
        details.put("network", observation.network());
        Signal.Strength strength = weight >= 2 ? Signal.Strength.STRONG
                : weight >= 1 ? Signal.Strength.MEDIUM : Signal.Strength.FAINT;
        return Optional.of(new ProfileFinding(NAME, VERSION, Alert.Severity.MEDIUM,
                "Request through an anonymous network",
                "A verified request came through a hosting, VPN, proxy or Tor exit of a kind this subject does not "
                        + "use: a stolen token is often replayed from such networks.",
                observed, figures, List.of(), List.of(ProfileFinding.TOKEN_USE,
                        new Alert.Attack("15.1", new Alert.Technique("T1090", "Proxy"),
                                new Alert.Tactic("TA0011", "Command and Control"))), details,
                List.of(new Signal(NAME, SignalFamily.NETWORK, strength))));
    }

}
