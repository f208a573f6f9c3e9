package io.tokenwatch.filter.revocation;

import io.tokenwatch.filter.clientip.Cidr;
import io.tokenwatch.filter.clientip.IpAddress;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Revocation;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The filter's in-memory copy of the compacted revocation topic: which tokens, subjects and client
 * addresses are blocked right now. Fed by {@link RevocationListener}; read on every request.
 *
 * <p>Entries are applied by their canonical scope key (DESIGN.md §3), so a later record for a key
 * replaces the earlier one and a tombstone removes it, exactly as compaction does. Entries past
 * their {@code expires_at} no longer match even before their tombstone arrives.
 *
 * <p>{@code throttle} records (subject or exact-address scope) do not block: they are handed to the
 * registered {@link ThrottleListener}s ({@link #onThrottle(ThrottleListener)}), which tighten rate
 * limits until the record's {@code expires_at}. The last record under a key wins, whatever its action,
 * as it will once compaction has run: a throttle published under a blocked key replaces the block, a
 * block replaces a throttle (the listeners hear it lifted), and a tombstone lifts either. Records with
 * an action this view does not enforce ({@code step_up}, throttles of a single token or a CIDR) are
 * ignored and leave any existing entry in place.
 *
 * <p>Thread-safe: one writer (the listener) and any number of request threads; lookups are
 * lock-free map reads. Throttle changes and listener registration are serialized on one lock, so a
 * listener registered while records arrive sees every throttle exactly once in order.
 */
public final class RevocationView {

    private static final Logger LOG = LoggerFactory.getLogger(RevocationView.class);

    /** {@code jti|iss|jti} → expires_at (epoch ms), as compact fingerprints. */
    private final RevokedTokens tokens = new RevokedTokens();
    /** {@code sub|iss|sub} → the cutoff and expiry of a subject-wide revocation. */
    private final ConcurrentMap<String, SubjectCutoff> subjects = new ConcurrentHashMap<>();
    /** {@code ip|addr} → expires_at (epoch ms), exact addresses only. */
    private final ConcurrentMap<String, Long> addresses = new ConcurrentHashMap<>();
    /** {@code ip|net/prefix} → a blocked network and its expires_at; few entries, scanned per request. */
    private final ConcurrentMap<String, NetworkBlock> networks = new ConcurrentHashMap<>();
    /** {@code sub|iss|sub} or {@code ip|addr} → the live throttle under that key. */
    private final ConcurrentMap<String, Throttle> throttles = new ConcurrentHashMap<>();
    private final List<ThrottleListener> throttleListeners = new CopyOnWriteArrayList<>();
    private final Object throttleLock = new Object();
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
        return switch (revocation.action()) {
            case BLOCK -> block(key, revocation);
            case THROTTLE -> throttle(key, revocation);
            // Step-up is answered by the service's login flow, not by this view.
            case STEP_UP -> false;
        };
    }

    /**
     * Registers a listener for throttle commands and replays to it every throttle live now, so the
     * order of start-up (view replay vs. rate limiter creation) does not matter.
     */
    public void onThrottle(ThrottleListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (throttleLock) {
            throttleListeners.add(listener);
            long now = clock.millis();
            for (Throttle throttle : throttles.values()) {
                if (throttle.isLiveAt(now)) {
                    notify(listener, throttle, true);
                }
            }
        }
    }

    private boolean block(String key, Revocation revocation) {
        switch (revocation.scope()) {
            case JTI -> tokens.put(key, revocation.expiresAt());
            case SUBJECT -> subjects.put(key, new SubjectCutoff(revocation.notBefore(), revocation.expiresAt()));
            case IP -> {
                if (revocation.value().indexOf('/') >= 0) {
                    Cidr network;
                    try {
                        network = Cidr.parse(revocation.value());
                    } catch (IllegalArgumentException e) {
                        // E.g. host bits set ("10.0.0.1/8"): ambiguous, so not guessed at.
                        return false;
                    }
                    networks.put(key, new NetworkBlock(network, revocation.expiresAt()));
                } else {
                    addresses.put(key, revocation.expiresAt());
                }
            }
        }
        endThrottle(key);
        return true;
    }

    private boolean throttle(String key, Revocation revocation) {
        if (revocation.scope() == Revocation.Scope.JTI || revocation.value().indexOf('/') >= 0) {
            // Buckets are per subject and per address; a single token or a network has none to tighten.
            return false;
        }
        Throttle throttle = Throttle.of(revocation);
        synchronized (throttleLock) {
            removeBlocks(key);
            throttles.put(key, throttle);
            for (ThrottleListener listener : throttleListeners) {
                notify(listener, throttle, true);
            }
        }
        return true;
    }

    private boolean lift(String key) {
        return removeBlocks(key) | endThrottle(key);
    }

    private boolean removeBlocks(String key) {
        return (RevokedTokens.isTokenKey(key) && tokens.remove(key)) | subjects.remove(key) != null | addresses.remove(key) != null
                | networks.remove(key) != null;
    }

    private boolean endThrottle(String key) {
        if (!throttles.containsKey(key)) {
            return false;
        }
        synchronized (throttleLock) {
            Throttle ended = throttles.remove(key);
            if (ended == null) {
                return false;
            }
            for (ThrottleListener listener : throttleListeners) {
                notify(listener, ended, false);
            }
            return true;
        }
    }

    private static void notify(ThrottleListener listener, Throttle throttle, boolean started) {
        try {
            if (started) {
                listener.throttled(throttle);
            } else {
                listener.lifted(throttle);
            }
        } catch (RuntimeException e) {
            // One broken listener must not stop the view or the other listeners.
            LOG.error("throttle listener {} failed on {}: {}", listener, throttle.key(), e.toString());
        }
    }

    /**
     * Why a verified token from {@code clientIp} must be refused, or empty if nothing revokes it.
     */
    public Optional<Match> check(TokenClaims claims, String clientIp) {
        long now = clock.millis();
        if (addressBlocked(clientIp, now)) {
            return Optional.of(Match.IP);
        }
        if (claims == null || claims.issuer() == null) {
            return Optional.empty();
        }
        if (claims.jti() != null && isLive(tokens.expiresAt(claims.issuer(), claims.jti()), now)) {
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
        return addressBlocked(clientIp, clock.millis());
    }

    private boolean addressBlocked(String clientIp, long now) {
        if (clientIp == null) {
            return false;
        }
        if (isLive(addresses.get("ip|" + clientIp), now)) {
            return true;
        }
        if (networks.isEmpty()) {
            return false;
        }
        Optional<IpAddress> address = IpAddress.tryParse(clientIp);
        if (address.isEmpty()) {
            return false;
        }
        for (NetworkBlock block : networks.values()) {
            if (block.expiresAt() > now && block.network().contains(address.get())) {
                return true;
            }
        }
        return false;
    }

    /** A blocked network (CIDR) and when the block ends. */
    private record NetworkBlock(Cidr network, long expiresAt) {
    }

    private static boolean isLive(Long expiresAt, long now) {
        return expiresAt != null && expiresAt > now;
    }

    /** Number of entries held, blocks and throttles (live or not yet removed). */
    public int size() {
        return tokens.size() + subjects.size() + addresses.size() + networks.size() + throttles.size();
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
