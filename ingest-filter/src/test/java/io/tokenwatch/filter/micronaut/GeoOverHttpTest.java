package io.tokenwatch.filter.micronaut;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Geo over real HTTP and the in-process broker: CDN headers count from the trusted proxy (127.0.0.1)
 * and are ignored from any other peer (127.0.0.2, a client talking to the filter directly).
 */
class GeoOverHttpTest {

    private static final TestIssuer ISSUER = new TestIssuer();
    private static final String PROXY = "127.0.0.1";
    private static final String SPOOFER = "127.0.0.2";
    private static String bootstrapServers;
    private static EmbeddedServer server;
    private static URI base;

    @BeforeAll
    static void start() throws InterruptedException {
        bootstrapServers = SharedKafka.bootstrapServers();
        Map<String, Object> props = TokenwatchServerFilterTest.properties(ISSUER, bootstrapServers);
        props.put("tokenwatch.filter.filter-id", "filter-geo-http");
        props.put("tokenwatch.filter.trusted-proxies", PROXY + "/32");
        props.put("tokenwatch.filter.geo.country-header", "CloudFront-Viewer-Country");
        server = ApplicationContext.run(EmbeddedServer.class, props);
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

    @Test
    void shouldEmitGeoFromCdnHeadersSetByTrustedProxy() {
        String jti = "jti-geo-" + UUID.randomUUID();

        int status = get(PROXY, jti, "X-Forwarded-For: 198.51.100.77", "CloudFront-Viewer-Country: BR",
                "CloudFront-Viewer-Country-Region: SP", "CloudFront-Viewer-Latitude: -23.5505",
                "CloudFront-Viewer-Longitude: -46.6333", "CloudFront-Viewer-ASN: 28573");

        assertThat(status).isEqualTo(200);
        TokenUsageEvent event = eventOf(jti);
        assertThat(event.request().clientIp()).isEqualTo("198.51.100.77");
        assertThat(event.request().geo()).isEqualTo(new TokenUsageEvent.Geo("BR", "SP", -23.5505, -46.6333, 28573L));
    }

    @Test
    void shouldIgnoreCdnHeadersSentByClientDirectly() {
        String jti = "jti-geo-spoof-" + UUID.randomUUID();

        int status = get(SPOOFER, jti, "X-Forwarded-For: 198.51.100.78", "CloudFront-Viewer-Country: US",
                "CloudFront-Viewer-Latitude: 38.9", "CloudFront-Viewer-Longitude: -77.0");

        assertThat(status).isEqualTo(200);
        TokenUsageEvent event = eventOf(jti);
        assertThat(event.request().clientIp()).isEqualTo(SPOOFER);
        assertThat(event.request().geo()).isNull();
    }

    @Test
    void shouldAcceptRequestAndDropMalformedGeoFromTrustedProxy() {
        String jti = "jti-geo-bad-" + UUID.randomUUID();

        int status = get(PROXY, jti, "CloudFront-Viewer-Country: usa", "CloudFront-Viewer-Latitude: NaN",
                "CloudFront-Viewer-Longitude: 1e309", "CloudFront-Viewer-ASN: -1");

        assertThat(status).isEqualTo(200);
        assertThat(eventOf(jti).request().geo()).isNull();
    }

    private static TokenUsageEvent eventOf(String jti) {
        return UsageEvents.find(bootstrapServers, e -> e.token() != null && jti.equals(e.token().jti()),
                Duration.ofSeconds(20)).orElseThrow(() -> new AssertionError("no usage event for " + jti));
    }

    /** A GET of {@code /api/me} with a fresh token, sent from the local address {@code from}; the status. */
    private static int get(String from, String jti, String... headerLines) {
        StringBuilder head = new StringBuilder("GET /api/me HTTP/1.1\r\nHost: geo.test\r\nConnection: close\r\n")
                .append("Authorization: Bearer ").append(ISSUER.mint("gina", jti));
        for (String line : headerLines) {
            head.append("\r\n").append(line);
        }
        head.append("\r\n\r\n");
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress(InetAddress.getByName(base.getHost()), base.getPort()), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(response);
            String statusLine = response.toString(StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
            return Integer.parseInt(statusLine.split(" ")[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
