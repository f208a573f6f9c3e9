package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Alert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * New context: a request whose context the subject's profile has not seen, scored by adding a weight
 * per new thing; at or above {@code alertAt} it is a finding. The seed's weights: new country 0.4, new
 * device 0.3, unusual hour 0.2, alert at 0.7; a new network and a new user-agent family add 0.1 each
 * (an ASN or /24 changes with every café Wi-Fi, so alone it must not fire, but it tips a new country
 * with an odd hour over). A thing counts as new only if the profile knows something of that kind: the
 * first country of a subject whose requests never carried geo data, or the first device id of a
 * service that just started sending them, is not a change of context. A baseline rule: silent during
 * the learning period.
 *
 * <p>Impossible travel is not a component: it is its own finding with its own response, and counting
 * it here too would report one event twice.
 *
 * @param newCountry        weight of a country not seen before
 * @param newDevice         weight of a device id not seen before
 * @param unusualHour       weight of an hour of day with less than {@code unusualHourShare} of the activity
 * @param newNetwork        weight of a client network not seen before
 * @param newUserAgent      weight of a user-agent family not seen before
 * @param unusualHourShare  share of the decayed activity (its hour plus half of each neighbour) below
 *                          which an hour is unusual
 * @param alertAt           score at or above which the rule fires
 */
public record NewContextRule(double newCountry, double newDevice, double unusualHour, double newNetwork,
                             double newUserAgent, double unusualHourShare, double alertAt) {

    public static final String NAME = "new_context";
    public static final String VERSION = "1";
    /** Sums of weights such as 0.4 + 0.3 are not exact in binary; this much short of alertAt still fires. */
    private static final double EPSILON = 1e-9;

    public NewContextRule {
        for (double weight : new double[] {newCountry, newDevice, unusualHour, newNetwork, newUserAgent}) {
            if (!(weight >= 0)) {
                throw new IllegalArgumentException("weights must not be negative");
            }
        }
        if (!(unusualHourShare >= 0 && unusualHourShare < 1)) {
            throw new IllegalArgumentException("unusual-hour share must be in [0, 1)");
        }
        if (!(alertAt > 0)) {
            throw new IllegalArgumentException("alert score must be positive");
        }
    }

    /** Country 0.4, device 0.3, hour 0.2 (the seed's), network 0.1, user agent 0.1; unusual below 2 %; alert at 0.7. */
    public static NewContextRule defaults() {
        return new NewContextRule(0.4, 0.3, 0.2, 0.1, 0.1, 0.02, 0.7);
    }

    public NewContextRule withWeights(double country, double device, double hour, double network, double userAgent) {
        return new NewContextRule(country, device, hour, network, userAgent, unusualHourShare, alertAt);
    }

    public NewContextRule withUnusualHourShare(double value) {
        return new NewContextRule(newCountry, newDevice, unusualHour, newNetwork, newUserAgent, value, alertAt);
    }

    public NewContextRule withAlertAt(double value) {
        return new NewContextRule(newCountry, newDevice, unusualHour, newNetwork, newUserAgent, unusualHourShare,
                value);
    }

    /** One contribution to the score. */
    record Component(String name, double weight, String why) {
    }

    /** What is new about {@code observation} for {@code profile}, with the weights. */
    List<Component> components(UserProfile profile, Observation observation) {
        List<Component> found = new ArrayList<>();
        if (observation.country() != null && !profile.countries().isEmpty()
                && !profile.countries().contains(observation.country())) {
            found.add(new Component("new_country", newCountry, "new country " + observation.country()
                    + " (known: " + String.join(", ", profile.countries().values()) + ")"));
        }
        if (observation.deviceHash() != null && !profile.devices().isEmpty()
                && !profile.devices().contains(observation.deviceHash())) {
            found.add(new Component("new_device", newDevice, "new device (" + profile.devices().size() + " known)"));
        }
        double share = profile.hours().shareAround(observation.hour());
        if (profile.hours().total() > 0 && share < unusualHourShare) {
            found.add(new Component("unusual_hour", unusualHour, String.format(Locale.ROOT,
                    "unusual hour %02d UTC (%.1f %% of activity)", observation.hour(), share * 100)));
        }
        if (!profile.networks().isEmpty() && !profile.networks().contains(observation.networkHash())) {
            found.add(new Component("new_network", newNetwork, "new network " + observation.network()));
        }
        if (!profile.userAgents().isEmpty() && !profile.userAgents().contains(observation.userAgent())) {
            found.add(new Component("new_user_agent", newUserAgent, "new client family "
                    + observation.userAgent().name().toLowerCase(Locale.ROOT)));
        }
        return found.stream().filter(c -> c.weight() > 0).toList();
    }

    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation) {
        List<Component> components = components(profile, observation);
        double score = components.stream().mapToDouble(Component::weight).sum();
        if (score < alertAt - EPSILON) {
            return Optional.empty();
        }
        String why = String.join(", ", components.stream().map(c -> c.why() + String.format(Locale.ROOT, " +%.2f",
                c.weight())).toList());
        String observed = String.format(Locale.ROOT, "context risk score %.2f: %s", score, why);
        Figures figures = new Figures("context_risk_score_percent", Math.round(score * 100), observed, 0,
                "a request in a context the profile knows scores 0", Math.round(alertAt * 100),
                String.format(Locale.ROOT, "a score of at least %.2f", alertAt));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("score", RateSpikeRule.round2(score));
        Map<String, Object> parts = new LinkedHashMap<>();
        components.forEach(c -> parts.put(c.name(), c.weight()));
        details.put("components", parts);
        details.put("known_countries", profile.countries().values());
        details.put("known_networks", profile.networks().size());
        details.put("known_devices", profile.devices().size());
        Alert.Severity severity = score >= 1.0 - EPSILON ? Alert.Severity.HIGH : Alert.Severity.MEDIUM;
        return Optional.of(new ProfileFinding(NAME, VERSION, severity, "Request from a new context",
                "A verified request came from a context (country, device, hour, network, client) that the "
                        + "subject's profile has not seen, with enough new at once to suggest someone else.",
                observed, figures, List.of(), List.of(ProfileFinding.TOKEN_USE), details));
    }
}
