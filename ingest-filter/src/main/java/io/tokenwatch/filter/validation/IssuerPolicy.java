package io.tokenwatch.filter.validation;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * What one trusted issuer's tokens must satisfy.
 *
 * @param issuer        exact {@code iss} value
 * @param audiences     accepted {@code aud} values (at least one)
 * @param keys          this issuer's verification keys, each bound to one algorithm
 * @param clockSkew     tolerance for {@code exp}/{@code nbf}; at most {@link #MAX_CLOCK_SKEW}
 * @param maxTokenBytes tokens longer than this are rejected before any decoding
 */
public record IssuerPolicy(String issuer, Set<String> audiences, KeyRing keys, Duration clockSkew,
                           int maxTokenBytes) {

    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** A skew this large would quietly extend every token's life; refuse to configure more. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_TOKEN_BYTES = 8 * 1024;

    public IssuerPolicy {
        Objects.requireNonNull(issuer, "issuer");
        audiences = Set.copyOf(audiences);
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(clockSkew, "clockSkew");
        if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("clock skew must be between 0 and " + MAX_CLOCK_SKEW);
        }
        if (maxTokenBytes < 256) {
            throw new IllegalArgumentException("max token size must be at least 256 bytes");
        }
    }

    /** A policy with the default skew (60 s) and size cap (8 KiB). */
    public static IssuerPolicy of(String issuer, Set<String> audiences, KeyRing keys) {
        return new IssuerPolicy(issuer, audiences, keys, DEFAULT_CLOCK_SKEW, DEFAULT_MAX_TOKEN_BYTES);
    }
}
