package io.tokenwatch.filter.revocation;

import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Revocation;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The filter's in-memory copy of the compacted revocation topic: which tokens, subjects and client
 * addresses are blocked right now. Fed by {@link RevocationListener}; read on every request.
 *
 * <p>Entries are applied by their canonical scope key (DESIGN.md §3), so a later record for a key
 * replaces the earlier one and a tombstone removes it, exactly as compaction does. Entries past
 * their {@code expires_at} no longer match even before their tombstone arrives.
 *
 * <p>Thread-safe: one writer (the listener) and any number of request threads; lookups are
 * lock-free map reads.
 */
public final class RevocationView {

    /** {@code jti|iss|jti} → expires_at (epoch ms). */
    private final ConcurrentMap<String, Long> tokens = new ConcurrentHashMap<>();
    /** {@code sub|iss|sub} → the cutoff and expiry of a subject-wide revocation. */
    private final ConcurrentMap<String, SubjectCutoff> subjects = new ConcurrentHashMap<>();
    /** {@code ip|addr} → expires_at (epoch ms), exact addresses only. */
    private final ConcurrentMap<String, Long> addresses = new ConcurrentHashMap<>();
    private final Clock clock;

    public RevocationView(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Applies one record of the revocation topic: a value revokes, {@code null} (a tombstone) lifts.
     * Records whose key does not match their value's canonical key are ignored, so a mis-keyed record
     * cannot shadow or lift another entry.
     *
     * @return true if the record was applied
     */
    public boolean apply(String key, Revocation revocation) {
        Objects.requireNonNull(key, "key");
        if (revocation == null) {
            return lift(key);
        }
        if (!key.equals(revocation.key())) {
            return false;
        }
        if (revocation.action() != Revocation.Action.BLOCK) {
            // Throttle and step-up are enforced by later layers (rate limiting), not by blocking.
            return false;
        }
        switch (revocation.scope()) {
            case JTI -> tokens.put(key, revocation.expiresAt());
            case SUBJECT -> subjects.put(key, new SubjectCutoff(revocation.notBefore(), revocation.expiresAt()));
            case IP -> {
                if (revocation.value().indexOf('/') >= 0) {
                    // CIDR blocks arrive with the full enforcement layer; exact addresses only here.
                    return false;
                }
                addresses.put(key, revocation.expiresAt());
            }
        }
        return true;
    }

    private boolean lift(String key) {
        return tokens.remove(key) != null | subjects.remove(key) != null | addresses.remove(key) != null;
    }

    /**
     * Why a verified token from {@code clientIp} must be refused, or empty if nothing revokes it.
     */
    public Optional<Match> check(TokenClaims claims, String clientIp) {
        long now = clock.millis();
        if (clientIp != null && isLive(addresses.get("ip|" + clientIp), now)) {
            return Optional.of(Match.IP);
        }
        if (claims == null || claims.issuer() == null) {
            return Optional.empty();
        }
        if (claims.jti() != null && isLive(tokens.get(Keys.jti(claims.issuer(), claims.jti())), now)) {
            return Optional.of(Match.TOKEN);
        }
        if (claims.subject() != null) {
            SubjectCutoff cutoff = subjects.get(Keys.subjectScope(claims.issuer(), claims.subject()));
            if (cutoff != null && cutoff.expiresAt > now && cutoff.covers(claims.issuedAt())) {
                return Optional.of(Match.SUBJECT);
            }
        }
        return Optional.empty();
    }

    /** True if requests from {@code clientIp} are blocked, whatever token they carry. */
    public boolean isBlocked(String clientIp) {
        return clientIp != null && isLive(addresses.get("ip|" + clientIp), clock.millis());
    }

    private static boolean isLive(Long expiresAt, long now) {
        return expiresAt != null && expiresAt > now;
    }

    /** Number of entries held (live or not yet removed). */
    public int size() {
        return tokens.size() + subjects.size() + addresses.size();
    }

    /** Which kind of entry refused a request. */
    public enum Match { TOKEN, SUBJECT, IP }

    /**
     * A subject-wide revocation: tokens issued at or before {@code notBefore} are refused.
     * A token without {@code iat} cannot prove it was issued after the cutoff and is refused too.
     */
    private record SubjectCutoff(long notBefore, long expiresAt) {
        boolean covers(Instant issuedAt) {
            return issuedAt == null || issuedAt.toEpochMilli() <= notBefore;
        }
    }
}
