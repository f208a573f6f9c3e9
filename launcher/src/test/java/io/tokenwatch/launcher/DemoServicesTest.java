package io.tokenwatch.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import io.tokenwatch.schemas.JsonSerde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo issuer and sample service, over real HTTP on free ports. */
class DemoServicesTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void shouldMintTokensThatVerifyAgainstThePublishedJwks() throws Exception {
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
        server = IssuerCommand.start(issuer, IssuerCommand.jwks(issuer), Duration.ofMinutes(5), "127.0.0.1", 0);
        String base = "http://127.0.0.1:" + server.getAddress().getPort();

        String jwks = get(base + "/.well-known/jwks.json").body();
        HttpResponse<String> minted = http.send(HttpRequest.newBuilder(URI.create(base + "/token?sub=alice"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(minted.statusCode()).isEqualTo(200);
        String token = JsonSerde.MAPPER.readTree(minted.body()).get("access_token").asText();
        JwkSet set = Jwks.setParser().build().parse(jwks);
        Jwk<?> jwk = set.getKeys().iterator().next();
        assertThat(jwk.getId()).isEqualTo(DemoIssuer.KEY_ID);
        assertThat(jwk.getAlgorithm()).isEqualTo("ES256");
        String subject = Jwts.parser().verifyWith((PublicKey) jwk.toKey()).build().parseSignedClaims(token)
                .getPayload().getSubject();
        assertThat(subject).isEqualTo("alice");
        assertThat(jwks).doesNotContain("\"d\"");
    }

    @Test
    void shouldRefuseToMintWithoutASubject() throws Exception {
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
        server = IssuerCommand.start(issuer, IssuerCommand.jwks(issuer), Duration.ofMinutes(5), "127.0.0.1", 0);
        String base = "http://127.0.0.1:" + server.getAddress().getPort();

        HttpResponse<String> minted = http.send(HttpRequest.newBuilder(URI.create(base + "/token"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(minted.statusCode()).isEqualTo(400);
        assertThat(get(base + "/token").statusCode()).isEqualTo(405);
    }

    @Test
    void shouldEchoTheSubjectTheGatewayPassed() throws Exception {
        server = SampleServiceCommand.start("127.0.0.1", 0);
        String base = "http://127.0.0.1:" + server.getAddress().getPort();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/accounts/7"))
                .header(SampleServiceCommand.SUBJECT_HEADER, "https://issuer|alice")
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());

        JsonNode echo = JsonSerde.MAPPER.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(echo.get("method").asText()).isEqualTo("POST");
        assertThat(echo.get("path").asText()).isEqualTo("/accounts/7");
        assertThat(echo.get("subject").asText()).isEqualTo("https://issuer|alice");
        assertThat(echo.get("body_bytes").asLong()).isEqualTo(5);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
