package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.HourHistogram;
import io.tokenwatch.detector.profile.NetworkTrail;
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
 * New context: what about a request the subject's profile has not seen — a new country, a new device
 * id, a new user-agent family, the same token from another client (device id or client family) than
 * its earlier requests, a never-seen network, an hour the subject is not usually active at in its
 * local time — each a {@link Signal} with a family and a weight. Each alone is ordinary for honest
 * users (a trip, a new phone, a café), so the finding is only published when
 * {@link Corroboration} finds signals of two families at medium weight or more (e.g. a new country
 * with a new device), and is otherwise observed, counted and remembered to corroborate a stronger
 * finding (travel plus a never-seen network). It never contains on its own.
 *
 * <p>One fact counts once: a new network or an odd hour in a new country is the same move, so only
 * the country counts; a VPN or hosting exit's country is not the user's (the exit is {@link AnonymousNetworkRule}'s
 * finding). Hours are judged in the subject's learned local time ({@link UserProfile#utcOffset()},
 * or the request's own solar offset when it is located), against the subject's circular hour histogram
 * with a tolerance of {@code hourTolerance} hours either side, so time zones, travel and shift starts
 * do not make an hour unusual. A thing counts as new only if the profile knows something of that kind.
 * A baseline rule: silent during the learning period. Immutable.
 *
 * @param newCountry        weight of a country not seen before (1 = medium, 0.5 = faint, 0 = off)
 * @param newDevice         weight of a device id not seen before
 * @param unusualHour       weight of an unusual local hour
 * @param newNetwork        weight of a client network not seen before
 * @param newUserAgent      weight of a user-agent family not seen before
 * @param unusualHourShare  share of the decayed activity within the tolerance below which an hour is unusual
 * @param hourTolerance     hours either side of the request's local hour that count as "around" it
 */
public record NewContextRule(double newCountry, double newDevice, double unusualHour, double newNetwork,
                             double newUserAgent, double unusualHourShare, int hourTolerance) {

    public static final String NAME = "new_context";
    public static final String VERSION = "2";

    public NewContextRule {
        for (double weight : new double[] {newCountry, newDevice, unusualHour, newNetwork, newUserAgent}) {
            if (!(weight >= 0)) {
                throw new IllegalArgumentException("weights must not be negative");
            }
        }
        if (!(unusualHourShare >= 0 && unusualHourShare < 1)) {
            throw new IllegalArgumentException("unusual-hour share must be in [0, 1)");
        }
        if (hourTolerance < 0 || hourTolerance > 6) {
            throw new IllegalArgumentException("hour tolerance must be 0 to 6 hours");
        }
    }

    /** Country 1, device 1, user agent 1 (medium); hour 0.5, network 0.5 (faint); unusual below 1 % within ±2 h. */
    public static NewContextRule defaults() {
        return new NewContextRule(1.0, 1.0, 0.5, 0.5, 1.0, 0.01, 2);
    }

    public NewContextRule withWeights(double country, double device, double hour, double network, double userAgent) {
        return new NewContextRule(country, device, hour, network, userAgent, unusualHourShare, hourTolerance);
    }

    public NewContextRule withUnusualHourShare(double value) {
        return new NewContextRule(newCountry, newDevice, unusualHour, newNetwork, newUserAgent, value, hourTolerance);
    }

    public NewContextRule withHourTolerance(int value) {
        return new NewContextRule(newCountry, newDevice, unusualHour, newNetwork, newUserAgent, unusualHourShare,
                value);
    }

    /** One thing new about the request. */
    record Component(String name, SignalFamily family, double weight, String why) {
        Signal signal() {
            return new Signal(name, family, weight >= 2 ? Signal.Strength.STRONG
                    : weight >= 1 ? Signal.Strength.MEDIUM : Signal.Strength.FAINT);
        }
    }

    /** What is new about {@code observation} for {@code profile}. */
    List<Component> components(UserProfile profile, Observation observation) {
        List<Component> found = new ArrayList<>();
        boolean newCountryHere = observation.country() != null && !observation.isAnonymous()
                && !profile.countries().isEmpty() && !profile.countries().contains(observation.country());
        if (newCountryHere) {
            found.add(new Component("new_country", SignalFamily.PLACE, newCountry, "new country "
                    + observation.country() + " (known: " + String.join(", ", profile.countries().values()) + ")"));
        }
        if (observation.deviceHash() != null && !profile.devices().isEmpty()
                && !profile.devices().contains(observation.deviceHash())) {
            found.add(new Component("new_device", SignalFamily.DEVICE, newDevice,
                    "new device (" + profile.devices().size() + " known)"));
        }
        if (observation.tokenHash() != null && profile.trailOf(observation.tokenHash())
                .filter(t -> t.client() != NetworkTrail.clientOf(observation)).isPresent()) {
            found.add(new Component("token_on_another_client", SignalFamily.DEVICE, newDevice,
                    "the token's earlier requests came from another client (device id or client family)"));
        } else if (!profile.userAgents().isEmpty() && !profile.userAgents().contains(observation.userAgent())) {
            found.add(new Component("new_user_agent", SignalFamily.DEVICE, newUserAgent, "new client family "
                    + observation.userAgent().name().toLowerCase(Locale.ROOT)));
        }
        if (!newCountryHere && !observation.isAnonymous() && !profile.networks().isEmpty()
                && !profile.networks().contains(observation.networkHash())) {
            found.add(new Component("new_network", SignalFamily.NETWORK, newNetwork,
                    "never-seen network " + observation.network()));
        }
        int hour = localHour(profile, observation);
        double share = profile.hours().shareAround(hour, hourTolerance);
        // In a new country the hour is part of the same move (another zone, a long day's travel).
        if (!newCountryHere && profile.hours().total() > 0 && share < unusualHourShare) {
            found.add(new Component("unusual_hour", SignalFamily.TIME, unusualHour, String.format(Locale.ROOT,
                    "unusual local hour %02d (%.1f %% of activity within ±%d h)", hour, share * 100, hourTolerance)));
        }
        return found.stream().filter(c -> c.weight() > 0).toList();
    }

    /** The request's hour in the subject's local time: its own solar offset if located, else the learned one. */
    static int localHour(UserProfile profile, Observation observation) {
        Integer hint = observation.offsetHint();
        return hint != null ? HourHistogram.hourOf(observation.time(), hint) : profile.localHour(observation.time());
    }

    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation) {
        List<Component> components = components(profile, observation);
        if (components.isEmpty()) {
            return Optional.empty();
        }
        double score = components.stream().mapToDouble(Component::weight).sum();
        String why = String.join(", ", components.stream().map(Component::why).toList());
        String observed = "new context: " + why;
        Figures figures = new Figures("new_context_signals", components.size(), observed, 0,
                "a request in a context the profile knows raises none", 2,
                "signals of two independent families, each at least medium (e.g. a new country and a new device)");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("score", RateSpikeRule.round2(score));
        Map<String, Object> parts = new LinkedHashMap<>();
        components.forEach(c -> parts.put(c.name(), c.weight()));
        details.put("components", parts);
        details.put("known_countries", profile.countries().values());
        details.put("known_networks", profile.networks().size());
        details.put("known_devices", profile.devices().size());
        details.put("local_hour", localHour(profile, observation));
        Alert.Severity severity = components.stream().map(Component::family).distinct().count() >= 3
                ? Alert.Severity.HIGH : Alert.Severity.MEDIUM;
        return Optional.of(new ProfileFinding(NAME, VERSION, severity, "Request from a new context",
                "A verified request came from a context (country, device, client, network, hour) that the "
                        + "subject's profile has not seen, with independent changes at once that suggest someone else.",
                observed, figures, List.of(), List.of(ProfileFinding.TOKEN_USE), details,
                components.stream().map(Component::signal).toList()));
    }
}
