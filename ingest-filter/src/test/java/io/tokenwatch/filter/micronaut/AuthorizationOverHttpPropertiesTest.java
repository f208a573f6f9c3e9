package io.tokenwatch.filter.micronaut;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.tokenwatch.filter.TokenArbitraries;
import io.tokenwatch.filter.revocation.RevocationListener;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Over real HTTP: whatever {@code Authorization} values a request carries, the Micronaut filter
 * answers 400 or 401 with the security headers, never a 5xx and never the controller.
 */
class AuthorizationOverHttpPropertiesTest {

    private static final TestIssuer ISSUER = new TestIssuer();
    private static EmbeddedServer server;

    @BeforeContainer
    static void start() throws InterruptedException {
        server = ApplicationContext.run(EmbeddedServer.class,
                TokenwatchServerFilterTest.properties(ISSUER, SharedKafka.bootstrapServers()));
        server.getApplicationContext().getBean(RevocationListener.class).awaitReady(Duration.ofSeconds(30));
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.getApplicationContext().close();
        }
    }

    @Property(tries = 150)
    void shouldAnswerAnyAuthorizationWith400Or401(@ForAll("authorizations") List<String> values) {
        HttpRequest.Builder request = HttpRequest.newBuilder(Http.loopback(server.getPort()).resolve("/api/me")).GET();
        for (String value : values) {
            request.header("Authorization", value);
        }

        HttpResponse<String> response = Http.send(request);

        assertThat(response.statusCode()).as("Authorization %s", values).isIn(400, 401);
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.body()).doesNotContain("|verified=");
    }

    @Provide
    Arbitrary<List<String>> authorizations() {
        Arbitrary<String> printable = Arbitraries.strings().withCharRange(' ', '~').withChars('\t').ofMaxLength(300)
                .map(String::strip).filter(s -> !s.isEmpty());
        Arbitrary<String> bearerShaped = TokenArbitraries.tokenShaped().map(t -> "Bearer " + t);
        Arbitrary<String> schemes = Arbitraries.of("Bearer", "bearer", "BEARER", "Basic", "Token", "Bearer  ",
                "Bearer\t").flatMap(s -> printable.map(v -> s + " " + v));
        Arbitrary<String> forged = Arbitraries.of("alice", "admin").map(s -> "Bearer " + ISSUER.forge(s));
        Arbitrary<String> one = Arbitraries.frequencyOf(Tuple.of(3, bearerShaped), Tuple.of(2, printable),
                Tuple.of(2, schemes), Tuple.of(1, forged));
        return one.list().ofMinSize(1).ofMaxSize(3);
    }
}
