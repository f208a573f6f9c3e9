package io.tokenwatch.filter.micronaut;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.tokenwatch.filter.jwks.JwksKeySource;
import io.tokenwatch.filter.jwks.JwksServer;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.validation.KeyRing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The filter configured with {@code tokenwatch.filter.keys.jwks-uri}, against a real JWKS endpoint on
 * a loopback port: readiness stays DOWN, and tokens get {@code keys_unavailable} (503 with
 * {@code Retry-After}, or 401 when configured to fail closed), until the first key set arrives.
 */
class JwksTest {

    private static final TestIssuer ISSUER = new TestIssuer();

    private final JwksServer jwks = new JwksServer();

    @AfterEach
    void stopJwks() {
        jwks.close();
    }

    private Map<String, Object> properties() {
        Map<String, Object> props = TokenwatchServerFilterTest.properties(ISSUER, SharedKafka.bootstrapServers());
        props.remove("tokenwatch.filter.keys.jwk");
        props.put("tokenwatch.filter.keys.jwks-uri", jwks.uri().toString());
        props.put("tokenwatch.filter.algorithms", "ES256");
        props.put("endpoints.health.details-visible", "ANONYMOUS");
        return props;
    }

    @Test
    void shouldStayDownAndAnswer503UntilTheFirstKeySetArrives() throws InterruptedException {
        jwks.answer(JwksServer.Answer.status(503, "{}"));
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties())) {
            URI base = Http.loopback(server.getPort());
            JwksKeySource source = server.getApplicationContext().getBean(JwksKeySource.class);
            assertThat(server.getApplicationContext().getBean(RevocationListener.class)
                    .awaitReady(Duration.ofSeconds(20))).as("revocations caught up").isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> source.failureCount() >= 1);

            HttpResponse<String> readiness = Http.get(base, "/health/readiness");
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains("DOWN").contains("not loaded yet");
            HttpResponse<String> refused = Http.getWithToken(base, "/api/me", ISSUER.mint("erin"));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(refused.headers().firstValue("WWW-Authenticate")).isEmpty();
            String scrape = Http.get(base, "/prometheus").body();
            assertThat(scrape).containsPattern("tokenwatch_requests_total\\{outcome=\"keys_unavailable\"[^}]*} [1-9]");
            assertThat(scrape).containsPattern("tokenwatch_jwks_fetches_total\\{result=\"failure\"[^}]*} [1-9]");
            assertThat(scrape).containsPattern("tokenwatch_jwks_keys(\\{[^}]*})? 0");

            jwks.serve(JwksServer.set(ISSUER.jwk()));

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Http.get(base, "/health/readiness").statusCode() == 200);
            assertThat(Http.get(base, "/health/readiness").body()).contains("UP").contains("\"jwksKeys\":1");
            assertThat(Http.getWithToken(base, "/api/me", ISSUER.mint("erin")).statusCode()).isEqualTo(200);
            assertThat(Http.getWithToken(base, "/api/me", ISSUER.forge("erin")).statusCode()).isEqualTo(401);
            assertThat(Http.get(base, "/prometheus").body())
                    .containsPattern("tokenwatch_jwks_fetches_total\\{result=\"success\"[^}]*} 1");
        }
        assertThat(jwks.hits(JwksServer.ATTACKER_PATH)).isZero();
    }

    @Test
    void shouldAnswer401WhenConfiguredToFailClosed() {
        jwks.answer(JwksServer.Answer.status(500, "{}"));
        Map<String, Object> props = properties();
        props.put("tokenwatch.filter.keys-unavailable-status", 401);
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
            URI base = Http.loopback(server.getPort());
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> server.getApplicationContext().getBean(RevocationListener.class).isReady());

            HttpResponse<String> refused = Http.getWithToken(base, "/api/me", ISSUER.mint("erin"));

            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("invalid_token");
            assertThat(refused.body()).isEqualTo("{\"error\":\"unauthorized\"}");
        }
    }

    @Test
    void shouldBindTheJwksPropertiesWithTheirDefaults() {
        jwks.serve(JwksServer.set(ISSUER.jwk()));
        Map<String, Object> props = properties();
        props.remove("tokenwatch.filter.algorithms");
        props.put("tokenwatch.filter.keys.alg", "ES256");
        props.put("tokenwatch.filter.keys.jwks-min-refresh-interval", "10s");
        try (ApplicationContext context = ApplicationContext.run(props)) {
            TokenwatchFilterConfiguration.Keys keys = context.getBean(TokenwatchFilterConfiguration.class).getKeys();
            assertThat(keys.getJwksRefreshInterval()).isEqualTo(Duration.ofMinutes(5));
            assertThat(keys.getJwksMinRefreshInterval()).isEqualTo(Duration.ofSeconds(10));
            assertThat(keys.getJwksTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(keys.isJwksAllowHttp()).isFalse();
            assertThat(context.getBean(TokenwatchFilterConfiguration.class).getKeysUnavailableStatus()).isEqualTo(503);
            assertThat(context.getBean(KeyRing.class).algorithms()).containsExactly("ES256");
            await().atMost(Duration.ofSeconds(10)).until(() -> context.getBean(KeyRing.class).isLoaded());
        }
    }

    @Test
    void shouldRefuseToStartWithAJwksUriItCannotUseSafely() {
        Map<String, Object> noAlgorithms = properties();
        noAlgorithms.remove("tokenwatch.filter.algorithms");
        assertThatThrownBy(() -> ApplicationContext.run(noAlgorithms).close())
                .hasStackTraceContaining("tokenwatch.filter.keys.jwks-uri needs tokenwatch.filter.algorithms");

        Map<String, Object> mixed = properties();
        mixed.put("tokenwatch.filter.keys.jwk", ISSUER.jwk());
        assertThatThrownBy(() -> ApplicationContext.run(mixed).close())
                .hasStackTraceContaining("jwks-uri cannot be combined with");

        Map<String, Object> plainHttp = properties();
        plainHttp.put("tokenwatch.filter.keys.jwks-uri", "http://idp.example/jwks.json");
        assertThatThrownBy(() -> ApplicationContext.run(plainHttp).close())
                .hasStackTraceContaining("must be https");

        Map<String, Object> badStatus = properties();
        badStatus.put("tokenwatch.filter.keys-unavailable-status", 500);
        assertThatThrownBy(() -> ApplicationContext.run(badStatus).close())
                .hasStackTraceContaining("must be 503 or 401, was 500");
    }
}
