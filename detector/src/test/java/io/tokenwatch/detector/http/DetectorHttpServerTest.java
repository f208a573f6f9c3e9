package io.tokenwatch.detector.http;

import io.tokenwatch.detector.explain.ExplainAnswer;
import io.tokenwatch.detector.profile.LearningPeriod;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.detector.profile.UserProfileStore;
import io.tokenwatch.detector.explain.RecentAlerts;
import io.tokenwatch.detector.explain.RecentAlertsProcessor;
import io.tokenwatch.detector.explain.SubjectExplainer;
import io.tokenwatch.detector.rules.DetectorDriver;
import io.tokenwatch.detector.rules.UsageEvents;
import io.tokenwatch.detector.telemetry.DetectorMetrics;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The endpoints over the topology test driver's stores, with the client state set by the test. */
class DetectorHttpServerTest {

    private static final String ISS = "https://issuer.example";
    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.RUNNING);

    @TempDir
    Path stateDir;

    @Test
    void shouldServeExplainMetricsAndHealthFromTheDetectorsState() throws Exception {
        DetectorMetrics metrics = DetectorMetrics.prometheus();
        try (DetectorDriver driver = DetectorDriver.start(stateDir, UnaryOperator.identity(), metrics);
             DetectorHttpServer server = server(driver, metrics)) {
            List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");
            for (int i = 0; i < ips.size(); i++) {
                driver.send(UsageEvents.accepted().jti("replayed").from(ips.get(i)).in(List.of("DE", "AT", "CH").get(i))
                        .at(T0 + i).build());
            }

            HttpResponse<String> explained = get(server, "/explain?sub=alice&iss="
                    + URLEncoder.encode(ISS, StandardCharsets.UTF_8));
            assertThat(explained.statusCode()).isEqualTo(200);
            assertThat(explained.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(explained.body()).contains("\"learning\"", "\"profile\"", "\"recent_alerts\"",
                    "\"rule\":\"token_replay\"", "\"answered_by\":\"test\"");

            assertThat(get(server, "/explain?sub=bob&iss=" + ISS).statusCode()).isEqualTo(404);
            assertThat(get(server, "/explain?sub=alice").statusCode()).isEqualTo(400);
            assertThat(get(server, "/explain?iss=x&sub=").statusCode()).isEqualTo(400);

            String scrape = get(server, "/metrics").body();
            assertThat(scrape).contains("tokenwatch_detector_alerts_total{rule=\"token_replay\"} 1.0")
                    .contains("tokenwatch_detector_revocations_total{rule=\"token_replay\",scope=\"jti\"} 1.0")
                    .contains("tokenwatch_detector_dlq_total{source=\"deserialization\"} 0.0");
        }
    }

    @Test
    void shouldBeReadyOnlyWhileRunningAndAliveUntilTheClientIsDead() throws Exception {
        DetectorMetrics metrics = DetectorMetrics.prometheus();
        try (DetectorDriver driver = DetectorDriver.start(stateDir, UnaryOperator.identity(), metrics);
             DetectorHttpServer server = server(driver, metrics)) {
            for (KafkaStreams.State s : KafkaStreams.State.values()) {
                state.set(s);
                boolean dead = s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR
                        || s == KafkaStreams.State.NOT_RUNNING;
                assertThat(get(server, "/health/ready").statusCode()).as("ready in %s", s)
                        .isEqualTo(s == KafkaStreams.State.RUNNING ? 200 : 503);
                assertThat(get(server, "/health/live").statusCode()).as("live in %s", s)
                        .isEqualTo(dead ? 503 : 200);
            }
            state.set(KafkaStreams.State.REBALANCING);
            assertThat(get(server, "/health/ready").body()).contains("REBALANCING");
        }
    }

    private DetectorHttpServer server(DetectorDriver driver, DetectorMetrics metrics) throws Exception {
        KeyValueStore<String, UserProfile> profiles = driver.store(UserProfileStore.NAME);
        KeyValueStore<String, RecentAlerts> recent = driver.store(RecentAlertsProcessor.STORE);
        SubjectExplainer explainer = new SubjectExplainer(profiles::get, recent::get, LearningPeriod.defaults(),
                Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC));
        return new DetectorHttpServer(0, state::get, (iss, sub, forwarded) -> explainer.explain(iss, sub)
                .map(body -> {
                    var withHost = new java.util.LinkedHashMap<>(body);
                    withHost.put("answered_by", "test");
                    return ExplainAnswer.ok(withHost);
                })
                .orElseGet(() -> ExplainAnswer.error(404, "not_found", "unknown")), metrics::scrape);
    }

    private HttpResponse<String> get(DetectorHttpServer server, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
