package io.tokenwatch.launcher;

import io.tokenwatch.broker.KafkaBackend;
import io.tokenwatch.filter.core.FilterDecision;
import io.tokenwatch.filter.core.FilterRequest;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Outcome;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The whole loop over a real broker: a token accepted at the filter, replayed from three networks,
 * revoked by the detector, then rejected by the filter as {@code revoked}; forged tokens naming the
 * same user revoke nothing. Runs on the in-process broker, and on testcontainers' Kafka where a
 * Docker engine exists (skipped elsewhere).
 */
class RevocationLoopTest {

    private static final String[] NETWORKS = {"198.51.100.10", "203.0.113.20", "192.0.2.30"};
    private static final String[] ATTACKER_NETWORKS = {"100.64.0.1", "100.65.0.1", "100.66.0.1"};

    @ParameterizedTest
    @EnumSource(KafkaBackend.class)
    void shouldRevokeReplayedTokenAndThenRejectItAtTheFilter(KafkaBackend backend) {
        assumeTrue(backend.available(), backend + " is not available on this machine");
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
        try (EmbeddedSystem system = EmbeddedSystem.start(backend::start, issuer.publicKey(), DemoIssuer.KEY_ID,
                StreamsConfig.EXACTLY_ONCE_V2)) {
            String jti = UUID.randomUUID().toString();
            String token = issuer.mint("alice", jti, Duration.ofMinutes(10));

            FilterDecision first = use(system, token, NETWORKS[0]);
            assertThat(first.outcome()).isEqualTo(Outcome.ACCEPTED);
            TokenClaims claims = first.claims().orElseThrow();

            // Forged tokens claiming alice and her token id, sent from three networks.
            String forged = issuer.forge("alice", jti);
            for (String ip : ATTACKER_NETWORKS) {
                assertThat(use(system, forged, ip).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            }

            assertThat(use(system, token, NETWORKS[1]).outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(use(system, token, NETWORKS[2]).outcome()).isEqualTo(Outcome.ACCEPTED);
            // Three networks alone only alert; the token coming back to its first network while it is
            // also used elsewhere (A, B, C, A) is the second sign that two holders share it.
            long back = System.nanoTime();
            assertThat(use(system, token, NETWORKS[0]).outcome()).isEqualTo(Outcome.ACCEPTED);

            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(1))
                    .until(() -> system.revocationView().check(claims, NETWORKS[0]).isPresent());
            long millis = Duration.ofNanos(System.nanoTime() - back).toMillis();

            FilterDecision after = use(system, token, NETWORKS[0]);
            assertThat(after.outcome()).isEqualTo(Outcome.REVOKED);
            assertThat(after.status()).isEqualTo(401);
            assertThat(after.headers().get("WWW-Authenticate")).contains("error=\"invalid_token\"");
            System.out.printf("[%s] return to the first network -> rejected as revoked: %d ms%n", backend, millis);
        }
    }

    @ParameterizedTest
    @EnumSource(KafkaBackend.class)
    void shouldNotRevokeAnyoneOnForgedTokensAlone(KafkaBackend backend) throws InterruptedException {
        assumeTrue(backend.available(), backend + " is not available on this machine");
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
        try (EmbeddedSystem system = EmbeddedSystem.start(backend::start, issuer.publicKey(), DemoIssuer.KEY_ID,
                StreamsConfig.AT_LEAST_ONCE)) {
            String jti = UUID.randomUUID().toString();
            String token = issuer.mint("bob", jti, Duration.ofMinutes(10));
            TokenClaims claims = use(system, token, NETWORKS[0]).claims().orElseThrow();

            String forged = issuer.forge("bob", jti);
            for (int i = 0; i < 30; i++) {
                assertThat(use(system, forged, "100." + (64 + i) + ".0.1").outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            }
            // A genuine replay elsewhere in the same run proves the detector is processing; then the
            // forged flood must still have revoked nothing of bob's.
            String other = issuer.mint("carol", UUID.randomUUID().toString(), Duration.ofMinutes(10));
            TokenClaims carol = use(system, other, NETWORKS[0]).claims().orElseThrow();
            use(system, other, NETWORKS[1]);
            use(system, other, NETWORKS[2]);
            use(system, other, NETWORKS[0]);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> system.revocationView().check(carol, NETWORKS[0]).isPresent());

            assertThat(system.revocationView().check(claims, NETWORKS[0])).isEmpty();
            assertThat(use(system, token, NETWORKS[0]).outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(system.revocationView().size()).isEqualTo(1);
        }
    }

    private static FilterDecision use(EmbeddedSystem system, String token, String ip) {
        return system.filter().check(FilterRequest.bearer("GET", "/accounts/{id}", token, ip));
    }
}
