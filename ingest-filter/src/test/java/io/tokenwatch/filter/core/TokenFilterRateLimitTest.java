package io.tokenwatch.filter.core;

import io.tokenwatch.filter.CapturingSink;
import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.clientip.ClientIpResolver;
import io.tokenwatch.filter.headers.SecurityHeaders;
import io.tokenwatch.filter.ratelimit.MutableClock;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Limit;
import io.tokenwatch.filter.ratelimit.RateLimiter;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.tokenwatch.filter.TestTokens.HS256;
import static io.tokenwatch.filter.TestTokens.ISSUER;
import static io.tokenwatch.filter.TestTokens.NOW;
import static io.tokenwatch.filter.TestTokens.RS256;
import static io.tokenwatch.filter.TestTokens.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The filter with rate limits and security headers on: where in the pipeline each bucket is charged,
 * what a 429 looks like, and that every answer carries the security headers. Time moves only by
 * {@link MutableClock}; tokens are validated at the fixed {@link TestTokens#CLOCK}.
 */
class TokenFilterRateLimitTest {

    private static final String ROUTE = "/accounts/{id}";
    private static final String CLIENT_IP = "203.0.113.9";
    private static final String OTHER_IP = "198.51.100.1";
    private static final String REVOKED_JTI = "jti-revoked";

    private final MutableClock clock = new MutableClock(NOW);
    private final CapturingSink sink = new CapturingSink();
    private final RevocationView revocations = new RevocationView(clock);
    /** 3 per minute per subject, 2 per minute per address for requests without a verified subject. */
    private final RateLimiter limiter = new RateLimiter(RateLimitPolicy.builder()
            .route("accounts", "/accounts/**", Limit.perMinute(3), Limit.perMinute(2))
            .build(), clock);
    private final TokenFilter filter = TokenFilter.builder(new TokenFilter.Settings("filter-1", "accounts", "tokenwatch"),
            TestTokens.validator(RS256, HS256), revocations, sink, clock).rateLimiter(limiter).build();

    TokenFilterRateLimitTest() {
        Revocation revoked = Revocation.blockToken(ISSUER, REVOKED_JTI, NOW.plus(Duration.ofHours(1)).toEpochMilli(),
                "test", "operator:alice", NOW.minusSeconds(1).toEpochMilli());
        revocations.apply(revoked.key(), revoked);
    }

    @Nested
    class Subjects {

        @Test
        void shouldRefuseASubjectOverItsLimitWith429AndTheRateLimitFields() {
            String token = TestTokens.rs256().sign();
            for (int i = 2; i >= 0; i--) {
                FilterDecision accepted = filter.check(bearer(token, CLIENT_IP));
                assertThat(accepted.accepted()).isTrue();
                assertThat(accepted.headers()).containsEntry("RateLimit-Policy", "\"accounts-subject\";q=3;w=60")
                        .containsEntry("RateLimit", "\"accounts-subject\";r=" + i + ";t=" + (i == 2 ? 20 : i == 1 ? 40 : 60))
                        .doesNotContainKey("Retry-After");
            }
            sink.clear();

            FilterDecision refused = filter.check(bearer(token, CLIENT_IP));

            assertThat(refused.outcome()).isEqualTo(Outcome.RATE_LIMITED);
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.accepted()).isFalse();
            assertThat(refused.claims()).isEmpty();
            // RFC 6585 §4; 3 per minute refills one every 20 s.
            assertThat(refused.headers()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "Retry-After", "20",
                    "RateLimit-Policy", "\"accounts-subject\";q=3;w=60",
                    "RateLimit", "\"accounts-subject\";r=0;t=60"));
            TokenUsageEvent event = sink.single();
            assertThat(event.outcome()).isEqualTo(Outcome.RATE_LIMITED);
            assertThat(event.request().status()).isEqualTo(429);
            assertThat(event.key()).isEqualTo(ISSUER + "|" + SUBJECT);
            assertThat(event.token().verified()).isTrue();
        }

        @Test
        void shouldCountEveryTokenOfASubjectAgainstOneBucket() {
            for (String jti : List.of("a", "b", "c")) {
                assertThat(filter.check(bearer(TestTokens.rs256().jti(jti).sign(), CLIENT_IP)).accepted()).isTrue();
            }

            // A new token, another network: still the same subject.
            assertThat(filter.check(bearer(TestTokens.rs256().jti("d").sign(), OTHER_IP)).outcome())
                    .isEqualTo(Outcome.RATE_LIMITED);
            assertThat(filter.check(bearer(TestTokens.rs256().subject("bob").sign(), CLIENT_IP)).accepted()).isTrue();
        }

        @Test
        void shouldAdmitTheSubjectAgainOnceItsBucketRefills() {
            String token = TestTokens.rs256().sign();
            exhaust(() -> filter.check(bearer(token, CLIENT_IP)));

            clock.advance(Duration.ofSeconds(20));

            assertThat(filter.check(bearer(token, CLIENT_IP)).accepted()).isTrue();
            assertThat(filter.check(bearer(token, CLIENT_IP)).outcome()).isEqualTo(Outcome.RATE_LIMITED);
        }

        @Test
        void shouldLeaveRoutesWithoutARuleUnlimited() {
            String token = TestTokens.rs256().sign();
            for (int i = 0; i < 20; i++) {
                FilterDecision decision = filter.check(new FilterRequest("GET", "/health", List.of("Bearer " + token),
                        CLIENT_IP, null, null));
                assertThat(decision.accepted()).isTrue();
                assertThat(decision.headers()).isEmpty();
            }
        }
    }

    @Nested
    class Addresses {

        @Test
        void shouldChargeRequestsWithoutCredentialsToTheAddress() {
            FilterDecision first = filter.check(request(List.of(), CLIENT_IP));
            assertThat(first.status()).isEqualTo(401);
            assertThat(first.headers()).containsKey("WWW-Authenticate")
                    .containsEntry("RateLimit", "\"accounts-ip\";r=1;t=30");
            assertThat(filter.check(request(List.of("Basic dXNlcjpwYXNz"), CLIENT_IP)).status()).isEqualTo(400);

            FilterDecision third = filter.check(request(List.of(), CLIENT_IP));

            assertThat(third.outcome()).isEqualTo(Outcome.RATE_LIMITED);
            assertThat(third.status()).isEqualTo(429);
            assertThat(third.headers()).containsEntry("Retry-After", "30")
                    .containsEntry("RateLimit-Policy", "\"accounts-ip\";q=2;w=60")
                    .doesNotContainKey("WWW-Authenticate");
            assertThat(filter.check(request(List.of(), OTHER_IP)).status()).isEqualTo(401);
        }

        @Test
        void shouldStopVerifyingForgedTokensOnceTheAddressHasUsedUpItsBudget() {
            String forged = TestTokens.rs256().signWithHmacSecret(new byte[32]).sign();
            assertThat(filter.check(bearer(forged, CLIENT_IP)).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            assertThat(filter.check(bearer(forged, CLIENT_IP)).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            sink.clear();

            FilterDecision refused = filter.check(bearer(forged, CLIENT_IP));

            assertThat(refused.outcome()).isEqualTo(Outcome.RATE_LIMITED);
            // Refused before decoding: the event knows nothing of the token.
            assertThat(sink.single().token()).isNull();
            assertThat(sink.single().key()).isEqualTo("ip|" + CLIENT_IP);
        }

        @Test
        void shouldRefuseEvenValidTokensFromAnAddressThatUsedUpItsBudget() {
            exhaust(() -> filter.check(bearer("garbage-garbage-garbage", CLIENT_IP)));

            // The documented price of not verifying: the address is refused until it refills.
            assertThat(filter.check(bearer(TestTokens.rs256().sign(), CLIENT_IP)).outcome())
                    .isEqualTo(Outcome.RATE_LIMITED);
            assertThat(filter.check(bearer(TestTokens.rs256().sign(), OTHER_IP)).accepted()).isTrue();
            clock.advance(Duration.ofSeconds(30));
            assertThat(filter.check(bearer(TestTokens.rs256().sign(), CLIENT_IP)).accepted()).isTrue();
        }

        @Test
        void shouldNotChargeTheVictimForForgedTokensNamingThem() {
            String forged = TestTokens.rs256().subject(SUBJECT).signWithHmacSecret(new byte[32]).sign();
            exhaust(() -> filter.check(bearer(forged, OTHER_IP)));

            FilterDecision victim = filter.check(bearer(TestTokens.rs256().sign(), CLIENT_IP));

            assertThat(victim.accepted()).isTrue();
            assertThat(victim.headers()).containsEntry("RateLimit", "\"accounts-subject\";r=2;t=20");
        }

        @Test
        void shouldChargeRevokedTokensToTheAddressNotToTheSubject() {
            String revoked = TestTokens.rs256().jti(REVOKED_JTI).sign();
            assertThat(filter.check(bearer(revoked, OTHER_IP)).outcome()).isEqualTo(Outcome.REVOKED);
            assertThat(filter.check(bearer(revoked, OTHER_IP)).outcome()).isEqualTo(Outcome.REVOKED);
            assertThat(filter.check(bearer(revoked, OTHER_IP)).outcome()).isEqualTo(Outcome.RATE_LIMITED);

            // A stolen, revoked token replayed elsewhere must not drain its owner's budget.
            FilterDecision owner = filter.check(bearer(TestTokens.rs256().sign(), CLIENT_IP));
            assertThat(owner.accepted()).isTrue();
            assertThat(owner.headers()).containsEntry("RateLimit", "\"accounts-subject\";r=2;t=20");
        }

        @Test
        void shouldGiveAClientRotatingForwardedForDirectlyNothing() {
            ClientIpResolver resolver = ClientIpResolver.trusting("10.0.0.0/8");
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                // Talking to us directly, claiming a new address every time.
                String ip = resolver.resolve(CLIENT_IP, List.of("192.0.2." + i, "10.0.0." + i));
                if (filter.check(request(List.of(), ip)).status() == 429) {
                    refused++;
                }
            }

            assertThat(refused).isEqualTo(8);
            assertThat(sink.events()).extracting(e -> e.request().clientIp()).containsOnly(CLIENT_IP);
        }

        @Test
        void shouldGiveAClientRotatingForwardedForThroughATrustedProxyNothing() {
            ClientIpResolver resolver = ClientIpResolver.trusting("10.0.0.0/8");
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                // The client writes anything; the edge proxy (10.0.0.1) appends the real address.
                String ip = resolver.resolve("10.0.0.1", List.of("192.0.2." + i + ", 10.0.0." + i, CLIENT_IP));
                if (filter.check(request(List.of(), ip)).status() == 429) {
                    refused++;
                }
            }

            assertThat(refused).isEqualTo(8);
        }
    }

    @Nested
    class Throttles {

        /** 10 per minute per subject and address; a throttle keeps a tenth. */
        private final RateLimiter roomy = new RateLimiter(RateLimitPolicy.builder()
                .route("accounts", "/accounts/**", Limit.perMinute(10), Limit.perMinute(10)).build(), clock);
        private final TokenFilter throttled = TokenFilter.builder(new TokenFilter.Settings("f", "s", "r"),
                TestTokens.validator(RS256), revocations, sink, clock).rateLimiter(roomy).build();
        private final Revocation throttle = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, ISSUER,
                SUBJECT, Revocation.Action.THROTTLE, NOW.toEpochMilli(), NOW.plus(Duration.ofMinutes(5)).toEpochMilli(),
                "request burst", "alert-9", NOW.minusSeconds(1).toEpochMilli());

        @Test
        void shouldTightenAThrottledSubjectUntilTheThrottleExpires() {
            String token = TestTokens.rs256().sign();
            revocations.apply(throttle.key(), throttle);

            FilterDecision first = throttled.check(bearer(token, CLIENT_IP));
            assertThat(first.accepted()).isTrue();
            assertThat(first.headers()).containsEntry("RateLimit-Policy", "\"accounts-subject\";q=1;w=60");
            assertThat(throttled.check(bearer(token, CLIENT_IP)).outcome()).isEqualTo(Outcome.RATE_LIMITED);
            assertThat(throttled.check(bearer(TestTokens.rs256().subject("bob").sign(), CLIENT_IP)).accepted()).isTrue();

            clock.set(NOW.plus(Duration.ofMinutes(5)));

            FilterDecision after = throttled.check(bearer(token, CLIENT_IP));
            assertThat(after.accepted()).isTrue();
            assertThat(after.headers()).containsEntry("RateLimit-Policy", "\"accounts-subject\";q=10;w=60");
        }

        @Test
        void shouldLiftAThrottleOnItsTombstone() {
            String token = TestTokens.rs256().sign();
            revocations.apply(throttle.key(), throttle);
            throttled.check(bearer(token, CLIENT_IP));
            assertThat(throttled.check(bearer(token, CLIENT_IP)).outcome()).isEqualTo(Outcome.RATE_LIMITED);

            revocations.apply(throttle.key(), null);

            // The emptied bucket is widened in proportion (still empty) and refills at the normal rate.
            FilterDecision lifted = throttled.check(bearer(token, CLIENT_IP));
            assertThat(lifted.headers()).containsEntry("RateLimit-Policy", "\"accounts-subject\";q=10;w=60");
            clock.advance(Duration.ofSeconds(6));
            assertThat(throttled.check(bearer(token, CLIENT_IP)).accepted()).isTrue();
        }

        @Test
        void shouldTightenAThrottledAddressForRequestsWithoutAVerifiedSubject() {
            Revocation address = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, CLIENT_IP,
                    Revocation.Action.THROTTLE, null, NOW.plus(Duration.ofMinutes(5)).toEpochMilli(),
                    "forged-token burst", "alert-10", NOW.minusSeconds(1).toEpochMilli());
            revocations.apply(address.key(), address);

            assertThat(throttled.check(request(List.of(), CLIENT_IP)).status()).isEqualTo(401);
            assertThat(throttled.check(request(List.of(), CLIENT_IP)).status()).isEqualTo(429);
            assertThat(throttled.check(request(List.of(), OTHER_IP)).status()).isEqualTo(401);
        }
    }

    @Nested
    class Headers {

        @Test
        void shouldPutTheSecurityHeadersOnEveryDecision() {
            String token = TestTokens.rs256().sign();
            Revocation block = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, "192.0.2.99",
                    Revocation.Action.BLOCK, null, NOW.plusSeconds(3600).toEpochMilli(), "stuffing", "alert-3",
                    NOW.minusSeconds(1).toEpochMilli());
            revocations.apply(block.key(), block);
            exhaust(() -> filter.check(request(List.of(), OTHER_IP)));

            List<FilterDecision> decisions = List.of(
                    filter.check(bearer(token, CLIENT_IP)),
                    filter.check(request(List.of(), CLIENT_IP)),
                    filter.check(bearer(TestTokens.rs256().expiresAt(NOW.minusSeconds(600)).sign(), "192.0.2.50")),
                    filter.check(request(List.of("Basic dXNlcjpwYXNz"), "192.0.2.51")),
                    filter.check(request(List.of(), OTHER_IP)),
                    filter.check(bearer(token, "192.0.2.99")));

            assertThat(decisions).extracting(FilterDecision::status).containsExactly(200, 401, 401, 400, 429, 401);
            for (FilterDecision decision : decisions) {
                assertThat(decision.securityHeaders()).as("%s", decision.outcome()).containsAllEntriesOf(Map.of(
                        "X-Frame-Options", "DENY",
                        "X-Content-Type-Options", "nosniff",
                        "Referrer-Policy", "strict-origin-when-cross-origin",
                        "X-XSS-Protection", "0",
                        "Cross-Origin-Opener-Policy", "same-origin"))
                        .containsKeys("Content-Security-Policy", "Permissions-Policy");
                assertThat(decision.responseHeaders()).containsAllEntriesOf(decision.securityHeaders())
                        .containsAllEntriesOf(decision.headers());
            }
        }

        @Test
        void shouldForbidCachingOnlyOfAuthenticatedResponses() {
            String token = TestTokens.rs256().sign();

            assertThat(filter.check(bearer(token, CLIENT_IP)).responseHeaders()).containsEntry("Cache-Control", "no-store");
            assertThat(filter.check(request(List.of(), CLIENT_IP)).responseHeaders()).doesNotContainKey("Cache-Control");
            assertThat(filter.check(bearer("garbage-garbage", OTHER_IP)).responseHeaders())
                    .doesNotContainKey("Cache-Control");
            exhaust(() -> filter.check(bearer(token, CLIENT_IP)));
            assertThat(filter.check(bearer(token, CLIENT_IP)).responseHeaders()).doesNotContainKey("Cache-Control");
        }

        @Test
        void shouldSendHstsOnlyForHttpsRequestsUnlessConfigured() {
            String token = TestTokens.rs256().sign();

            assertThat(filter.check(bearer(token, CLIENT_IP)).securityHeaders())
                    .doesNotContainKey("Strict-Transport-Security");
            assertThat(filter.check(bearer(token, CLIENT_IP).withSecure(true)).securityHeaders())
                    .containsKey("Strict-Transport-Security");
            assertThat(filter.check(request(List.of(), OTHER_IP).withSecure(true)).securityHeaders())
                    .containsKey("Strict-Transport-Security");

            TokenFilter behindTls = TokenFilter.builder(new TokenFilter.Settings("f", "s", "r"),
                    TestTokens.validator(RS256), revocations, sink, clock)
                    .securityHeaders(SecurityHeaders.builder().hstsAlways(true).build()).build();
            assertThat(behindTls.check(bearer(token, CLIENT_IP)).securityHeaders())
                    .containsKey("Strict-Transport-Security");
        }

        @Test
        void shouldKeepTheOldBehaviourWithoutARateLimiter() {
            TokenFilter plain = new TokenFilter(new TokenFilter.Settings("f", "s", "tokenwatch"),
                    TestTokens.validator(RS256), revocations, sink, clock);

            for (int i = 0; i < 50; i++) {
                assertThat(plain.check(request(List.of(), CLIENT_IP)).status()).isEqualTo(401);
            }
            FilterDecision accepted = plain.check(bearer(TestTokens.rs256().sign(), CLIENT_IP));
            assertThat(accepted.headers()).isEmpty();
            // Security headers are on by default.
            assertThat(accepted.securityHeaders()).containsEntry("X-Frame-Options", "DENY")
                    .containsEntry("Cache-Control", "no-store");
            assertThat(accepted.responseHeaders()).isEqualTo(accepted.securityHeaders());
        }
    }

    /** Sends until the answer is 429 (at most 100 times). */
    private static void exhaust(Supplier<FilterDecision> request) {
        for (int i = 0; i < 100; i++) {
            if (request.get().status() == 429) {
                return;
            }
        }
        throw new AssertionError("never rate limited");
    }

    private static FilterRequest bearer(String token, String ip) {
        return request(List.of("Bearer " + token), ip);
    }

    private static FilterRequest request(List<String> authorization, String ip) {
        return new FilterRequest("GET", ROUTE, authorization, ip, "test-agent/1.0", null);
    }
}
