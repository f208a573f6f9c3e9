package io.tokenwatch.filter.ratelimit;

import io.tokenwatch.filter.clientip.IpAddress;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Limit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The bucket invariants, for any capacity, window and arrival pattern. Time only moves by the test's hand. */
class RateLimiterPropertiesTest {

    private static final Instant START = Instant.parse("2026-03-01T12:00:00Z");
    private static final String ROUTE = "/api/x";

    @Property(tries = 1000)
    void shouldKeyADottedQuadAsTheParserWould(@ForAll @IntRange(min = 0, max = 255) int a,
                                              @ForAll @IntRange(min = 0, max = 255) int b,
                                              @ForAll @IntRange(min = 0, max = 255) int c,
                                              @ForAll @IntRange(min = 0, max = 255) int d) {
        String address = a + "." + b + "." + c + "." + d;
        RateLimiter limiter = limiter(10, 60, new MutableClock(START));

        // The shortcut for dotted quads must give the key the canonical form would.
        assertThat(limiter.ipKey(address)).isEqualTo("ip:" + IpAddress.parse(address))
                .isEqualTo(limiter.ipKey("::ffff:" + address));
    }

    @Property(tries = 300)
    void shouldNeverAdmitMoreThanCapacityWhileTimeStandsStill(@ForAll @IntRange(min = 1, max = 200) int capacity,
                                                              @ForAll @IntRange(min = 1, max = 3600) int windowSeconds,
                                                              @ForAll @IntRange(min = 0, max = 500) int requests) {
        RateLimiter limiter = limiter(capacity, windowSeconds, new MutableClock(START));

        long admitted = 0;
        for (int i = 0; i < requests; i++) {
            if (limiter.tryConsumeForSubject("iss", "sub", ROUTE).orElseThrow().allowed()) {
                admitted++;
            }
        }

        assertThat(admitted).isEqualTo(Math.min(requests, capacity));
    }

    /**
     * Over any stretch of time starting from a full bucket, a greedy token bucket admits at most its
     * capacity plus what refilled meanwhile: {@code capacity + capacity × elapsed / window}. Within one
     * window that is under twice the capacity, however the requests are spread.
     */
    @Property(tries = 300)
    void shouldNeverAdmitMoreThanCapacityPlusRefill(@ForAll @IntRange(min = 1, max = 100) int capacity,
                                                     @ForAll @IntRange(min = 1, max = 120) int windowSeconds,
                                                     @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 5000) Integer> gapsMillis,
                                                     @ForAll @IntRange(min = 1, max = 20) int burst) {
        MutableClock clock = new MutableClock(START);
        RateLimiter limiter = limiter(capacity, windowSeconds, clock);
        long windowMillis = windowSeconds * 1000L;

        long admitted = 0;
        long elapsed = 0;
        for (int gap : gapsMillis) {
            clock.advance(Duration.ofMillis(gap));
            elapsed += gap;
            for (int i = 0; i < burst; i++) {
                RateLimitDecision decision = limiter.tryConsumeForIp("192.0.2.1", ROUTE).orElseThrow();
                if (decision.allowed()) {
                    admitted++;
                }
                assertThat(decision.remaining()).isBetween(0L, (long) capacity);
            }
            long bound = capacity + (capacity * elapsed) / windowMillis;
            assertThat(admitted).as("after %d ms", elapsed).isLessThanOrEqualTo(bound);
        }
    }

    @Property(tries = 200)
    void shouldAlwaysTellARefusedClientWhenToRetry(@ForAll @IntRange(min = 1, max = 50) int capacity,
                                                    @ForAll @IntRange(min = 1, max = 3600) int windowSeconds) {
        RateLimiter limiter = limiter(capacity, windowSeconds, new MutableClock(START));
        RateLimitDecision decision;
        do {
            decision = limiter.tryConsumeForSubject("iss", "sub", ROUTE).orElseThrow();
        } while (decision.allowed());

        assertThat(decision.retryAfterSeconds()).isBetween(1L, (long) windowSeconds);
        assertThat(decision.resetSeconds()).isBetween(1L, (long) windowSeconds);
        assertThat(decision.headers()).containsKeys("Retry-After", "RateLimit", "RateLimit-Policy");
    }

    private static RateLimiter limiter(int capacity, int windowSeconds, MutableClock clock) {
        Limit limit = Limit.of(capacity, Duration.ofSeconds(windowSeconds));
        return new RateLimiter(RateLimitPolicy.builder().route("r", "/**", limit, limit).build(), clock);
    }
}
