package io.tokenwatch.filter.gateway;

import io.tokenwatch.filter.micronaut.Http;
import io.tokenwatch.filter.micronaut.SharedKafka;
import io.tokenwatch.filter.micronaut.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sidecar gateway between a client and a JDK echo server, on real sockets and the in-process
 * broker: what the upstream receives, what the client gets back, and what never gets through.
 */
class GatewayTest {

    private static final TestIssuer ISSUER = new TestIssuer();
    private static final String SUBJECT_KEY = TestIssuer.ISSUER + "|alice";

    @TempDir
    static Path keys;

    private static EchoUpstream upstream;
    private static Gateway gateway;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        upstream = new EchoUpstream();
        gateway = Gateway.start(properties(upstream.uri().toString()));
        base = Http.loopback(gateway.port());
        assertThat(gateway.awaitReady(Duration.ofSeconds(30))).as("revocations caught up").isTrue();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** A gateway on a random port, the issuer's key from a PEM file, /public/** proxied without a token. */
    private static Map<String, Object> properties(String upstreamUrl) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("tokenwatch.gateway.upstream", upstreamUrl);
        props.put("tokenwatch.filter.service", "orders");
        props.put("tokenwatch.filter.issuer", TestIssuer.ISSUER);
        props.put("tokenwatch.filter.audiences", TestIssuer.AUDIENCE);
        props.put("tokenwatch.filter.keys.pem-file", ISSUER.pemFile(keys).toString());
        props.put("tokenwatch.filter.keys.alg", "ES256");
        props.put("tokenwatch.filter.keys.kid", TestIssuer.KID);
        props.put("tokenwatch.filter.excluded-paths", "/health/**,/prometheus,/public/**");
        props.put("tokenwatch.filter.route-templates", "/status/{code}/orders/{id}");
        props.put("tokenwatch.filter.kafka.bootstrap-servers", SharedKafka.bootstrapServers());
        return props;
    }

    @Test
    void shouldForwardMethodPathQueryAndBodyAndReturnUpstreamStatusAndBody() {
        byte[] body = new byte[256 * 1024];
        new Random(7).nextBytes(body);
        HttpResponse<byte[]> response = Http.sendBytes(HttpRequest.newBuilder(
                        base.resolve("/status/201/orders/17?note=a%20b&x=1"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + ISSUER.mint("alice"))
                .header("Content-Type", "application/octet-stream")
                .header("X-Request-Id", "r-1")
                .build());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("X-Upstream")).hasValue("echo");
        EchoUpstream.Received received = upstream.last();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.rawPath()).isEqualTo("/status/201/orders/17");
        assertThat(received.rawQuery()).isEqualTo("note=a%20b&x=1");
        assertThat(received.body()).isEqualTo(body);
        assertThat(received.header("X-Request-Id")).containsExactly("r-1");
        assertThat(received.header("Content-Type")).containsExactly("application/octet-stream");
        assertThat(received.header("Authorization")).hasSize(1);
        assertThat(received.header("Host")).containsExactly(upstream.uri().getAuthority());
    }

    @Test
    void shouldPreserveUpstreamErrorStatusAndMergeSecurityHeaders() {
        HttpResponse<String> response = Http.getWithToken(base, "/missing", ISSUER.mint("alice"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"upstream\":\"not found\"}");
        assertThat(response.headers().firstValue("X-Upstream")).hasValue("echo");
        assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(response.headers().firstValue("Content-Security-Policy")).isPresent();
        // The policy wins over the upstream: what a token unlocked is not cached (RFC 9111 §5.2.2.5).
        assertThat(response.headers().allValues("Cache-Control")).containsExactly("no-store");
    }

    @Test
    void shouldStripHopByHopHeadersBothWays() {
        Http.RawResponse response = Http.raw(base, String.join("\r\n",
                "GET /hop/x HTTP/1.1",
                "Host: gateway.test",
                "Authorization: Bearer " + ISSUER.mint("alice"),
                "Connection: close, X-Client-Hop",
                "X-Client-Hop: secret",
                "Keep-Alive: timeout=300",
                "TE: trailers",
                "Trailer: X-Checksum",
                "Upgrade: example/1",
                "Proxy-Authorization: Basic Zm9vOmJhcg==",
                "Proxy-Connection: keep-alive",
                "X-End-To-End: kept"));

        assertThat(response.status()).isEqualTo(200);
        EchoUpstream.Received received = upstream.last();
        assertThat(received.header("X-End-To-End")).containsExactly("kept");
        for (String hop : new String[] {"X-Client-Hop", "Keep-Alive", "TE", "Trailer", "Upgrade",
                "Proxy-Authorization", "Proxy-Connection"}) {
            assertThat(received.header(hop)).as(hop).isEmpty();
        }
        assertThat(received.header("Connection")).noneMatch(v -> v.contains("X-Client-Hop"));
        assertThat(response.header("X-Upstream")).containsExactly("echo");
        assertThat(response.header("X-Upstream-Private")).isEmpty();
        assertThat(response.header("Proxy-Authenticate")).isEmpty();
        assertThat(response.header("Keep-Alive")).isEmpty();
    }

    @Test
    void shouldReplaceClientSentSubjectWithTheVerifiedOne() {
        Http.RawResponse response = Http.raw(base, String.join("\r\n",
                "GET /status/200/orders/1 HTTP/1.1",
                "Host: gateway.test",
                "Authorization: Bearer " + ISSUER.mint("alice"),
                "X-Tokenwatch-Subject: " + TestIssuer.ISSUER + "|admin",
                "x-tokenwatch-subject: root",
                "Connection: close"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(upstream.last().header("X-Tokenwatch-Subject")).containsExactly(SUBJECT_KEY);
    }

    @Test
    void shouldProxyExcludedPathWithoutTokenAndWithoutAnySubject() {
        HttpResponse<String> response = Http.get(base, "/public/status", "X-Tokenwatch-Subject", "admin");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(upstream.last().rawPath()).isEqualTo("/public/status");
        assertThat(upstream.last().header("X-Tokenwatch-Subject")).isEmpty();
    }

    @Test
    void shouldNeverReachUpstreamWithRejectedToken() {
        int before = upstream.received().size();

        HttpResponse<String> forged = Http.getWithToken(base, "/status/200/orders/1", ISSUER.forge("alice"));
        HttpResponse<String> missing = Http.get(base, "/status/200/orders/1");
        Http.RawResponse sneaky = Http.raw(base,
                "GET /public/../status/200/orders/1 HTTP/1.1\r\nHost: gateway.test\r\nConnection: close");

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("invalid_token");
        assertThat(forged.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(sneaky.status()).isEqualTo(401);
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void shouldServeHealthAndMetricsItselfAndReplaceSpoofedForwardedFor() {
        int before = upstream.received().size();
        assertThat(Http.get(base, "/health/readiness").statusCode()).isEqualTo(200);
        assertThat(Http.get(base, "/prometheus").body()).contains("tokenwatch_requests_total");
        assertThat(upstream.received()).hasSize(before);

        Http.get(base, "/status/200/orders/2", "Authorization", "Bearer " + ISSUER.mint("alice"),
                "X-Forwarded-For", "203.0.113.66", "Forwarded", "for=203.0.113.66");

        // The peer is not a trusted proxy: what it wrote is dropped, its own address is the chain.
        assertThat(upstream.last().header("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(upstream.last().header("Forwarded")).isEmpty();
        assertThat(upstream.last().header("X-Forwarded-Proto")).containsExactly("http");
    }

    @Test
    void shouldAnswer502WithSecurityHeadersWhenUpstreamIsDown() throws IOException {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        try (Gateway down = Gateway.start(properties("http://127.0.0.1:" + closedPort))) {
            assertThat(down.awaitReady(Duration.ofSeconds(30))).isTrue();
            HttpResponse<String> response = Http.getWithToken(Http.loopback(down.port()), "/status/200/x", ISSUER.mint("alice"));

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).isEqualTo("{\"error\":\"bad_gateway\"}");
            assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldRefuseToStartWithOneLineReasonForBadKeyFile() {
        Map<String, Object> props = properties(upstream.uri().toString());
        props.put("tokenwatch.filter.keys.pem-file", keys.resolve("no-such.pem").toString());

        assertThatThrownBy(() -> Gateway.start(props))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tokenwatch.filter.keys.pem-file")
                .hasMessageContaining("no such file")
                .message().doesNotContain("\n");
    }
}
