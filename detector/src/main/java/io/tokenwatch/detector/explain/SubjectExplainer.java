package io.tokenwatch.detector.explain;

import io.tokenwatch.detector.profile.DecayedRate;
import io.tokenwatch.detector.profile.HourHistogram;
import io.tokenwatch.detector.profile.LastSeen;
import io.tokenwatch.detector.profile.LearningPeriod;
import io.tokenwatch.detector.profile.Place;
import io.tokenwatch.detector.profile.UaFamily;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Keys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Why the detector thinks what it thinks about one subject: its profile (store {@code user-profiles})
 * and its latest alerts (store {@link RecentAlertsProcessor#STORE}) as one JSON-ready map. Networks,
 * devices and revoked token ids are kept only as 64-bit hashes and are shown as such
 * ({@code fnv1a64:…}); nothing in state is a token, so nothing here is one.
 *
 * <p>Reads through two lookups (interactive queries in production, the test driver's stores in
 * tests) and judges learning against the injected clock. Thread-safe if the lookups are.
 */
public final class SubjectExplainer {

    private static final double DAY_MILLIS = Duration.ofDays(1).toMillis();

    private final Function<String, UserProfile> profiles;
    private final Function<String, RecentAlerts> recentAlerts;
    private final LearningPeriod learning;
    private final Clock clock;

    public SubjectExplainer(Function<String, UserProfile> profiles, Function<String, RecentAlerts> recentAlerts,
                            LearningPeriod learning, Clock clock) {
        this.profiles = Objects.requireNonNull(profiles, "profiles");
        this.recentAlerts = Objects.requireNonNull(recentAlerts, "recentAlerts");
        this.learning = Objects.requireNonNull(learning, "learning");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What is known about {@code iss|sub}, or empty if nothing is (no profile and no alert). */
    public Optional<Map<String, Object>> explain(String issuer, String subject) {
        String key = Keys.subject(issuer, subject);
        UserProfile profile = profiles.apply(key);
        RecentAlerts recent = Objects.requireNonNullElse(recentAlerts.apply(key), RecentAlerts.none());
        if (profile == null && recent.alerts().isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("subject", Map.of("iss", issuer, "sub", subject, "key", key));
        out.put("learning", profile == null ? Map.of("events", 0, "complete", false) : learning(profile));
        out.put("profile", profile == null ? null : profile(profile));
        out.put("recent_alerts", recent.alerts());
        return Optional.of(out);
    }

    private Map<String, Object> learning(UserProfile profile) {
        long now = clock.millis();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events", profile.events());
        out.put("days", round((now - profile.firstSeen()) / DAY_MILLIS));
        out.put("min_events", learning.minEvents());
        out.put("min_days", round(learning.minHistory().toMillis() / DAY_MILLIS));
        // Baseline rules (rate spike, new context) judge only once this is true.
        out.put("complete", learning.isOverFor(profile, now));
        return out;
    }

    private static Map<String, Object> profile(UserProfile profile) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("first_seen", Instant.ofEpochMilli(profile.firstSeen()).toString());
        out.put("last_seen", Instant.ofEpochMilli(profile.lastSeen()).toString());
        out.put("events", profile.events());
        out.put("countries", sightings(profile.countries(), c -> c));
        out.put("networks", hashed(profile.networks()));
        out.put("devices", hashed(profile.devices()));
        out.put("user_agent_families",
                sightings(profile.userAgents(), (UaFamily f) -> f.name().toLowerCase(Locale.ROOT)));
        out.put("hour_histogram_utc", hours(profile.hours()));
        out.put("places", places(profile.places()));
        out.put("rates", rates(profile.routes()));
        if (profile.throttledUntil() != 0) {
            out.put("throttled_until", Instant.ofEpochMilli(profile.throttledUntil()).toString());
        }
        if (profile.revokedToken() != 0) {
            out.put("revoked_token_id", hash(profile.revokedToken()));
        }
        return out;
    }

    private static <K> List<Map<String, Object>> sightings(LastSeen<K> seen, Function<K, String> show) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LastSeen.Sighting<K> s : seen.entries()) {
            out.add(Map.of("value", show.apply(s.value()), "last_seen", Instant.ofEpochMilli(s.lastSeen()).toString()));
        }
        return out;
    }

    private static Map<String, Object> hashed(LastSeen<Long> seen) {
        return Map.of("count", seen.size(), "entries", sightings(seen, SubjectExplainer::hash));
    }

    private static List<Double> hours(HourHistogram hours) {
        List<Double> out = new ArrayList<>(HourHistogram.HOURS);
        for (float bin : hours.bins()) {
            out.add(round(bin));
        }
        return out;
    }

    private static List<Map<String, Object>> places(List<Place> places) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Place p : places) {
            Map<String, Object> place = new LinkedHashMap<>();
            place.put("lat", p.lat());
            place.put("lon", p.lon());
            place.put("country", p.country());
            place.put("network", hash(p.network()));
            place.put("last_seen", Instant.ofEpochMilli(p.lastSeen()).toString());
            out.add(place);
        }
        return out;
    }

    private static List<Map<String, Object>> rates(List<UserProfile.RouteRate> routes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (UserProfile.RouteRate route : routes) {
            DecayedRate rate = route.rate();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("route_class", route.routeClass());
            r.put("mean_per_interval", round(rate.mean()));
            r.put("std_dev", round(rate.stdDev()));
            r.put("intervals_learned", rate.intervals());
            r.put("current_interval_start", Instant.ofEpochMilli(rate.currentStart()).toString());
            r.put("current_count", rate.currentCount());
            out.add(r);
        }
        return out;
    }

    private static String hash(long value) {
        return "fnv1a64:" + String.format(Locale.ROOT, "%016x", value);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
