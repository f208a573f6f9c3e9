package io.tokenwatch.filter.ratelimit;

import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Limit;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.schemas.Revocation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {

    private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");
    private static final String ISS = "https://issuer.tokenwatch.test";
    private static final String ROUTE = "/api/accounts/{id}";
    private static final String IP = "198.51.100.7";

    private final MutableClock clock = new MutableClock(START);
    private final RateLimitPolicy policy = RateLimitPolicy.builder()
            .route("login", "/oauth/**", Limit.perMinute(3), Limit.perMinute(2))
            .route("api", "/api/**", Limit.perMinute(100), Limit.perMinute(20))
            .build();
    private final RateLimiter limiter = new RateLimiter(policy, clock);

    @Test
    void shouldAdmitUpToCapacityThenRefuse() {
        for (int i = 1; i <= 100; i++) {
            RateLimitDecision d = alice(ROUTE);
            assertThat(d.allowed()).as("request %d", i).isTrue();
            assertThat(d.remaining()).isEqualTo(100 - i);
            assertThat(d.retryAfterSeconds()).isZero();
        }

        RateLimitDecision refused = alice(ROUTE);

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        // 100 per minute refills one token every 0.6 s: try again in 1 s (rounded up), full in 60 s.
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.resetSeconds()).isEqualTo(60);
        assertThat(refused.quota()).isEqualTo(100);
        assertThat(refused.windowSeconds()).isEqualTo(60);
    }

    @Test
    void shouldRefillOverTimeAsTheClockMoves() {
        drain(() -> alice(ROUTE));
        assertThat(alice(ROUTE).allowed()).isFalse();

        clock.advance(Duration.ofMillis(599));
        assertThat(alice(ROUTE).allowed()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(alice(ROUTE).allowed()).isTrue();
        assertThat(alice(ROUTE).allowed()).isFalse();

        clock.advance(Duration.ofSeconds(30));
        RateLimitDecision halfway = alice(ROUTE);
        assertThat(halfway.allowed()).isTrue();
        assertThat(halfway.remaining()).isEqualTo(49);

        clock.advance(Duration.ofHours(1));
        // A greedy bucket refills up to its capacity, never beyond.
        assertThat(alice(ROUTE).remaining()).isEqualTo(99);
    }

    @Test
    void shouldKeepEachRouteRuleInItsOwnBucket() {
        for (int i = 0; i < 3; i++) {
            assertThat(alice("/oauth/token").allowed()).isTrue();
        }
        assertThat(alice("/oauth/token").allowed()).isFalse();
        assertThat(alice("/oauth/authorize").allowed()).as("same rule, same bucket").isFalse();

        assertThat(alice(ROUTE).allowed()).as("another rule").isTrue();
        assertThat(alice(ROUTE).policyName()).isEqualTo("api-subject");
    }

    @Test
    void shouldKeepSubjectsAndAddressesApart() {
        drain(() -> alice(ROUTE));

        assertThat(limiter.tryConsumeForSubject(ISS, "bob", ROUTE).orElseThrow().allowed()).isTrue();
        assertThat(limiter.tryConsumeForSubject("https://other.test", "alice", ROUTE).orElseThrow().allowed()).isTrue();
        RateLimitDecision byAddress = limiter.tryConsumeForIp(IP, ROUTE).orElseThrow();
        assertThat(byAddress.allowed()).isTrue();
        assertThat(byAddress.quota()).isEqualTo(20);
        assertThat(byAddress.policyName()).isEqualTo("api-ip");
    }

    @Test
    void shouldNotLimitRoutesWithoutARuleOrScopesWithoutALimit() {
        RateLimiter subjectsOnly = new RateLimiter(RateLimitPolicy.builder()
                .route("api", "/api/**", Limit.perMinute(1), null).build(), clock);

        assertThat(limiter.tryConsumeForSubject(ISS, "alice", "/metrics")).isEmpty();
        assertThat(subjectsOnly.tryConsumeForIp(IP, ROUTE)).isEmpty();
        assertThat(subjectsOnly.bucketCount()).isZero();
    }

    @Test
    void shouldProbeWithoutTakingAToken() {
        RateLimitDecision probe = limiter.probeIp(IP, ROUTE).orElseThrow();
        assertThat(probe.allowed()).isTrue();
        assertThat(probe.remaining()).isEqualTo(20);

        drain(() -> limiter.tryConsumeForIp(IP, ROUTE).orElseThrow());

        RateLimitDecision exhausted = limiter.probeIp(IP, ROUTE).orElseThrow();
        assertThat(exhausted.allowed()).isFalse();
        assertThat(exhausted.remaining()).isZero();
        // 20 per minute: one token every 3 s.
        assertThat(exhausted.retryAfterSeconds()).isEqualTo(3);
        assertThat(exhausted.resetSeconds()).isEqualTo(60);
    }

    @Test
    void shouldWriteTheIetfRateLimitFields() {
        RateLimitDecision first = alice(ROUTE);

        assertThat(first.policyHeaderValue()).isEqualTo("\"api-subject\";q=100;w=60");
        assertThat(first.rateLimitHeaderValue()).isEqualTo("\"api-subject\";r=99;t=1");
        assertThat(first.headers()).containsOnlyKeys("RateLimit-Policy", "RateLimit");

        drain(() -> alice(ROUTE));
        Map<String, String> refused = alice(ROUTE).headers();
        assertThat(refused).containsExactlyInAnyOrderEntriesOf(Map.of(
                "Retry-After", "1",
                "RateLimit-Policy", "\"api-subject\";q=100;w=60",
                "RateLimit", "\"api-subject\";r=0;t=60"));
    }

    @Test
    void shouldExpireIdleBucketsOnlyOnceTheyWouldHaveRefilled() {
        drain(() -> alice(ROUTE));
        limiter.tryConsumeForIp(IP, ROUTE);
        assertThat(limiter.bucketCount()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(59));
        assertThat(limiter.bucketCount()).as("still inside the longest window").isEqualTo(2);
        assertThat(alice(ROUTE).allowed()).as("not handed back full early").isTrue();

        clock.advance(Duration.ofSeconds(61));
        assertThat(limiter.bucketCount()).isZero();
        // A fresh bucket is what the old one would have become by now: full.
        assertThat(alice(ROUTE).remaining()).isEqualTo(99);
    }

    @Test
    void shouldHoldNoMoreThanTheMaximumNumberOfBuckets() {
        RateLimiter bounded = RateLimiter.builder(policy, clock).maximumBuckets(50).build();

        for (int i = 0; i < 1000; i++) {
            bounded.tryConsumeForIp("198.51." + (i / 256) + "." + (i % 256), ROUTE);
        }

        assertThat(bounded.bucketCount()).isLessThanOrEqualTo(50);
    }

    @Test
    void shouldRefuseAnIdleExpiryThatWouldResetBucketsEarly() {
        assertThatThrownBy(() -> RateLimiter.builder(policy, clock).idleExpiry(Duration.ofSeconds(30)))
                .isInstanceOf(IllegalArgumentException.class);
        RateLimiter.builder(policy, clock).idleExpiry(Duration.ofMinutes(5)).build();
    }

    @Test
    void shouldKeyIpv6ClientsByTheirSlash64() {
        assertThat(limiter.ipKey("2001:db8:1:2::1")).isEqualTo("ip:2001:db8:1:2::/64");
        assertThat(limiter.ipKey("2001:DB8:1:2:ffff::9")).isEqualTo("ip:2001:db8:1:2::/64");
        assertThat(limiter.ipKey(IP)).isEqualTo("ip:" + IP);
        assertThat(limiter.ipKey("::ffff:" + IP)).isEqualTo("ip:" + IP);
        assertThat(RateLimiter.builder(policy, clock).ipv6PrefixLength(128).build().ipKey("2001:db8:1:2::1"))
                .isEqualTo("ip:2001:db8:1:2::1");

        for (int i = 0; i < 20; i++) {
            // A host rotating through its /64 draws from one bucket.
            assertThat(limiter.tryConsumeForIp("2001:db8:1:2::" + Integer.toHexString(i + 1), ROUTE)
                    .orElseThrow().allowed()).isTrue();
        }
        assertThat(limiter.tryConsumeForIp("2001:db8:1:2:dead:beef::1", ROUTE).orElseThrow().allowed()).isFalse();
        assertThat(limiter.tryConsumeForIp("2001:db8:1:3::1", ROUTE).orElseThrow().allowed()).isTrue();
    }

    @Test
    void shouldTightenAThrottledScopeProportionallyUntilItExpires() {
        String alice = RateLimiter.subjectKey(ISS, "alice");
        for (int i = 0; i < 50; i++) {
            alice(ROUTE);
        }

        limiter.throttle(alice, 0.1, START.plus(Duration.ofMinutes(10)));

        // Half of 100 was left; half of the throttled 10 is left: no fresh bucket for being throttled.
        RateLimitDecision throttled = alice(ROUTE);
        assertThat(throttled.quota()).isEqualTo(10);
        assertThat(throttled.remaining()).isEqualTo(4);
        drain(() -> alice(ROUTE));
        assertThat(limiter.throttleOf(alice)).contains(0.1);
        // 10 per minute: one token every 6 s.
        assertThat(alice(ROUTE).retryAfterSeconds()).isEqualTo(6);
        assertThat(limiter.tryConsumeForSubject(ISS, "bob", ROUTE).orElseThrow().quota()).isEqualTo(100);

        clock.set(START.plus(Duration.ofMinutes(10)));

        // expires_at is the first instant the throttle no longer applies.
        assertThat(limiter.throttleOf(alice)).isEmpty();
        RateLimitDecision after = alice(ROUTE);
        assertThat(after.quota()).isEqualTo(100);
        assertThat(after.allowed()).isTrue();
    }

    @Test
    void shouldLiftAThrottle() {
        String address = limiter.ipKey(IP);
        limiter.throttle(address, 0.1, START.plus(Duration.ofHours(1)));
        assertThat(limiter.tryConsumeForIp(IP, ROUTE).orElseThrow().quota()).isEqualTo(2);

        assertThat(limiter.lift(address)).isTrue();

        assertThat(limiter.tryConsumeForIp(IP, ROUTE).orElseThrow().quota()).isEqualTo(20);
        assertThat(limiter.lift(address)).isFalse();
    }

    @Test
    void shouldIgnoreAThrottleThatHasAlreadyExpired() {
        String alice = RateLimiter.subjectKey(ISS, "alice");

        limiter.throttle(alice, 0.1, START);

        assertThat(limiter.throttleOf(alice)).isEmpty();
        assertThat(alice(ROUTE).quota()).isEqualTo(100);
    }

    @Test
    void shouldRefuseBadThrottles() {
        assertThatThrownBy(() -> limiter.throttle("alice", 0.5, START.plusSeconds(60)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.throttle(RateLimiter.subjectKey(ISS, "a"), 0, START.plusSeconds(60)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.throttle(RateLimiter.subjectKey(ISS, "a"), 2, START.plusSeconds(60)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldFollowThrottleCommandsOfTheRevocationTopicAndLiftThemOnTombstones() {
        RevocationView view = new RevocationView(clock);
        RateLimiter following = RateLimiter.builder(policy, clock).throttleFactor(0.2).build();
        following.followThrottles(view);
        Revocation throttle = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, ISS, "alice",
                Revocation.Action.THROTTLE, START.toEpochMilli(), START.plus(Duration.ofMinutes(5)).toEpochMilli(),
                "request burst", "alert-7", START.minusSeconds(1).toEpochMilli());

        assertThat(view.apply(throttle.key(), throttle)).isTrue();
        assertThat(following.tryConsumeForSubject(ISS, "alice", ROUTE).orElseThrow().quota()).isEqualTo(20);

        assertThat(view.apply(throttle.key(), null)).isTrue();
        assertThat(following.tryConsumeForSubject(ISS, "alice", ROUTE).orElseThrow().quota()).isEqualTo(100);
    }

    @Test
    void shouldPickUpThrottlesAlreadyInTheViewWhenItStartsFollowing() {
        RevocationView view = new RevocationView(clock);
        Revocation throttle = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, IP,
                Revocation.Action.THROTTLE, null, START.plus(Duration.ofMinutes(5)).toEpochMilli(),
                "forged-token burst", "alert-8", START.minusSeconds(1).toEpochMilli());
        view.apply(throttle.key(), throttle);

        limiter.followThrottles(view);
        limiter.followThrottles(view);

        assertThat(limiter.tryConsumeForIp(IP, ROUTE).orElseThrow().quota()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(5));
        assertThat(limiter.tryConsumeForIp(IP, ROUTE).orElseThrow().quota()).isEqualTo(20);
    }

    private RateLimitDecision alice(String route) {
        return limiter.tryConsumeForSubject(ISS, "alice", route).orElseThrow();
    }

    /** Consumes until refused (at most a few hundred attempts). */
    private static void drain(java.util.function.Supplier<RateLimitDecision> request) {
        for (int i = 0; i < 1000; i++) {
            if (!request.get().allowed()) {
                return;
            }
        }
        throw new AssertionError("bucket never ran dry");
    }
}
