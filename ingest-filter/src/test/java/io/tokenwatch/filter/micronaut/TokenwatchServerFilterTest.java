package io.tokenwatch.filter.micronaut;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Micronaut filter in front of a small controller, on a real HTTP server and the in-process
 * broker: what a client sees, what the controller sees, what is emitted and what is measured.
 */
class TokenwatchServerFilterTest {

    private static final TestIssuer ISSUER = new TestIssuer();
    private static String bootstrapServers;
    private static EmbeddedServer server;
    private static URI base;

    @BeforeAll
    static void start() throws InterruptedException {
        bootstrapServers = SharedKafka.bootstrapServers();
        server = ApplicationContext.run(EmbeddedServer.class, properties(ISSUER, bootstrapServers));
        base = Http.loopback(server.getPort());
        assertThat(server.getApplicationContext().getBean(RevocationListener.class).awaitReady(Duration.ofSeconds(30)))
                .as("revocation view caught up").isTrue();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.getApplicationContext().close();
        }
    }

    /** A filter on a random port in front of {@link ClaimsController}, keys inline as a JWK. */
    static Map<String, Object> properties(TestIssuer issuer, String bootstrapServers) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("endpoints.prometheus.sensitive", false);
        props.put("test.claims-controller", true);
        props.put("tokenwatch.filter.service", "orders");
        props.put("tokenwatch.filter.filter-id", "filter-test-1");
        props.put("tokenwatch.filter.issuer", TestIssuer.ISSUER);
        props.put("tokenwatch.filter.audiences", TestIssuer.AUDIENCE);
        props.put("tokenwatch.filter.keys.jwk", issuer.jwk());
        props.put("tokenwatch.filter.kafka.bootstrap-servers", bootstrapServers);
        props.put("tokenwatch.filter.kafka.properties.linger.ms", "0");
        return props;
    }

    @Test
    void shouldPassValidTokenAndGiveTheControllerItsClaims() {
        String token = ISSUER.mint("alice", "jti-alice-1");

        HttpResponse<String> byArgument = Http.getWithToken(base, "/api/me", token);
        HttpResponse<String> byAttribute = Http.getWithToken(base, "/api/attribute", token);
        HttpResponse<String> byHelper = Http.getWithToken(base, "/api/helper", token);

        assertThat(byArgument.statusCode()).isEqualTo(200);
        assertThat(byArgument.body()).isEqualTo("alice|" + TestIssuer.ISSUER + "|jti-alice-1|verified=true");
        assertThat(byAttribute.body()).isEqualTo(byArgument.body());
        assertThat(byHelper.body()).isEqualTo(byArgument.body() + " same");
        assertThat(byArgument.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(byArgument.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void shouldRefuseMissingTokenWithBareChallengeAndSecurityHeaders() {
        HttpResponse<String> response = Http.get(base, "/api/me");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"orders\"");
        assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(response.headers().firstValue("Content-Security-Policy")).isPresent();
        assertThat(response.headers().firstValue("Cache-Control")).isEmpty();
        assertThat(response.body()).isEqualTo("{\"error\":\"unauthorized\"}");
    }

    @Test
    void shouldRefuseForgedAndExpiredTokensWithInvalidTokenChallenge() {
        for (String token : new String[] {ISSUER.forge("alice"), ISSUER.expired("alice"), "not-a-jwt"}) {
            HttpResponse<String> response = Http.getWithToken(base, "/api/me", token);

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .contains("error=\"invalid_token\"");
            assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            // Generic: the client is not told which check failed.
            assertThat(response.body()).isEqualTo("{\"error\":\"unauthorized\"}");
        }
    }

    @Test
    void shouldRefuseUnknownPathsWithoutTokenRatherThanRevealThem() {
        assertThat(Http.get(base, "/no/such/route").statusCode()).isEqualTo(401);
        HttpResponse<String> withToken = Http.getWithToken(base, "/no/such/route", ISSUER.mint("alice"));
        assertThat(withToken.statusCode()).isEqualTo(404);
        assertThat(withToken.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    }

    @Test
    void shouldKeepSecurityHeadersOnControllerErrors() {
        HttpResponse<String> response = Http.getWithToken(base, "/api/boom", ISSUER.mint("alice"));

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void shouldLeaveExcludedPathsUncheckedButNotTheirDotSegmentLookAlikes() {
        assertThat(Http.get(base, "/health/readiness").statusCode()).isEqualTo(200);
        assertThat(Http.get(base, "/health").body()).contains("UP");
        // Not plain, so not excluded: checked like any other path, whatever the router makes of it.
        Http.RawResponse sneaky = Http.raw(base, "GET /health/../api/me HTTP/1.1\r\nHost: x\r\nConnection: close");
        assertThat(sneaky.status()).isEqualTo(401);
        Http.RawResponse encoded = Http.raw(base, "GET /health%2F..%2Fapi/me HTTP/1.1\r\nHost: x\r\nConnection: close");
        assertThat(encoded.status()).isEqualTo(401);
    }

    @Test
    void shouldRejectRevokedTokenWithinSecondsOfTheRevocation() {
        String jti = "jti-" + UUID.randomUUID();
        String token = ISSUER.mint("bob", jti);
        assertThat(Http.getWithToken(base, "/api/me", token).statusCode()).isEqualTo(200);

        long now = System.currentTimeMillis();
        Revocation revocation = Revocation.blockToken(TestIssuer.ISSUER, jti, now + 600_000, "test", "test", now);
        try (KafkaProducer<String, Revocation> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), new StringSerializer(),
                Topics.REVOCATIONS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.REVOCATIONS.name(), revocation.key(), revocation));
        }

        // The token sits in the verified-token cache by now: revocation must still apply on every request.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> Http.getWithToken(base, "/api/me", token).statusCode() == 401);
        assertThat(Http.getWithToken(base, "/api/me", ISSUER.mint("bob")).statusCode())
                .as("another token of the same subject").isEqualTo(200);
    }

    @Test
    void shouldEmitUsageEventWithSocketAddressWhenUntrustedPeerSpoofsForwardedFor() {
        String jti = "jti-" + UUID.randomUUID();
        HttpResponse<String> response = Http.get(base, "/api/things/42", "Authorization",
                "Bearer " + ISSUER.mint("carol", jti), "X-Forwarded-For", "198.51.100.7, 203.0.113.9");
        assertThat(response.body()).isEqualTo("42 for carol");

        TokenUsageEvent event = UsageEvents.find(bootstrapServers,
                e -> e.token() != null && jti.equals(e.token().jti()), Duration.ofSeconds(15)).orElseThrow();

        assertThat(event.request().clientIp()).isEqualTo("127.0.0.1");
        assertThat(event.request().route()).isEqualTo("/api/things/{id}");
        assertThat(event.outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(event.service()).isEqualTo("orders");
        assertThat(event.filterId()).isEqualTo("filter-test-1");
    }

    @Test
    void shouldExposeRequestsByOutcomeAndLatencyAtPrometheus() {
        String token = ISSUER.mint("dave");
        Http.getWithToken(base, "/api/me", token);
        // The same token again: answered by the verified-token cache.
        Http.getWithToken(base, "/api/me", token);
        Http.get(base, "/api/me");

        String scrape = Http.get(base, "/prometheus").body();

        assertThat(scrape).containsPattern("tokenwatch_requests_total\\{outcome=\"accepted\"[^}]*} [1-9]");
        assertThat(scrape).containsPattern("tokenwatch_requests_total\\{outcome=\"missing_token\"[^}]*} [1-9]");
        assertThat(scrape).contains("tokenwatch_requests_total{outcome=\"revoked\"");
        assertThat(scrape).contains("tokenwatch_validation_latency_seconds_bucket");
        assertThat(scrape).contains("tokenwatch_events_dropped_total");
        assertThat(scrape).contains("tokenwatch_revocations_size");
        assertThat(scrape).containsPattern("tokenwatch_revocations_lag(\\{[^}]*})? 0");
        assertThat(scrape).containsPattern("tokenwatch_cache_lookups_total\\{result=\"hit\"[^}]*} [1-9]");
        assertThat(scrape).containsPattern("tokenwatch_cache_size\\{kind=\"verified\"[^}]*} [1-9]");
    }
}
