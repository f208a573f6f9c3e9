package io.tokenwatch.detector.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Value of the token-replay store: where, and on which devices and in which countries, one token
 * was recently used, and whether it has already been revoked (so one replay yields one alert and one
 * revocation). Each of the three lists holds at most one entry per distinct value, only entries
 * inside the rule's window (as of the latest use) and at most the rule's {@code maxTrackedUses},
 * newest last, so a flood of uses costs a bounded amount of state. Immutable.
 *
 * @param issuer    the token's issuer
 * @param jti       the token's id
 * @param subject   the token's subject
 * @param expiresAt the token's {@code exp}, epoch ms, or null
 * @param uses      the latest use per network, newest last
 * @param revokedAt when this rule revoked the token, epoch ms, or null
 * @param devices   the latest use per device id, newest last (requests without one are not here)
 * @param countries the latest use per country, newest last (requests without one are not here)
 * @param alertedAt when this rule first alerted about the token without revoking it (one sign alone),
 *                  epoch ms, or null; a later corroborated replay then revokes it in an update
 */
public record TokenSightings(String issuer, String jti, String subject, Long expiresAt, List<Use> uses,
                             Long revokedAt, List<Seen> devices, List<Seen> countries, Long alertedAt) {

    /** Longest device id kept; longer ones are cut, so a service sending huge ids cannot bloat state. */
    static final int MAX_DEVICE_ID_CHARS = 128;

    public TokenSightings {
        uses = uses == null ? List.of() : List.copyOf(uses);
        // Absent in values written before devices and countries were tracked.
        devices = devices == null ? List.of() : List.copyOf(devices);
        countries = countries == null ? List.of() : List.copyOf(countries);
    }

    /** A token seen for the first time: nothing remembered yet. */
    static TokenSightings first(String issuer, String jti, String subject, Long expiresAt) {
        return new TokenSightings(issuer, jti, subject, expiresAt, List.of(), null, List.of(), List.of(), null);
    }

    /**
     * One network a token was used from.
     *
     * @param network  the client network (see {@link ClientNetwork})
     * @param ip       the latest client address seen in it
     * @param country  the latest country seen, if a resolver supplied one
     * @param lastSeen the latest use, epoch ms
     */
    public record Use(String network, String ip, String country, long lastSeen) {
    }

    /**
     * One device id or country a token was used from.
     *
     * @param value    the device id or the ISO 3166-1 alpha-2 country code
     * @param ip       the latest client address seen with it
     * @param lastSeen the latest use, epoch ms
     */
    public record Seen(String value, String ip, long lastSeen) {
    }

    /**
     * Records a use from {@code ip} (in {@code network}, on {@code deviceId}, in {@code country}; the
     * last two may be null), dropping whatever is older than {@code since} and keeping at most
     * {@code max} entries per list.
     */
    TokenSightings withUse(Use use, String deviceId, long since, int max) {
        List<Use> kept = new ArrayList<>();
        for (Use u : uses) {
            if (u.lastSeen() >= since && !u.network().equals(use.network())) {
                kept.add(u);
            }
        }
        kept.add(use);
        kept.sort(Comparator.comparingLong(Use::lastSeen));
        if (kept.size() > max) {
            kept = kept.subList(kept.size() - max, kept.size());
        }
        String device = deviceId == null || deviceId.isBlank() ? null
                : deviceId.length() > MAX_DEVICE_ID_CHARS ? deviceId.substring(0, MAX_DEVICE_ID_CHARS) : deviceId;
        Seen deviceSeen = device == null ? null : new Seen(device, use.ip(), use.lastSeen());
        Seen countrySeen = use.country() == null || use.country().isBlank() ? null
                : new Seen(use.country(), use.ip(), use.lastSeen());
        return new TokenSightings(issuer, jti, subject, expiresAt, kept, revokedAt,
                remember(devices, deviceSeen, since, max), remember(countries, countrySeen, since, max), alertedAt);
    }

    private static List<Seen> remember(List<Seen> before, Seen seen, long since, int max) {
        List<Seen> kept = new ArrayList<>();
        for (Seen s : before) {
            if (s.lastSeen() >= since && (seen == null || !s.value().equals(seen.value()))) {
                kept.add(s);
            }
        }
        if (seen != null) {
            kept.add(seen);
        }
        kept.sort(Comparator.comparingLong(Seen::lastSeen));
        return kept.size() > max ? kept.subList(kept.size() - max, kept.size()) : kept;
    }

    TokenSightings revoked(long at) {
        return new TokenSightings(issuer, jti, subject, expiresAt, uses, at, devices, countries, alertedAt);
    }

    TokenSightings alerted(long at) {
        return new TokenSightings(issuer, jti, subject, expiresAt, uses, revokedAt, devices, countries, at);
    }

    long lastSeen() {
        return uses.isEmpty() ? 0 : uses.get(uses.size() - 1).lastSeen();
    }

    /** When the earliest remembered use happened, over all three lists. */
    long firstSeen() {
        long first = uses.isEmpty() ? Long.MAX_VALUE : uses.get(0).lastSeen();
        if (!devices.isEmpty()) {
            first = Math.min(first, devices.get(0).lastSeen());
        }
        if (!countries.isEmpty()) {
            first = Math.min(first, countries.get(0).lastSeen());
        }
        return first == Long.MAX_VALUE ? 0 : first;
    }
}
