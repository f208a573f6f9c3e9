package io.tokenwatch.filter.gateway;

import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.micronaut.Http;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.telemetry.KafkaUsagePublisher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tokenwatch.filter.enabled=false}: the same proxy without the filter, the baseline of the
 * gateway load run. It must forward unchecked, still strip hop-by-hop headers, client subject headers
 * and untrusted forwarding chains, and need neither keys nor Kafka.
 */
class GatewayFilterOffTest {

    private static EchoUpstream upstream;
    private static Gateway gateway;
    private static URI base;

    @BeforeAll
    static void start() throws Exception {
        upstream = new EchoUpstream();
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("tokenwatch.gateway.upstream", upstream.uri().toString());
        props.put("tokenwatch.filter.enabled", "false");
        gateway = Gateway.start(props);
        base = Http.loopback(gateway.port());
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

    @Test
    void shouldStartWithoutAnyFilterBeanAndBeReadyAtOnce() throws InterruptedException {
        assertThat(gateway.isFilterEnabled()).isFalse();
        assertThat(gateway.context().containsBean(TokenFilter.class)).isFalse();
        assertThat(gateway.context().containsBean(RevocationListener.class)).isFalse();
        assertThat(gateway.context().containsBean(KafkaUsagePublisher.class)).isFalse();
        assertThat(gateway.isReady()).isTrue();
        assertThat(gateway.awaitReady(Duration.ofMillis(1))).isTrue();
    }

    @Test
    void shouldForwardRequestsWithoutTokenUnchecked() {
        HttpResponse<String> response = Http.get(base, "/status/200/orders/1?x=1");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Upstream")).hasValue("echo");
        // No header policy either: the upstream's caching header comes back as it was.
        assertThat(response.headers().firstValue("X-Content-Type-Options")).isEmpty();
        assertThat(response.headers().allValues("Cache-Control")).containsExactly("public, max-age=60");
        assertThat(upstream.last().rawPath()).isEqualTo("/status/200/orders/1");
        assertThat(upstream.last().rawQuery()).isEqualTo("x=1");
    }

    @Test
    void shouldStillDropClientSubjectHeadersHopByHopHeadersAndUntrustedChains() {
        Http.RawResponse response = Http.raw(base, String.join("\r\n",
                "GET /hop/x HTTP/1.1",
                "Host: gateway.test",
                "X-Tokenwatch-Subject: admin",
                "X-Forwarded-For: 203.0.113.66",
                "Connection: close, X-Client-Hop",
                "X-Client-Hop: secret"));

        assertThat(response.status()).isEqualTo(200);
        EchoUpstream.Received received = upstream.last();
        assertThat(received.header("X-Tokenwatch-Subject")).isEmpty();
        assertThat(received.header("X-Client-Hop")).isEmpty();
        assertThat(received.header("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(response.header("X-Upstream-Private")).isEmpty();
    }

    @Test
    void shouldServeHealthItself() {
        int before = upstream.received().size();

        assertThat(Http.get(base, "/health").statusCode()).isEqualTo(200);
        assertThat(upstream.received()).hasSize(before);
    }
}
