package io.tokenwatch.filter.micronaut;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.tokenwatch.broker.EmbeddedKafka;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Readiness follows the revocation replay: DOWN (and requests refused with 503, fail-closed) until
 * the filter has read {@code tokenwatch.revocations} to its end, UP after. A broker that cannot be
 * reached is a DOWN filter, not a failed start.
 */
class ReadinessTest {

    private static final TestIssuer ISSUER = new TestIssuer();

    @Test
    void shouldTurnReadyOnlyAfterRevocationsCaughtUp() {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class,
                     TokenwatchServerFilterTest.properties(ISSUER, kafka.bootstrapServers()))) {
            // No topics yet: the listener waits for tokenwatch.revocations to appear.
            HttpResponse<String> readiness = Http.get(Http.loopback(server.getPort()), "/health/readiness");
            assertThat(readiness.statusCode()).isEqualTo(503);
            assertThat(readiness.body()).contains("DOWN");
            HttpResponse<String> refused = Http.getWithToken(Http.loopback(server.getPort()), "/api/me", ISSUER.mint("erin"));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(refused.body()).isEqualTo("{\"error\":\"not_ready\"}");
            String scrape = Http.get(Http.loopback(server.getPort()), "/prometheus").body();
            assertThat(scrape).containsPattern("tokenwatch_requests_total\\{outcome=\"not_ready\"[^}]*} [1-9]");
            // Lag unknown while the topic does not exist.
            assertThat(scrape).containsPattern("tokenwatch_revocations_lag(\\{[^}]*})? -1");

            SharedKafka.createTopics(kafka.bootstrapServers());

            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> Http.get(Http.loopback(server.getPort()), "/health/readiness").statusCode() == 200);
            assertThat(Http.get(Http.loopback(server.getPort()), "/health/readiness").body()).contains("UP");
            assertThat(Http.getWithToken(Http.loopback(server.getPort()), "/api/me", ISSUER.mint("erin")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldStartDownRatherThanFailWhenKafkaIsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        Map<String, Object> props = TokenwatchServerFilterTest.properties(ISSUER, "127.0.0.1:" + closedPort);
        props.put("tokenwatch.filter.kafka.properties.reconnect.backoff.max.ms", "500");
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
            assertThat(Http.get(Http.loopback(server.getPort()), "/health/readiness").statusCode()).isEqualTo(503);
            assertThat(Http.get(Http.loopback(server.getPort()), "/health/liveness").statusCode()).isEqualTo(200);
            assertThat(Http.getWithToken(Http.loopback(server.getPort()), "/api/me", ISSUER.mint("erin")).statusCode()).isEqualTo(503);
        }
    }
}
