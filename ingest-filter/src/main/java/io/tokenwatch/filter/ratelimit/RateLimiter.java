package io.tokenwatch.filter.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.tokenwatch.filter.clientip.IpAddress;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Limit;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Rule;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Scope;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.revocation.Throttle;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.filter.revocation.ThrottleListener;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Token buckets (Bucket4j) per scope and route rule: one bucket per verified subject
 * ({@code sub:<iss>|<sub>}) and one per client address ({@code ip:<addr>}) for every rule of the
 * {@link RateLimitPolicy} they hit.
 *
 * <h2>Bounded memory</h2>
 * Buckets live in a Caffeine cache with a maximum size and expire after being idle for at least the
 * longest window of the policy. That idle time is chosen so expiry gives nothing away: a bucket left
 * alone for a whole window has refilled completely, so dropping it and later making a fresh, full one
 * is the same bucket. Eviction by size under a flood of distinct clients can reset a partly drained
 * bucket; the size bound is the price of not running out of memory.
 *
 * <h2>IPv6</h2>
 * One IPv6 host usually controls a whole /64, so address buckets are keyed by the /64 by default
 * ({@link Builder#ipv6PrefixLength(int)}): rotating source addresses inside it gains nothing.
 *
 * <h2>Throttles</h2>
 * {@link #throttle(String, double, Instant)} tightens every bucket of one scope key to
 * {@code factor × capacity} (at least 1) until an instant; {@link #followThrottles(RevocationView)}
 * does it for every {@code throttle} command of the revocation topic, with the configured
 * {@link Builder#throttleFactor(double) factor}, and lifts it on the tombstone. The change is applied
 * to the live bucket with Bucket4j's {@link TokensInheritanceStrategy#PROPORTIONALLY}: a client that
 * had used half its quota keeps half of the tightened one, rather than getting a fresh bucket. When the
 * throttle expires or is lifted, the bucket is widened back the same way.
 *
 * <p>All time comes from the injected {@link Clock}, for Bucket4j (a {@link TimeMeter}) and for the
 * cache's idle expiry alike. Cache maintenance runs on the calling thread.
 *
 * <p>Thread-safe: buckets are Bucket4j's lock-free local buckets; a configuration change to one bucket
 * is serialized on that bucket.
 */
public final class RateLimiter {

    public static final double DEFAULT_THROTTLE_FACTOR = 0.1;
    public static final long DEFAULT_MAXIMUM_BUCKETS = 100_000;
    public static final int DEFAULT_IPV6_PREFIX_LENGTH = 64;

    private static final String SUBJECT_PREFIX = "sub:";
    private static final String IP_PREFIX = "ip:";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final RateLimitPolicy policy;
    private final Clock clock;
    private final TimeMeter timeMeter;
    private final Cache<BucketKey, Entry> buckets;
    /** Scope key → the throttle in force for it. */
    private final ConcurrentMap<String, ActiveThrottle> throttles = new ConcurrentHashMap<>();
    private final double throttleFactor;
    private final int ipv6PrefixLength;
    private final Set<RevocationView> followed = Collections.newSetFromMap(new IdentityHashMap<>());

    private RateLimiter(Builder builder) {
        this.policy = builder.policy;
        this.clock = builder.clock;
        this.timeMeter = new ClockTimeMeter(clock);
        this.throttleFactor = builder.throttleFactor;
        this.ipv6PrefixLength = builder.ipv6PrefixLength;
        Duration idle = builder.idleExpiry != null ? builder.idleExpiry : defaultIdle(policy);
        this.buckets = Caffeine.newBuilder()
                .maximumSize(builder.maximumBuckets)
                .expireAfterAccess(idle)
                .ticker(() -> clock.millis() * 1_000_000L)
                .executor(Runnable::run)
                .build();
    }

    /** A limiter with the default size bound, idle expiry, throttle factor and IPv6 prefix. */
    public RateLimiter(RateLimitPolicy policy, Clock clock) {
        this(builder(policy, clock));
    }

    public static Builder builder(RateLimitPolicy policy, Clock clock) {
        return new Builder(policy, clock);
    }

    // --- keys -----------------------------------------------------------------------------------

    /** The scope key of a verified subject: {@code sub:<iss>|<sub>}. */
    public static String subjectKey(String issuer, String subject) {
        return SUBJECT_PREFIX + Objects.requireNonNull(issuer, "issuer") + "|"
                + Objects.requireNonNull(subject, "subject");
    }

    /**
     * The scope key of a client address: {@code ip:<addr>}, canonical; IPv6 addresses are keyed by
     * their network ({@code ip:2001:db8:1:2::/64}) unless the prefix length is 128.
     *
     * @throws IllegalArgumentException if {@code address} is not an address literal
     */
    public String ipKey(String address) {
        if (Keys.isIpv4(Objects.requireNonNull(address, "address"))) {
            // A dotted quad is already the canonical text IpAddress would give back: no parse needed.
            return IP_PREFIX + address;
        }
        IpAddress ip = IpAddress.parse(address);
        if (ip.isIpv4() || ipv6PrefixLength == 128) {
            return IP_PREFIX + ip;
        }
        return IP_PREFIX + ip.mask(ipv6PrefixLength) + "/" + ipv6PrefixLength;
    }

    // --- consuming ------------------------------------------------------------------------------

    /** Takes one token from the subject's bucket for {@code route}; empty if no limit applies. */
    public Optional<RateLimitDecision> tryConsumeForSubject(String issuer, String subject, String route) {
        return consume(subjectKey(issuer, subject), Scope.SUBJECT, route, false);
    }

    /** Takes one token from the address's bucket for {@code route}; empty if no limit applies. */
    public Optional<RateLimitDecision> tryConsumeForIp(String clientIp, String route) {
        return consume(ipKey(clientIp), Scope.IP, route, false);
    }

    /**
     * Whether the address's bucket for {@code route} could admit one more request, without taking a
     * token: lets the filter refuse an exhausted address before spending any work on its token.
     */
    public Optional<RateLimitDecision> probeIp(String clientIp, String route) {
        return consume(ipKey(clientIp), Scope.IP, route, true);
    }

    /** Takes one token from the bucket of {@code scopeKey} ({@code sub:…} or {@code ip:…}) for {@code route}. */
    public Optional<RateLimitDecision> tryConsume(String scopeKey, String route) {
        return consume(scopeKey, scopeOf(scopeKey), route, false);
    }

    private Optional<RateLimitDecision> consume(String scopeKey, Scope scope, String route, boolean probeOnly) {
        Optional<Rule> rule = policy.ruleFor(route);
        if (rule.isEmpty()) {
            return Optional.empty();
        }
        Optional<Limit> base = rule.get().limit(scope);
        if (base.isEmpty()) {
            return Optional.empty();
        }
        Limit wanted = effectiveLimit(base.get(), activeThrottle(scopeKey, clock.millis()));
        BucketKey key = new BucketKey(scopeKey, rule.get().id());
        Entry entry = buckets.getIfPresent(key);
        if (entry == null) {
            entry = buckets.get(key, k -> new Entry(wanted, timeMeter));
        }
        Limit limit = entry.align(wanted);
        String name = rule.get().policyName(scope);
        long window = limit.window().toSeconds();
        if (probeOnly) {
            EstimationProbe probe = entry.bucket.estimateAbilityToConsume(1);
            long remaining = probe.getRemainingTokens();
            long refillNanos = (limit.capacity() - Math.min(remaining, limit.capacity()))
                    * (limit.window().toNanos() / limit.capacity());
            return Optional.of(new RateLimitDecision(probe.canBeConsumed(), remaining, ceilSeconds(refillNanos),
                    probe.canBeConsumed() ? 0 : Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())),
                    name, limit.capacity(), window));
        }
        ConsumptionProbe probe = entry.bucket.tryConsumeAndReturnRemaining(1);
        return Optional.of(new RateLimitDecision(probe.isConsumed(), probe.getRemainingTokens(),
                ceilSeconds(probe.getNanosToWaitForReset()),
                probe.isConsumed() ? 0 : Math.max(1, ceilSeconds(probe.getNanosToWaitForRefill())),
                name, limit.capacity(), window));
    }

    // --- throttles ------------------------------------------------------------------------------

    /**
     * Tightens every bucket of {@code scopeKey} to {@code factor} of its capacity (at least 1) until
     * {@code expiresAt}; replaces an earlier throttle of the same key.
     *
     * @param factor in (0, 1]
     */
    public void throttle(String scopeKey, double factor, Instant expiresAt) {
        scopeOf(scopeKey);
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("factor must be in (0, 1], was " + factor);
        }
        long now = clock.millis();
        throttles.values().removeIf(t -> !t.isLiveAt(now));
        if (expiresAt.toEpochMilli() <= now) {
            throttles.remove(scopeKey);
            return;
        }
        throttles.put(scopeKey, new ActiveThrottle(factor, expiresAt.toEpochMilli()));
    }

    /** Ends the throttle of {@code scopeKey} now; returns whether one was in force. */
    public boolean lift(String scopeKey) {
        ActiveThrottle removed = throttles.remove(scopeKey);
        return removed != null && removed.isLiveAt(clock.millis());
    }

    /** The factor {@code scopeKey} is throttled to right now, if any. */
    public Optional<Double> throttleOf(String scopeKey) {
        ActiveThrottle throttle = activeThrottle(scopeKey, clock.millis());
        return throttle == null ? Optional.empty() : Optional.of(throttle.factor);
    }

    /**
     * Applies every {@code throttle} command of {@code view} (live ones at once, later ones as they
     * arrive) with this limiter's throttle factor, and lifts them on their tombstones. Following the
     * same view twice has no further effect.
     */
    public void followThrottles(RevocationView view) {
        synchronized (followed) {
            if (!followed.add(view)) {
                return;
            }
        }
        view.onThrottle(new ThrottleListener() {
            @Override
            public void throttled(Throttle throttle) {
                throttle(keyOf(throttle), throttleFactor, Instant.ofEpochMilli(throttle.expiresAt()));
            }

            @Override
            public void lifted(Throttle throttle) {
                lift(keyOf(throttle));
            }

            @Override
            public String toString() {
                return "RateLimiter throttles";
            }
        });
    }

    private String keyOf(Throttle throttle) {
        return switch (throttle.scope()) {
            case SUBJECT -> subjectKey(throttle.issuer(), throttle.value());
            case IP -> ipKey(throttle.value());
            case JTI -> throw new IllegalArgumentException("no buckets per token: " + throttle.key());
        };
    }

    private ActiveThrottle activeThrottle(String scopeKey, long now) {
        if (throttles.isEmpty()) {
            return null;
        }
        ActiveThrottle throttle = throttles.get(scopeKey);
        if (throttle == null) {
            return null;
        }
        if (!throttle.isLiveAt(now)) {
            // expires_at is the first instant the throttle no longer applies.
            throttles.remove(scopeKey, throttle);
            return null;
        }
        return throttle;
    }

    private static Limit effectiveLimit(Limit base, ActiveThrottle throttle) {
        return throttle == null ? base : base.scaled(throttle.factor);
    }

    // --- housekeeping ---------------------------------------------------------------------------

    /** Buckets held now, after dropping idle ones. */
    public long bucketCount() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    public RateLimitPolicy policy() {
        return policy;
    }

    private static Scope scopeOf(String scopeKey) {
        Objects.requireNonNull(scopeKey, "scopeKey");
        if (scopeKey.startsWith(SUBJECT_PREFIX)) {
            return Scope.SUBJECT;
        }
        if (scopeKey.startsWith(IP_PREFIX)) {
            return Scope.IP;
        }
        throw new IllegalArgumentException("scope key must start with 'sub:' or 'ip:': " + scopeKey);
    }

    private static long ceilSeconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    }

    private static Duration defaultIdle(RateLimitPolicy policy) {
        Duration longest = policy.longestWindow();
        return longest.isZero() ? Duration.ofMinutes(1) : longest;
    }

    private static BucketConfiguration configuration(Limit limit) {
        return BucketConfiguration.builder().addLimit(bandwidth(limit)).build();
    }

    private static Bandwidth bandwidth(Limit limit) {
        return Bandwidth.builder().capacity(limit.capacity()).refillGreedy(limit.capacity(), limit.window()).build();
    }

    private record BucketKey(String scopeKey, String ruleId) {
    }

    private record ActiveThrottle(double factor, long expiresAtMillis) {
        boolean isLiveAt(long now) {
            return now < expiresAtMillis;
        }
    }

    /** One bucket and the limit it is configured with right now. */
    private static final class Entry {

        final Bucket bucket;
        private volatile Limit limit;

        Entry(Limit limit, TimeMeter timeMeter) {
            this.bucket = Bucket.builder().addLimit(bandwidth(limit)).withCustomTimePrecision(timeMeter).build();
            this.limit = limit;
        }

        /** Reconfigures the bucket if a throttle started or ended since it was last used. */
        Limit align(Limit wanted) {
            Limit current = limit;
            if (current.equals(wanted)) {
                return current;
            }
            synchronized (this) {
                if (!limit.equals(wanted)) {
                    bucket.replaceConfiguration(configuration(wanted), TokensInheritanceStrategy.PROPORTIONALLY);
                    limit = wanted;
                }
                return wanted;
            }
        }
    }

    /** Options of a {@link RateLimiter}. Not thread-safe. */
    public static final class Builder {

        private final RateLimitPolicy policy;
        private final Clock clock;
        private long maximumBuckets = DEFAULT_MAXIMUM_BUCKETS;
        private Duration idleExpiry;
        private double throttleFactor = DEFAULT_THROTTLE_FACTOR;
        private int ipv6PrefixLength = DEFAULT_IPV6_PREFIX_LENGTH;

        private Builder(RateLimitPolicy policy, Clock clock) {
            this.policy = Objects.requireNonNull(policy, "policy");
            this.clock = Objects.requireNonNull(clock, "clock");
        }

        /** The most buckets held at once; the least recently useful ones are dropped beyond it. */
        public Builder maximumBuckets(long maximumBuckets) {
            if (maximumBuckets < 1) {
                throw new IllegalArgumentException("maximumBuckets must be >= 1");
            }
            this.maximumBuckets = maximumBuckets;
            return this;
        }

        /**
         * How long an untouched bucket is kept; at least the policy's longest window (shorter would
         * hand back a full bucket before it could have refilled). Default: the longest window.
         */
        public Builder idleExpiry(Duration idleExpiry) {
            if (idleExpiry.compareTo(policy.longestWindow()) < 0) {
                throw new IllegalArgumentException("idle expiry " + idleExpiry + " is shorter than the longest window "
                        + policy.longestWindow() + ": idle buckets would come back full too early");
            }
            this.idleExpiry = idleExpiry;
            return this;
        }

        /** The share of capacity a scope keeps while a revocation-topic throttle is in force; (0, 1]. */
        public Builder throttleFactor(double throttleFactor) {
            if (!(throttleFactor > 0 && throttleFactor <= 1)) {
                throw new IllegalArgumentException("throttleFactor must be in (0, 1], was " + throttleFactor);
            }
            this.throttleFactor = throttleFactor;
            return this;
        }

        /** The IPv6 network size that shares one address bucket; 128 keys every address apart. */
        public Builder ipv6PrefixLength(int ipv6PrefixLength) {
            if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
                throw new IllegalArgumentException("ipv6PrefixLength must be in [1, 128]");
            }
            this.ipv6PrefixLength = ipv6PrefixLength;
            return this;
        }

        public RateLimiter build() {
            return new RateLimiter(this);
        }
    }
}
