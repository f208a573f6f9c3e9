package io.tokenwatch.filter.validation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.tokenwatch.schemas.Outcome;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Remembers validation results by token fingerprint, so a repeated token skips the signature work.
 *
 * <ul>
 *   <li>Positive entries hold the verified claims of a valid token and expire at the token's
 *       {@code exp}, never later: an expired token is always validated afresh.</li>
 *   <li>Negative entries remember, for a short time, that a token failed at the signature layer
 *       ({@code bad_signature}, {@code alg_not_allowed}, {@code malformed}), so a
 *       flood of one forged token costs one verification, not one per request.</li>
 * </ul>
 *
 * <p>Keys are SHA-256 fingerprints, never the token itself. Both caches are bounded. What comes after
 * validation (revocation, rate limits) is not cached and applies on every request.
 *
 * <p>Thread-safe.
 */
public final class VerifiedTokenCache {

    public static final int DEFAULT_MAX_VERIFIED = 100_000;
    public static final int DEFAULT_MAX_REJECTED = 10_000;
    public static final Duration DEFAULT_REJECTED_TTL = Duration.ofSeconds(30);

    /** Fingerprint → the success result of a valid token, answered as is on a hit. */
    private final Cache<String, ValidationResult> verified;
    /** Fingerprint → the remembered signature-level failure. */
    private final Cache<String, ValidationResult> rejected;
    private final Clock clock;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();

    public VerifiedTokenCache(Clock clock) {
        this(clock, DEFAULT_MAX_VERIFIED, DEFAULT_MAX_REJECTED, DEFAULT_REJECTED_TTL);
    }

    /**
     * @param clock        time source; also drives expiry, so tests can move time
     * @param maxVerified  most valid tokens remembered
     * @param maxRejected  most forged or garbage tokens remembered
     * @param rejectedTtl  how long a signature-level failure is remembered
     */
    public VerifiedTokenCache(Clock clock, int maxVerified, int maxRejected, Duration rejectedTtl) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.verified = Caffeine.newBuilder()
                .maximumSize(maxVerified)
                .ticker(() -> clock.millis() * 1_000_000L)
                .executor(Runnable::run)
                .expireAfter(new UntilTokenExpiry(clock))
                .build();
        this.rejected = Caffeine.newBuilder()
                .maximumSize(maxRejected)
                .ticker(() -> clock.millis() * 1_000_000L)
                .executor(Runnable::run)
                .expireAfterWrite(rejectedTtl)
                .build();
    }

    /** The remembered result for a token fingerprint, if any. */
    public Optional<ValidationResult> lookup(String fingerprint) {
        return Optional.ofNullable(find(fingerprint));
    }

    /**
     * The remembered result for a token fingerprint, or {@code null}: {@link #lookup} without the
     * wrapper, for the request path. A hit allocates nothing.
     */
    public ValidationResult find(String fingerprint) {
        ValidationResult valid = verified.getIfPresent(fingerprint);
        // RFC 7519 §4.1.4: never past exp, whatever the cache's own expiry has got round to.
        if (valid != null && clock.millis() < valid.claims().expiresAt().toEpochMilli()) {
            hits.increment();
            return valid;
        }
        ValidationResult failure = rejected.getIfPresent(fingerprint);
        if (failure != null) {
            hits.increment();
            return failure;
        }
        misses.increment();
        return null;
    }

    /** Remembers a fresh result: valid tokens until they expire, signature-level failures briefly. */
    public void remember(ValidationResult result) {
        TokenClaims claims = result.claims();
        if (result.isValid()) {
            if (claims.expiresAt() != null) {
                verified.put(claims.fingerprint(), result);
            }
        } else if (result.outcome().isForgerySignal() && result.outcome() != Outcome.UNKNOWN_KEY) {
            // Not unknown_key: a JWKS refresh can make the kid known, and finding a kid costs no crypto.
            // Only the fingerprint is kept: the claims of a forgery are the attacker's words.
            rejected.put(claims.fingerprint(), ValidationResult.failure(result.outcome(),
                    TokenClaims.unreadable(claims.fingerprint()), List.of("remembered signature-level failure")));
        }
        // Claim-level failures (expired, audience, ...) are cheap to find again and may change with
        // time or configuration; they are not remembered.
    }

    /** Lookups answered from the cache. */
    public long hitCount() {
        return hits.sum();
    }

    /** Lookups that found nothing. */
    public long missCount() {
        return misses.sum();
    }

    /** Valid tokens held. */
    public long verifiedSize() {
        verified.cleanUp();
        return verified.estimatedSize();
    }

    /** Rejected tokens held. */
    public long rejectedSize() {
        rejected.cleanUp();
        return rejected.estimatedSize();
    }

    /** A verified entry lives until the token's own {@code exp}. */
    private static final class UntilTokenExpiry implements Expiry<String, ValidationResult> {
        private final Clock clock;

        UntilTokenExpiry(Clock clock) {
            this.clock = clock;
        }

        @Override
        public long expireAfterCreate(String key, ValidationResult result, long currentTime) {
            long millis = result.claims().expiresAt().toEpochMilli() - clock.millis();
            return Math.max(0, millis) * 1_000_000L;
        }

        @Override
        public long expireAfterUpdate(String key, ValidationResult result, long currentTime, long currentDuration) {
            return expireAfterCreate(key, result, currentTime);
        }

        @Override
        public long expireAfterRead(String key, ValidationResult result, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
