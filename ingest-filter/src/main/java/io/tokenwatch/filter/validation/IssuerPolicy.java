package io.tokenwatch.filter.validation;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one trusted issuer's tokens must satisfy. Build one with {@link #builder(String, Set, KeyRing)}
 * or take the defaults with {@link #of(String, Set, KeyRing)}. Inconsistent settings (an unknown
 * algorithm, an allow-list no key can serve, a skew above five minutes) are refused here, at start-up.
 *
 * <p>Immutable and thread-safe.
 *
 * @param issuer         exact {@code iss} value
 * @param audiences      accepted {@code aud} values (at least one)
 * @param keys           this issuer's verification keys, each bound to one algorithm
 * @param clockSkew      tolerance for {@code exp}/{@code nbf}/{@code iat}; at most {@link #MAX_CLOCK_SKEW}
 * @param maxTokenBytes  tokens longer than this are rejected before any decoding
 * @param algorithms     the algorithms this issuer signs with: a token must use one of these and the one
 *                       its key is bound to. Never empty: defaults to every algorithm of {@code keys}
 * @param requiredClaims claims every token must carry, beyond {@code exp}, {@code iss} and {@code aud},
 *                       which are always required
 * @param type           the {@code typ} header tokens must carry (e.g. {@code at+jwt}), or {@code null}
 *                       to accept any
 * @param maxLifetime    the longest {@code exp - iat} accepted
 */
public record IssuerPolicy(String issuer, Set<String> audiences, KeyRing keys, Duration clockSkew,
                           int maxTokenBytes, Set<String> algorithms, Set<String> requiredClaims, String type,
                           Duration maxLifetime) {

    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** A skew this large would quietly extend every token's life; refuse to configure more. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_TOKEN_BYTES = 8 * 1024;
    /** Access tokens are meant to be short-lived (RFC 6819 §5.1.5.3); a day is already generous. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(24);

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
        algorithms = Set.copyOf(algorithms == null || algorithms.isEmpty() ? keys.algorithms() : algorithms);
        for (String alg : algorithms) {
            // RFC 8725 §3.1: an allow-list of real signature algorithms; "none" is never one.
            if (!KeyBinding.isSupportedAlgorithm(alg)) {
                throw new IllegalArgumentException("not a supported JWS algorithm: " + alg);
            }
        }
        if (usableAlgorithms(algorithms, keys).isEmpty()) {
            throw new IllegalArgumentException("no key is bound to any of the allowed algorithms " + algorithms
                    + " (keys: " + keys.algorithms() + "); no token could ever validate");
        }
        requiredClaims = Set.copyOf(requiredClaims == null ? Set.of() : requiredClaims);
        if (requiredClaims.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("a required claim name must not be blank");
        }
        if (type != null && type.isBlank()) {
            throw new IllegalArgumentException("type must be null (not checked) or a media type such as at+jwt");
        }
        Objects.requireNonNull(maxLifetime, "maxLifetime");
        if (maxLifetime.isNegative() || maxLifetime.isZero()) {
            throw new IllegalArgumentException("max lifetime must be positive");
        }
    }

    /**
     * The original five-part policy: every algorithm of {@code keys}, no extra required claims, any
     * {@code typ}, the default maximum lifetime.
     */
    public IssuerPolicy(String issuer, Set<String> audiences, KeyRing keys, Duration clockSkew, int maxTokenBytes) {
        this(issuer, audiences, keys, clockSkew, maxTokenBytes, Set.of(), Set.of(), null, DEFAULT_MAX_LIFETIME);
    }

    /** A policy with every default: 60 s skew, 8 KiB size cap, the keys' algorithms, 24 h lifetime. */
    public static IssuerPolicy of(String issuer, Set<String> audiences, KeyRing keys) {
        return builder(issuer, audiences, keys).build();
    }

    /** Starts a policy for {@code issuer} with every default; each builder method changes one thing. */
    public static Builder builder(String issuer, Set<String> audiences, KeyRing keys) {
        return new Builder(issuer, audiences, keys);
    }

    /** The algorithms a token may actually use: allowed by this policy and bound to some key. */
    Set<String> usableAlgorithms() {
        return usableAlgorithms(algorithms, keys);
    }

    private static Set<String> usableAlgorithms(Set<String> allowed, KeyRing keys) {
        Set<String> usable = new TreeSet<>(allowed);
        usable.retainAll(keys.algorithms());
        return usable;
    }

    /** Builds an {@link IssuerPolicy}; not thread-safe, use one per policy. */
    public static final class Builder {

        private final String issuer;
        private final Set<String> audiences;
        private final KeyRing keys;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private int maxTokenBytes = DEFAULT_MAX_TOKEN_BYTES;
        private Set<String> algorithms = Set.of();
        private final Set<String> requiredClaims = new HashSet<>();
        private String type;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;

        private Builder(String issuer, Set<String> audiences, KeyRing keys) {
            this.issuer = issuer;
            this.audiences = audiences;
            this.keys = keys;
        }

        public Builder clockSkew(Duration skew) {
            this.clockSkew = skew;
            return this;
        }

        public Builder maxTokenBytes(int bytes) {
            this.maxTokenBytes = bytes;
            return this;
        }

        /** Only these algorithms, on top of each key's own binding: ES256 only, say, even with an RS256 key loaded. */
        public Builder algorithms(String... algs) {
            this.algorithms = Set.copyOf(Arrays.asList(algs));
            return this;
        }

        /** Claims every token must carry, e.g. {@code sub}, {@code jti}, {@code client_id} (RFC 9068 §2.2). */
        public Builder requiredClaims(String... names) {
            requiredClaims.addAll(Arrays.asList(names));
            return this;
        }

        /**
         * The {@code typ} header every token must carry, compared case-insensitively with or without
         * {@code application/}: {@code at+jwt} for OAuth access tokens (RFC 9068 §2.1).
         */
        public Builder type(String mediaType) {
            this.type = mediaType;
            return this;
        }

        /**
         * The longest lifetime accepted ({@code exp - iat}). Setting it also makes {@code iat} required,
         * since a lifetime cannot be checked without knowing when the token was issued.
         */
        public Builder maxLifetime(Duration lifetime) {
            this.maxLifetime = lifetime;
            requiredClaims.add("iat");
            return this;
        }

        public IssuerPolicy build() {
            return new IssuerPolicy(issuer, audiences, keys, clockSkew, maxTokenBytes, algorithms, requiredClaims,
                    type, maxLifetime);
        }
    }
}
