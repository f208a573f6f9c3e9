package io.tokenwatch.filter.jwks;

import io.tokenwatch.filter.CapturingSink;
import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.TestTokens.TestKey;
import io.tokenwatch.filter.core.FilterDecision;
import io.tokenwatch.filter.core.FilterRequest;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.ratelimit.MutableClock;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.filter.validation.ValidationResult;
import io.tokenwatch.filter.validation.VerifiedTokenCache;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The JWKS key source against a real HTTP server on a loopback port, with its clock moved by the
 * test: rotation, floods of unknown kids, failing endpoints, a source that never loaded, background
 * refresh, and header-named URLs that must never be fetched. Tokens are validated by the real
 * {@link TokenValidator} on {@link TestTokens#CLOCK}; only the source's refresh decisions read the
 * movable clock.
 */
class JwksKeySourceTest {

    private static final KeyPair PAIR_1 = p256();
    private static final KeyPair PAIR_2 = p256();
    private static final TestKey KEY_1 = new TestKey("k1", "ES256", PAIR_1, null);
    private static final TestKey KEY_2 = new TestKey("k2", "ES256", PAIR_2, null);
    private static final String SET_1 = JwksServer.set(JwksServer.ecJwk(PAIR_1, "k1", "ES256"));
    private static final String SET_1_2 = JwksServer.set(JwksServer.ecJwk(PAIR_1, "k1", "ES256"),
            JwksServer.ecJwk(PAIR_2, "k2", "ES256"));
    private static final Duration AWAIT = Duration.ofSeconds(10);

    private final JwksServer server = new JwksServer();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        server.close();
    }

    @Test
    void shouldAcceptRotatedKeyAfterExactlyOneRefresh() {
        server.serve(SET_1);
        JwksKeySource source = started(builder());
        TokenValidator validator = validator(source, null);
        assertThat(validator.validate(TestTokens.signedBy(KEY_1).sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(server.jwksHits()).isEqualTo(1);

        server.serve(SET_1_2);
        clock.advance(Duration.ofSeconds(31));
        String rotated = TestTokens.signedBy(KEY_2).sign();

        assertThat(validator.validate(rotated).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(server.jwksHits()).isEqualTo(2);
        assertThat(validator.validate(TestTokens.signedBy(KEY_2).jti("another").sign()).outcome())
                .isEqualTo(Outcome.ACCEPTED);
        assertThat(validator.validate(TestTokens.signedBy(KEY_1).sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(server.jwksHits()).isEqualTo(2);
        assertThat(source.successCount()).isEqualTo(2);
    }

    @Test
    void shouldAcceptRotatedKeyOnceRateLimitAllowsEvenIfTheTokenWasRejectedBefore() {
        server.serve(SET_1);
        JwksKeySource source = started(builder());
        TokenValidator cached = validator(source, new VerifiedTokenCache(TestTokens.CLOCK));
        awaitLoaded(source);
        server.serve(SET_1_2);
        String rotated = TestTokens.signedBy(KEY_2).sign();

        // Within the minimum interval of the first fetch: no refresh, the kid is unknown.
        assertThat(cached.validate(rotated).outcome()).isEqualTo(Outcome.UNKNOWN_KEY);
        assertThat(server.jwksHits()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(30));

        // The earlier unknown_key is not remembered by the cache: the same token now triggers the refresh.
        assertThat(cached.validate(rotated).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(server.jwksHits()).isEqualTo(2);
    }

    @Test
    void shouldFetchAtMostOncePerMinimumIntervalWhenFloodedWithUnknownKids() throws Exception {
        server.serve(SET_1);
        JwksKeySource source = started(builder());
        TokenValidator validator = validator(source, null);
        awaitLoaded(source);
        // Slow enough that the flood piles up behind one in-flight refresh.
        server.answer(JwksServer.Answer.keys(SET_1).delayedBy(Duration.ofMillis(300)));
        clock.advance(Duration.ofSeconds(31));

        List<Outcome> first = flood(validator, 8, 25);
        assertThat(first).hasSize(200).containsOnly(Outcome.UNKNOWN_KEY);
        assertThat(server.jwksHits()).isEqualTo(2);
        assertThat(source.rateLimitedCount()).isPositive();

        clock.advance(Duration.ofSeconds(10));
        assertThat(flood(validator, 8, 25)).containsOnly(Outcome.UNKNOWN_KEY);
        assertThat(server.jwksHits()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(21));
        assertThat(flood(validator, 8, 25)).containsOnly(Outcome.UNKNOWN_KEY);
        assertThat(server.jwksHits()).isEqualTo(3);
        assertThat(validator.validate(TestTokens.signedBy(KEY_1).sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    static Stream<JwksServer.Answer> failures() {
        return Stream.of(
                JwksServer.Answer.status(500, "{\"error\":\"oops\"}"),
                JwksServer.Answer.status(404, "not found"),
                JwksServer.Answer.keys("this is not json"),
                JwksServer.Answer.keys("{\"keys\":[]}"),
                JwksServer.Answer.keys("{\"no\":\"keys\"}"),
                // Only a key no one may use: a secret, which is never taken from a URL.
                JwksServer.Answer.keys(JwksServer.set("{\"kty\":\"oct\",\"kid\":\"k9\",\"alg\":\"HS256\",\"k\":\""
                        + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NTY3OA\"}")),
                JwksServer.Answer.keys(SET_1_2 + " ".repeat(600 * 1024)),
                JwksServer.Answer.keys(SET_1_2).delayedBy(Duration.ofSeconds(3)));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void shouldKeepLastGoodSetWhenTheEndpointFails(JwksServer.Answer failure) {
        server.serve(SET_1);
        JwksKeySource source = started(builder().timeout(Duration.ofMillis(500)));
        TokenValidator validator = validator(source, null);
        awaitLoaded(source);
        server.answer(failure);

        // Background refresh fails...
        clock.advance(Duration.ofMinutes(5));
        await().atMost(AWAIT).until(() -> source.failureCount() >= 1);
        // ...and so does a refresh for an unknown kid.
        clock.advance(Duration.ofSeconds(30));
        assertThat(validator.validate(TestTokens.signedBy(KEY_2).sign()).outcome()).isEqualTo(Outcome.UNKNOWN_KEY);
        await().atMost(AWAIT).until(() -> source.failureCount() >= 2);

        assertThat(source.isLoaded()).isTrue();
        assertThat(source.lastFailure()).isPresent();
        assertThat(validator.validate(TestTokens.signedBy(KEY_1).sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(source.successCount()).isEqualTo(1);
    }

    @Test
    void shouldRejectAsKeysUnavailableWith503AndRetryAfterWhenNeverLoaded() {
        server.answer(JwksServer.Answer.status(503, "{}"));
        JwksKeySource source = started(builder());
        TokenValidator validator = validator(source, new VerifiedTokenCache(TestTokens.CLOCK));
        await().atMost(AWAIT).until(() -> source.failureCount() >= 1);

        ValidationResult result = validator.validate(TestTokens.signedBy(KEY_1).sign());
        assertThat(result.outcome()).isEqualTo(Outcome.KEYS_UNAVAILABLE);

        CapturingSink sink = new CapturingSink();
        FilterDecision decision = filter(validator, sink, null).check(request(TestTokens.signedBy(KEY_1).sign()));
        assertThat(decision.outcome()).isEqualTo(Outcome.KEYS_UNAVAILABLE);
        assertThat(decision.status()).isEqualTo(503);
        assertThat(decision.headers()).containsEntry("Retry-After", "5").doesNotContainKey("WWW-Authenticate");
        assertThat(sink.single().outcome()).isEqualTo(Outcome.KEYS_UNAVAILABLE);
        assertThat(sink.single().request().status()).isEqualTo(503);

        // Keys arrive: the same token is accepted, nothing of the outage was remembered against it.
        server.serve(SET_1);
        clock.advance(Duration.ofSeconds(1));
        await().atMost(AWAIT).until(source::isLoaded);
        assertThat(validator.validate(TestTokens.signedBy(KEY_1).sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void shouldAnswer401InvalidTokenForUnavailableKeysWhenFailingClosed() {
        server.answer(JwksServer.Answer.status(500, "{}"));
        JwksKeySource source = started(builder());
        await().atMost(AWAIT).until(() -> source.failureCount() >= 1);

        FilterDecision decision = filter(validator(source, null), new CapturingSink(), 401)
                .check(request(TestTokens.signedBy(KEY_1).sign()));

        assertThat(decision.outcome()).isEqualTo(Outcome.KEYS_UNAVAILABLE);
        assertThat(decision.status()).isEqualTo(401);
        assertThat(decision.headers().get("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }

    @Test
    void shouldWaitForTheFirstFetchOnlyABoundedTime() {
        server.answer(JwksServer.Answer.keys(SET_1).delayedBy(Duration.ofSeconds(5)));
        JwksKeySource source = started(builder().timeout(Duration.ofSeconds(10)).waitBound(Duration.ofMillis(200)));
        await().atMost(AWAIT).until(() -> server.jwksHits() == 1);

        assertThat(validator(source, null).validate(TestTokens.signedBy(KEY_1).sign()).outcome())
                .isEqualTo(Outcome.KEYS_UNAVAILABLE);
        assertThat(source.isLoaded()).isFalse();
        assertThat(server.jwksHits()).isEqualTo(1);
    }

    @Test
    void shouldPickUpNewKeyInTheBackgroundWithoutAnyRequest() {
        server.serve(SET_1);
        JwksKeySource source = started(builder());
        awaitLoaded(source);
        server.serve(SET_1_2);

        clock.advance(Duration.ofMinutes(4));
        assertThat(source.keys().orElseThrow().find("k2")).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        await().atMost(AWAIT).until(() -> source.keys().orElseThrow().find("k2").isPresent());

        assertThat(server.jwksHits()).isEqualTo(2);
        assertThat(validator(source, null).validate(TestTokens.signedBy(KEY_2).sign()).outcome())
                .isEqualTo(Outcome.ACCEPTED);
        assertThat(server.jwksHits()).isEqualTo(2);
    }

    @Test
    void shouldNeverFetchAUrlNamedByATokenHeader() {
        server.serve(SET_1);
        JwksKeySource source = started(builder());
        TokenValidator validator = validator(source, null);
        awaitLoaded(source);
        clock.advance(Duration.ofMinutes(1));
        String attacker = server.uri(JwksServer.ATTACKER_PATH).toString();

        List<String> tokens = List.of(
                TestTokens.signedBy(KEY_2).jku(attacker).sign(),
                TestTokens.signedBy(KEY_2).x5u(attacker).sign(),
                TestTokens.signedBy(KEY_1).jku(attacker).sign(),
                TestTokens.signedBy(KEY_2).kid(attacker).sign());
        List<Outcome> outcomes = tokens.stream().map(t -> validator.validate(t).outcome()).toList();

        assertThat(outcomes).containsExactly(Outcome.MALFORMED, Outcome.MALFORMED, Outcome.MALFORMED,
                Outcome.UNKNOWN_KEY);
        assertThat(server.hits(JwksServer.ATTACKER_PATH)).isZero();
        // Only the kid that is a URL reached the lookup, and it refreshed the configured URL, once.
        assertThat(server.jwksHits()).isEqualTo(2);
    }

    @Test
    void shouldBindKeysWithoutAlgToTheConfiguredAlgorithmAndSkipUnusableOnes() {
        String weakRsa = "{\"kty\":\"RSA\",\"kid\":\"weak\",\"alg\":\"RS256\",\"n\":\"AQAB\",\"e\":\"AQAB\"}";
        String encryption = JwksServer.ecJwk(PAIR_2, "enc", null).replace("\"use\":\"sig\"", "\"use\":\"enc\"");
        server.serve(JwksServer.set(JwksServer.ecJwk(PAIR_1, "k1", null), weakRsa, encryption,
                "{\"kty\":\"EC\",\"kid\":\"broken\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}"));
        JwksKeySource source = started(builder());
        awaitLoaded(source);

        assertThat(source.keyCount()).isEqualTo(1);
        assertThat(source.keys().orElseThrow().find("k1").orElseThrow().algorithm()).isEqualTo("ES256");
        assertThat(validator(source, null).validate(TestTokens.signedBy(KEY_1).sign()).outcome())
                .isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void shouldKeepTheIssuerAlgorithmsFixedByConfiguration() {
        server.serve(SET_1);
        JwksKeySource source = started(builder());
        IssuerPolicy policy = IssuerPolicy.of(TestTokens.ISSUER, Set.of(TestTokens.AUDIENCE), KeyRing.of(source));

        assertThat(policy.algorithms()).containsExactly("ES256");
        assertThat(validator(source, null).validate(TestTokens.rs256().sign()).outcome())
                .isEqualTo(Outcome.ALG_NOT_ALLOWED);
        assertThatThrownBy(() -> IssuerPolicy.builder(TestTokens.ISSUER, Set.of(TestTokens.AUDIENCE),
                KeyRing.of(source)).algorithms("RS256").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no key is bound to any of the allowed algorithms");
    }

    @Test
    void shouldRefuseUnsafeConfiguration() {
        Set<String> es = Set.of("ES256");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("http://idp.example/jwks"), es).build())
                .hasMessageContaining("must be https");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("ftp://idp.example/jwks"), es).build())
                .hasMessageContaining("must be https");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("https://user:pw@idp.example/jwks"), es).build())
                .hasMessageContaining("user info");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("/jwks"), es).build())
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("https://idp.example/jwks"), Set.of()).build())
                .hasMessageContaining("algorithms configured explicitly");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("https://idp.example/jwks"), Set.of("HS256")).build())
                .hasMessageContaining("shared secret");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("https://idp.example/jwks"), es)
                .refreshInterval(Duration.ofSeconds(10)).build())
                .hasMessageContaining("shorter than the minimum refresh interval");
        assertThatThrownBy(() -> JwksKeySource.builder(URI.create("https://idp.example/jwks"), es)
                .defaultAlgorithm("RS256").build())
                .hasMessageContaining("not among the configured algorithms");

        closeLater(JwksKeySource.builder(URI.create("https://idp.example/jwks"), es).build());
        closeLater(JwksKeySource.builder(URI.create("http://idp.example/jwks"), es).allowHttp(true).build());
        for (String loopback : List.of("localhost", "127.0.0.1", "127.1.2.3", "[::1]")) {
            closeLater(JwksKeySource.builder(URI.create("http://" + loopback + ":8080/jwks"), es).build());
        }
        assertThat(JwksKeySource.isLoopback("localhost.idp.example")).isFalse();
        assertThat(JwksKeySource.isLoopback("10.0.0.1")).isFalse();
    }

    @Test
    void shouldRunItsSchedulerOnADaemonThreadThatStopsOnClose() {
        server.serve(SET_1);
        JwksKeySource source = builder().build().start();
        awaitLoaded(source);
        Thread thread = source.schedulerThread().orElseThrow();
        assertThat(thread.getName()).isEqualTo("tokenwatch-jwks-refresh");
        assertThat(thread.isDaemon()).isTrue();
        assertThat(thread.isAlive()).isTrue();

        source.close();

        await().atMost(AWAIT).until(() -> !thread.isAlive());
        // Closed: an unknown kid no longer fetches, the last set still answers.
        clock.advance(Duration.ofMinutes(10));
        assertThat(source.refreshFor("k2").orElseThrow().find("k1")).isPresent();
        assertThat(server.jwksHits()).isEqualTo(1);
    }

    /** {@code threads} threads each validating {@code perThread} tokens with fresh random kids, all at once. */
    private static List<Outcome> flood(TokenValidator validator, int threads, int perThread) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Outcome>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<String> tokens = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    tokens.add(TestTokens.signedBy(KEY_2).kid("random-" + UUID.randomUUID()).sign());
                }
                Callable<List<Outcome>> task = () -> {
                    go.await();
                    return tokens.stream().map(token -> validator.validate(token).outcome()).toList();
                };
                results.add(pool.submit(task));
            }
            go.countDown();
            List<Outcome> all = new ArrayList<>();
            for (Future<List<Outcome>> result : results) {
                all.addAll(result.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private JwksKeySource.Builder builder() {
        return JwksKeySource.builder(server.uri(), Set.of("ES256"))
                .clock(clock)
                .pollPeriod(Duration.ofMillis(20));
    }

    private JwksKeySource started(JwksKeySource.Builder builder) {
        return closeLater(builder.build()).start();
    }

    private JwksKeySource closeLater(JwksKeySource source) {
        closeables.add(source);
        return source;
    }

    private static void awaitLoaded(JwksKeySource source) {
        await().atMost(AWAIT).until(source::isLoaded);
    }

    private static TokenValidator validator(JwksKeySource source, VerifiedTokenCache cache) {
        IssuerPolicy policy = IssuerPolicy.of(TestTokens.ISSUER, Set.of(TestTokens.AUDIENCE), KeyRing.of(source));
        return new TokenValidator(policy, TestTokens.CLOCK, cache);
    }

    private static TokenFilter filter(TokenValidator validator, CapturingSink sink, Integer status) {
        TokenFilter.Builder builder = TokenFilter.builder(new TokenFilter.Settings("filter-1", "orders", "orders"),
                validator, new RevocationView(TestTokens.CLOCK), sink, TestTokens.CLOCK);
        if (status != null) {
            builder.keysUnavailableStatus(status, 5);
        }
        return builder.build();
    }

    private static FilterRequest request(String token) {
        return new FilterRequest("GET", "/orders", List.of("Bearer " + token), "192.0.2.10", "test/1.0", null);
    }

    private static KeyPair p256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
