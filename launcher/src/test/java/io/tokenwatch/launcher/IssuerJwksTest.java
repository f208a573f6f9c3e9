package io.tokenwatch.launcher;

import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.filter.jwks.JwksKeySource;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The JWKS that {@code tokenwatch issuer} publishes at {@code /.well-known/jwks.json} is one the
 * filter's JWKS source loads, over HTTP on loopback, and the issuer's tokens verify with it: what
 * {@code tokenwatch gateway --jwks-uri http://127.0.0.1:8082/.well-known/jwks.json --algorithm ES256} relies on.
 */
class IssuerJwksTest {

    @Test
    void shouldVerifyIssuerTokensWithKeysFetchedFromItsJwksUrl() throws Exception {
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
        HttpServer server = IssuerCommand.start(issuer, IssuerCommand.jwks(issuer), Duration.ofMinutes(5),
                "127.0.0.1", 0);
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
        try (JwksKeySource source = JwksKeySource.builder(uri, Set.of("ES256")).build().start()) {
            await().atMost(Duration.ofSeconds(10)).until(source::isLoaded);
            TokenValidator validator = new TokenValidator(IssuerPolicy.of(EmbeddedSystem.ISSUER,
                    Set.of(EmbeddedSystem.AUDIENCE), KeyRing.of(source)), Clock.systemUTC());

            assertThat(source.keys().orElseThrow().find(DemoIssuer.KEY_ID)).isPresent();
            assertThat(validator.validate(issuer.mint("alice", "jti-1", Duration.ofMinutes(5))).outcome())
                    .isEqualTo(Outcome.ACCEPTED);
            assertThat(validator.validate(issuer.forge("alice", "jti-2")).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
        } finally {
            server.stop(0);
        }
    }
}
