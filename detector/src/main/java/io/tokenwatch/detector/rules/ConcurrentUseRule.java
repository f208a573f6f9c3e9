package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.Place;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Alert;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Concurrent use: one subject active in two places more than {@code minDistanceKm} apart at once,
 * shown by a return: a request from a place the subject used within {@code window}, after a request
 * from the distant place that came later still. A then B then A again within minutes is two holders
 * taking turns, not one who moved.
 *
 * <p>Why a return rather than any two distant requests within the window: a single such pair is
 * already {@link ImpossibleTravelRule impossible travel} (500 km in 5 minutes is 6000 km/h), and by
 * the triangle inequality so is some consecutive pair of any chain between them; alerting twice on it
 * adds noise, not information. What travel cannot tell apart is one holder whose address moved once
 * (a VPN switched on, a geolocation error) from two holders; the return can, and is stronger
 * evidence. The rules share the profile's recent {@link Place places} and the haversine distance;
 * they differ in what they compare: travel the last located request, concurrent use every recent
 * place. Immutable; evaluation is stateless.
 *
 * @param minDistanceKm how far apart the two places must be
 * @param window        how recent both must be
 */
public record ConcurrentUseRule(double minDistanceKm, Duration window) {

    public static final String NAME = "concurrent_use";
    public static final String VERSION = "1";

    public ConcurrentUseRule {
        if (!(minDistanceKm > 0)) {
            throw new IllegalArgumentException("min distance must be positive");
        }
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive");
        }
    }

    /** Places more than 500 km apart, both used within 5 minutes. */
    public static ConcurrentUseRule defaults() {
        return new ConcurrentUseRule(500, Duration.ofMinutes(5));
    }

    public ConcurrentUseRule withMinDistanceKm(double value) {
        return new ConcurrentUseRule(value, window);
    }

    public ConcurrentUseRule withWindow(Duration value) {
        return new ConcurrentUseRule(minDistanceKm, value);
    }

    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation, double samePlaceKm) {
        Optional<Place> found = profile.placeOf(observation, samePlaceKm);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Place here = found.get();
        long now = observation.time();
        long windowMillis = window.toMillis();
        if (now - here.lastSeen() > windowMillis) {
            return Optional.empty();
        }
        Optional<Place> elsewhere = profile.places().stream()
                .filter(p -> !p.equals(here))
                .filter(p -> p.network() != observation.networkHash())
                .filter(p -> p.lastSeen() > here.lastSeen() && now - p.lastSeen() <= windowMillis)
                .filter(p -> p.distanceKm(observation.lat(), observation.lon()) > minDistanceKm)
                .max(Comparator.comparingDouble(p -> p.distanceKm(observation.lat(), observation.lon())));
        if (elsewhere.isEmpty()) {
            return Optional.empty();
        }
        Place other = elsewhere.get();
        double distance = other.distanceKm(observation.lat(), observation.lon());
        String observed = String.format(Locale.ROOT,
                "back within %s after a request %.0f km away%s, which came after one from here",
                ImpossibleTravelRule.describeElapsed(now - here.lastSeen()), distance,
                other.country() == null ? "" : " in " + other.country());
        Figures figures = new Figures("concurrent_distance_km", Math.round(distance), observed, 0,
                "one holder is in one place at a time", Math.round(minDistanceKm),
                String.format(Locale.ROOT, "places more than %.0f km apart taking turns within %s", minDistanceKm,
                        Findings.describe(window)));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("distance_km", Math.round(distance));
        details.put("here_previous_time", here.lastSeen());
        details.put("elsewhere_time", other.lastSeen());
        return Optional.of(new ProfileFinding(NAME, VERSION, Alert.Severity.HIGH, "Concurrent use from distant places",
                "Requests of one subject alternate between places too far apart for one person within minutes: "
                        + "two parties are using the subject's tokens at the same time.",
                observed, figures, List.of(ImpossibleTravelRule.placeEvidence("request from the distant place", other,
                        distance)), List.of(ProfileFinding.TOKEN_USE), details));
    }
}
