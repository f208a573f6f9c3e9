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
 * Impossible travel: the speed between a holder's previous located request and this one is above
 * {@code maxSpeedKmh}. A <em>holder</em> is a device (by its service-supplied id) or, for a client
 * without one, a token: a known device is compared with its own previous place, a device-less request
 * with its token's previous place, and only a request from an unknown or absent device with a new
 * token is compared with every place the subject was recently seen at (so a phone and a laptop in use
 * at once are two devices, not two places, while a stranger's first request is judged against all).
 *
 * <p>Geolocation is not taken at face value: the distance is reduced by both accuracy radii, pairs
 * closer than {@code minDistanceKm} after that are ignored, and so are pairs within one client
 * network. Only requests whose location says where a person is count
 * ({@link Observation#isPlace()}): mobile networks (carrier-grade NAT at the carrier's gateway or the
 * country centroid; home-routed roaming puts a phone abroad "at home"), hosting, VPN and other
 * anonymous exits (their own finding, {@link AnonymousNetworkRule}) and centroid locations (accuracy
 * radius of {@link Observation#CENTROID_RADIUS_KM} km or more) are never travel. Needs no baseline.
 * A {@link SignalFamily#PLACE place} signal: strong when a new holder (unknown device, new token) is
 * far from every recent place; medium when one holder jumps (a device's or token's own previous
 * place): that is what an unflagged VPN or proxy exit looks like, so it is published and contains only
 * with a medium signal of another family (a new client). Containment always needs another family.
 * Immutable; evaluation is stateless.
 *
 * @param maxSpeedKmh    fastest credible travel (an airliner cruises at about 900 km/h)
 * @param minDistanceKm  pairs closer than this, after subtracting the radii, are never impossible
 */
public record ImpossibleTravelRule(double maxSpeedKmh, double minDistanceKm) {

    public static final String NAME = "impossible_travel";
    public static final String VERSION = "2";
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
        if (!observation.isPlace()) {
            return Optional.empty();
        }
        Place last = null;
        double distance = 0;
        double speed = 0;
        int radius = observation.radiusKm() == null ? 0 : observation.radiusKm();
        for (Place place : comparedWith(profile, observation)) {
            if (place.network() == observation.networkHash()) {
                continue;
            }
            double separation = place.separationKm(observation.lat(), observation.lon(), radius);
            if (separation < minDistanceKm) {
                continue;
            }
            long elapsed = Math.abs(observation.time() - place.lastSeen());
            // Two requests in the same millisecond are as far apart as they are: any distance is too fast.
            double kmh = separation * HOUR_MILLIS / Math.max(1, elapsed);
            if (kmh > maxSpeedKmh && kmh > speed) {
                last = place;
                distance = separation;
                speed = kmh;
            }
        }
        if (last == null) {
            return Optional.empty();
        }
        long elapsed = Math.abs(observation.time() - last.lastSeen());
        String observed = String.format(Locale.ROOT, "%.0f km (after accuracy radii) from %s in %s: %.0f km/h",
                distance, last.country() == null ? "the previous located request" : "the previous located request in "
                        + last.country(), describeElapsed(elapsed), speed);
        Figures figures = new Figures("travel_speed_kmh", Math.round(Math.min(speed, Long.MAX_VALUE / 2.0)), observed,
                AIRLINER_KMH, "an airliner cruises at about " + AIRLINER_KMH + " km/h", Math.round(maxSpeedKmh),
                String.format(Locale.ROOT, "above %.0f km/h between a holder's located requests %.0f km or more "
                        + "apart after their accuracy radii, in different networks", maxSpeedKmh, minDistanceKm));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("distance_km", Math.round(distance));
        details.put("elapsed_ms", elapsed);
        details.put("previous_time", last.lastSeen());
        String comparedWith = comparedWithWhat(profile, observation);
        details.put("compared_with", comparedWith);
        // A new holder far from every recent place is strong; one holder's own jump is often a VPN or proxy
        // the database does not flag, so it needs a second medium signal (a new client, say) to count.
        Signal.Strength strength = comparedWith.equals("all_places") ? Signal.Strength.STRONG : Signal.Strength.MEDIUM;
        return Optional.of(new ProfileFinding(NAME, VERSION, Alert.Severity.HIGH, "Impossible travel",
                "Two located requests of one holder (or a new client and the subject's recent places) are further "
                        + "apart than anyone could travel in the time between them: two parties hold the subject's "
                        + "tokens.",
                observed, figures, List.of(placeEvidence("previous located request", last, distance)),
                List.of(ProfileFinding.TOKEN_USE), details,
                List.of(new Signal(NAME, SignalFamily.PLACE, strength))));
    }

    /**
     * The places to compare with: a known device's own; else the token's own (a client without a device
     * id); else, for an unknown or absent device with a token not seen located, every recent place.
     */
    static List<Place> comparedWith(UserProfile profile, Observation observation) {
        if (observation.deviceHash() != null && profile.devices().contains(observation.deviceHash())) {
            return profile.placeOf(observation.deviceHash()).map(List::of).orElse(List.of());
        }
        if (observation.tokenHash() != null) {
            Optional<Place> token = profile.placeOf(observation.tokenHash());
            if (token.isPresent()) {
                return List.of(token.get());
            }
        }
        return profile.places();
    }

    private static String comparedWithWhat(UserProfile profile, Observation observation) {
        if (observation.deviceHash() != null && profile.devices().contains(observation.deviceHash())) {
            return "device";
        }
        if (observation.tokenHash() != null && profile.placeOf(observation.tokenHash()).isPresent()) {
            return "token";
        }
        return "all_places";
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
