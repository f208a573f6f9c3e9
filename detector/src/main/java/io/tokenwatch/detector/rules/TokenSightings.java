package io.tokenwatch.detector.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Value of the token-replay store: where one token was recently used from, and whether it has
 * already been revoked (so one replay yields one alert and one revocation). Immutable.
 *
 * @param issuer    the token's issuer
 * @param jti       the token's id
 * @param subject   the token's subject
 * @param expiresAt the token's {@code exp}, epoch ms, or null
 * @param uses      the latest use per network, newest last
 * @param revokedAt when this rule revoked the token, epoch ms, or null
 */
public record TokenSightings(String issuer, String jti, String subject, Long expiresAt, List<Use> uses,
                             Long revokedAt) {

    public TokenSightings {
        uses = uses == null ? List.of() : List.copyOf(uses);
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

    /** Records a use, dropping uses older than {@code since} and keeping at most {@code max} networks. */
    TokenSightings withUse(Use use, long since, int max) {
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
        return new TokenSightings(issuer, jti, subject, expiresAt, kept, revokedAt);
    }

    TokenSightings revoked(long at) {
        return new TokenSightings(issuer, jti, subject, expiresAt, uses, at);
    }

    long lastSeen() {
        return uses.isEmpty() ? 0 : uses.get(uses.size() - 1).lastSeen();
    }
}
