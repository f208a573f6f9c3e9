package io.tokenwatch.filter.gateway;

import io.tokenwatch.filter.micronaut.Http;
import io.tokenwatch.filter.micronaut.SharedKafka;
import io.tokenwatch.filter.micronaut.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 item 6, by attack over real sockets: client errors get 4xx (or 505) from the gateway itself
 * and never reach the upstream, whatever the token.
 */
class GatewayClientErrorTest {

    private static final TestIssuer ISSUER = new TestIssuer();

    @TempDir
    static Path keys;

    private static EchoUpstream upstream;
    /** Default settings: 10 MiB bodies, the default method list. */
    private static Gateway gateway;
    /** A 64 KiB body limit and only GET and POST. */
    private static Gateway strict;

    @BeforeAll
    static void start() throws Exception {
        upstream = new EchoUpstream();
        gateway = Gateway.start(properties(Map.of()));
        strict = Gateway.start(properties(Map.of("micronaut.server.max-request-size", "64KB",
                "tokenwatch.gateway.allowed-methods", "GET,POST")));
        assertThat(gateway.awaitReady(Duration.ofSeconds(30))).isTrue();
        assertThat(strict.awaitReady(Duration.ofSeconds(30))).isTrue();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gateway, strict, upstream}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static Map<String, Object> properties(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("tokenwatch.gateway.upstream", upstream.uri().toString());
        props.put("tokenwatch.filter.issuer", TestIssuer.ISSUER);
        props.put("tokenwatch.filter.audiences", TestIssuer.AUDIENCE);
        props.put("tokenwatch.filter.keys.pem-file", ISSUER.pemFile(keys).toString());
        props.put("tokenwatch.filter.keys.alg", "ES256");
        props.put("tokenwatch.filter.keys.kid", TestIssuer.KID);
        props.put("tokenwatch.filter.kafka.bootstrap-servers", SharedKafka.bootstrapServers());
        props.putAll(extra);
        return props;
    }

    @Test
    void shouldAnswer413BeforeReadingADeclaredBodyOverTenMebibytesWithAValidToken() {
        int before = upstream.received().size();

        String response = exchange(gateway, head("POST /orders HTTP/1.1", "Content-Type: application/octet-stream",
                "Content-Length: " + (10L * 1024 * 1024 + 1)), new byte[0]);

        assertThat(statusLine(response)).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(response).contains("{\"error\":\"payload_too_large\"}").containsIgnoringCase("connection: close")
                .containsIgnoringCase("x-content-type-options: nosniff");
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void shouldAnswer413ForAChunkedBodyThatGrowsPastTheConfiguredLimit() {
        byte[] chunk = new byte[16 * 1024];
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < 8; i++) {
            body.writeBytes((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(chunk);
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        body.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        String response = exchange(strict, head("POST /orders HTTP/1.1", "Transfer-Encoding: chunked"),
                body.toByteArray());

        assertThat(statusLine(response)).startsWith("HTTP/1.1 413");
    }

    @Test
    void shouldAcceptABodyJustUnderTheConfiguredLimit() {
        byte[] body = new byte[60 * 1024];

        String response = exchange(strict, head("POST /status/200/x HTTP/1.1", "Content-Length: " + body.length),
                body);

        assertThat(statusLine(response)).isEqualTo("HTTP/1.1 200 OK");
        assertThat(upstream.last().body()).hasSize(body.length);
    }

    @Test
    void shouldAnswer405WithAllowForTraceAndInventedMethodsWithoutReachingTheUpstream() {
        int before = upstream.received().size();

        String trace = exchange(gateway, head("TRACE /orders HTTP/1.1"), new byte[0]);
        String invented = exchange(gateway, head("BREW /orders HTTP/1.1"), new byte[0]);
        String connect = exchange(gateway, head("CONNECT upstream.test:443 HTTP/1.1"), new byte[0]);
        String deleteOnStrict = exchange(strict, head("DELETE /orders/1 HTTP/1.1"), new byte[0]);

        for (String response : new String[] {trace, invented, connect}) {
            assertThat(statusLine(response)).isEqualTo("HTTP/1.1 405 Method Not Allowed");
            assertThat(response).containsIgnoringCase("allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
                    .contains("{\"error\":\"method_not_allowed\"}");
        }
        assertThat(statusLine(deleteOnStrict)).isEqualTo("HTTP/1.1 405 Method Not Allowed");
        assertThat(deleteOnStrict).containsIgnoringCase("allow: GET, POST");
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void shouldStillForwardAllowedMethods() {
        String delete = exchange(gateway, head("DELETE /status/204/orders/1 HTTP/1.1"), new byte[0]);

        assertThat(statusLine(delete)).isEqualTo("HTTP/1.1 204 No Content");
        assertThat(upstream.last().method()).isEqualTo("DELETE");
    }

    @Test
    void shouldAnswer505AsHttp11ForUnsupportedVersionsWithoutEchoingThem() {
        int before = upstream.received().size();

        for (String version : new String[] {"HTTP/9.9", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9"}) {
            String response = exchange(gateway, head("GET /status/200/x " + version), new byte[0]);

            assertThat(statusLine(response)).as(version).isEqualTo("HTTP/1.1 505 HTTP Version Not Supported");
            assertThat(response).as(version).doesNotContain(version + " ")
                    .contains("{\"error\":\"http_version_not_supported\"}");
        }
        // Not a version at all: Netty's decoder refuses the request line, which is a 400.
        String malformed = exchange(gateway, head("GET /status/200/x HTTPS/1.1"), new byte[0]);
        assertThat(statusLine(malformed)).matches("HTTP/1\\.[01] 400 Bad Request");
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void shouldStillSpeakHttp10() {
        String response = exchange(gateway, head("GET /status/200/x HTTP/1.0"), new byte[0]);

        assertThat(statusLine(response)).startsWith("HTTP/1.").contains(" 200 ");
    }

    /** A request head with Host, a valid token and Connection: close. */
    private static String head(String requestLine, String... headers) {
        StringBuilder head = new StringBuilder(requestLine).append("\r\nHost: gateway.test\r\n")
                .append("Authorization: Bearer ").append(ISSUER.mint("alice")).append("\r\n")
                .append("Connection: close\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    /**
     * Writes {@code head} and {@code body} on a fresh connection (a writer thread, since the gateway may
     * answer and close before the body is written) and reads the response until the gateway closes.
     */
    private static String exchange(Gateway target, String head, byte[] body) {
        URI base = Http.loopback(target.port());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    // The gateway refused and closed before the body was all written: expected for an oversize body.
                }
            }, "client-error-writer");
            writer.start();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    all.write(buf, 0, n);
                }
            } catch (IOException e) {
                // A reset after the response (unread body bytes on close): the response is already read.
                if (all.size() == 0) {
                    throw e;
                }
            }
            writer.join(15_000);
            return all.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String statusLine(String response) {
        int end = response.indexOf("\r\n");
        return end < 0 ? response : response.substring(0, end);
    }
}
