package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.Place;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Alert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Impossible travel: the speed between a subject's last located request and this one (great-circle
 * distance over the time between them) is above {@code maxSpeedKmh}. Pairs closer than
 * {@code minDistanceKm} are ignored, because geolocation of an address is only that precise, and so
 * are pairs within one client network, whose addresses a resolver may place in different cities (a
 * carrier's or a company's egress). Needs only the previous located request, not a baseline, so it
 * applies from a subject's second located request on. Immutable; evaluation is stateless.
 *
 * @param maxSpeedKmh    fastest credible travel (an airliner cruises at about 900 km/h)
 * @param minDistanceKm  pairs closer than this are never impossible
 */
public record ImpossibleTravelRule(double maxSpeedKmh, double minDistanceKm) {

    public static final String NAME = "impossible_travel";
    public static final String VERSION = "1";
    private static final long HOUR_MILLIS = 3_600_000L;
    private static final long AIRLINER_KMH = 900;

    public ImpossibleTravelRule {
        if (!(maxSpeedKmh > 0) || !(minDistanceKm >= 0)) {
            throw new IllegalArgumentException("max speed must be positive and min distance not negative");
        }
    }

    /** Above 1000 km/h, ignoring pairs closer than 100 km. */
    public static ImpossibleTravelRule defaults() {
        return new ImpossibleTravelRule(1000, 100);
    }

    public ImpossibleTravelRule withMaxSpeedKmh(double value) {
        return new ImpossibleTravelRule(value, minDistanceKm);
    }

    public ImpossibleTravelRule withMinDistanceKm(double value) {
        return new ImpossibleTravelRule(maxSpeedKmh, value);
    }

    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation) {
        if (!observation.isLocated() || profile.lastLocated().isEmpty()) {
            return Optional.empty();
        }
        Place last = profile.lastLocated().get();
        if (last.network() == observation.networkHash()) {
            return Optional.empty();
        }
        double distance = last.distanceKm(observation.lat(), observation.lon());
        if (distance < minDistanceKm) {
            return Optional.empty();
        }
        long elapsed = Math.abs(observation.time() - last.lastSeen());
        // Two requests in the same millisecond are as far apart as they are: any distance is too fast.
        double speed = distance * HOUR_MILLIS / Math.max(1, elapsed);
        if (speed <= maxSpeedKmh) {
            return Optional.empty();
        }
        String observed = String.format(Locale.ROOT, "%.0f km from %s in %s: %.0f km/h", distance,
                last.country() == null ? "the previous located request" : "the previous located request in "
                        + last.country(), describeElapsed(elapsed), speed);
        Figures figures = new Figures("travel_speed_kmh", Math.round(Math.min(speed, Long.MAX_VALUE / 2.0)), observed,
                AIRLINER_KMH, "an airliner cruises at about " + AIRLINER_KMH + " km/h", Math.round(maxSpeedKmh),
                String.format(Locale.ROOT, "above %.0f km/h between consecutive located requests %.0f km or more "
                        + "apart, in different networks", maxSpeedKmh, minDistanceKm));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("distance_km", Math.round(distance));
        details.put("elapsed_ms", elapsed);
        details.put("previous_time", last.lastSeen());
        return Optional.of(new ProfileFinding(NAME, VERSION, Alert.Severity.HIGH, "Impossible travel",
                "Two consecutive located requests of one subject are further apart than anyone could travel in "
                        + "the time between them: two parties hold the subject's tokens, or one hides behind a proxy.",
                observed, figures, List.of(placeEvidence("previous located request", last, distance)),
                List.of(ProfileFinding.TOKEN_USE), details));
    }

    /**
     * An earlier located request as evidence. Its location goes in {@code data}, not in
     * {@code src_endpoint}: OCSF requires an endpoint to be identified (ip, name, …), and a profile keeps
     * only a hash of the network, not the address.
     */
    static Alert.Evidence placeEvidence(String name, Place place, double distanceKm) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("time", place.lastSeen());
        if (place.country() != null) {
            data.put("country", place.country());
        }
        data.put("lat", (double) place.lat());
        data.put("long", (double) place.lon());
        data.put("distance_km", Math.round(distanceKm));
        return new Alert.Evidence(name, null, data);
    }

    static String describeElapsed(long millis) {
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        if (millis < HOUR_MILLIS) {
            return String.format(Locale.ROOT, "%.1f min", millis / 60_000.0);
        }
        return String.format(Locale.ROOT, "%.1f h", millis / (double) HOUR_MILLIS);
    }
}
