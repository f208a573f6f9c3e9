package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.NetworkTrail;
import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Alert;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Concurrent use, shown by interleaving: one token, or one device id, alternating between two client
 * networks ({@link io.tokenwatch.detector.profile.NetworkIdentity}) within {@code window} — A, then B,
 * then A again. One holder moves from one network to another and stays; two holders of one token (or of
 * a copied device id and user agent) take turns. Distance plays no part, so this is what catches
 * same-city theft, where the only difference between victim and thief is the network.
 *
 * <p>A single switch (Wi-Fi to mobile data) is never interleaving. Where switching back and forth is
 * ordinary — either network mobile, anonymous (a VPN toggled), corporate (egress pools, split VPNs) or
 * of unknown kind — one return is not enough: the holder must switch three times within the window
 * (B, A, B, A). Only two steady home lines (cable, DSL) alternating once count at once. The trails are
 * per holder, so a phone and a laptop on different networks at once are not interleaving.
 *
 * <p>One strong {@link SignalFamily#HOLDERS holders} signal: containment needs another family
 * besides (e.g. the thief's never-seen network). Needs no baseline. Immutable; evaluation is
 * stateless.
 *
 * @param minDistanceKm kept for configuration compatibility; interleaving ignores distance
 * @param window        how recent the earlier hops must be
 */
public record ConcurrentUseRule(double minDistanceKm, Duration window) {

    public static final String NAME = "concurrent_use";
    public static final String VERSION = "2";

    public ConcurrentUseRule {
        if (!(minDistanceKm > 0)) {
            throw new IllegalArgumentException("min distance must be positive");
        }
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive");
        }
    }

    /** Returns within 10 minutes. */
    public static ConcurrentUseRule defaults() {
        return new ConcurrentUseRule(500, Duration.ofMinutes(10));
    }

    public ConcurrentUseRule withMinDistanceKm(double value) {
        return new ConcurrentUseRule(value, window);
    }

    public ConcurrentUseRule withWindow(Duration value) {
        return new ConcurrentUseRule(minDistanceKm, value);
    }

    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation) {
        Optional<ProfileFinding> byDevice = observation.deviceHash() == null ? Optional.empty()
                : judge(profile, observation, observation.deviceHash(), "device");
        if (byDevice.isPresent()) {
            return byDevice;
        }
        return observation.tokenHash() == null ? Optional.empty()
                : judge(profile, observation, observation.tokenHash(), "token");
    }

    private Optional<ProfileFinding> judge(UserProfile profile, Observation observation, long holder, String kind) {
        Optional<NetworkTrail> found = profile.trailOf(holder);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        List<NetworkTrail.Hop> hops = found.get().hops();
        int n = hops.size();
        if (n < 2 || hops.get(n - 1).network() == observation.networkHash()) {
            return Optional.empty();
        }
        long now = observation.time();
        long windowMillis = window.toMillis();
        NetworkTrail.Hop away = hops.get(n - 1);
        NetworkTrail.Hop before = hops.get(n - 2);
        if (before.network() != observation.networkHash() || now - before.lastSeen() > windowMillis) {
            return Optional.empty();
        }
        int switches = 2;
        boolean wobbly = observation.isWobbly() || away.wobbly();
        if (wobbly) {
            if (n < 3 || hops.get(n - 3).network() != away.network() || now - hops.get(n - 3).lastSeen() > windowMillis) {
                return Optional.empty();
            }
            switches = 3;
        }
        long back = now - before.lastSeen();
        String observed = String.format(Locale.ROOT,
                "one %s alternated between two networks %d times within %s (back on %s after a request from "
                        + "another network)", kind, switches, ImpossibleTravelRule.describeElapsed(back),
                observation.network());
        Figures figures = new Figures("network_switches", switches, observed, 1,
                "one holder switches network once and stays (Wi-Fi to mobile data)", wobbly ? 3 : 2,
                String.format(Locale.ROOT, "%d switches within %s (3 where a network is mobile, corporate, "
                        + "anonymous or of unknown kind)", wobbly ? 3 : 2, Findings.describe(window)));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("holder", kind);
        details.put("switches", switches);
        details.put("network", observation.network());
        details.put("other_network_time", away.lastSeen());
        details.put("previous_time_here", before.lastSeen());
        return Optional.of(new ProfileFinding(NAME, VERSION, Alert.Severity.HIGH,
                "Token or device used from two networks in turn",
                "One token or one device id alternates between two networks within minutes: two parties are "
                        + "using it at the same time (a copied token, or a copied device id and user agent).",
                observed, figures, List.of(), List.of(ProfileFinding.TOKEN_USE), details,
                List.of(new Signal("interleaving", SignalFamily.HOLDERS, Signal.Strength.STRONG))));
    }
}
