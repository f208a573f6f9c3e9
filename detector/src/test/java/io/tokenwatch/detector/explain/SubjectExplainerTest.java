package io.tokenwatch.detector.explain;

import io.tokenwatch.detector.profile.LearningPeriod;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.detector.profile.UserProfileStore;
import io.tokenwatch.detector.rules.DetectorDriver;
import io.tokenwatch.detector.rules.UsageEvents;
import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class SubjectExplainerTest {

    private static final String ISS = "https://issuer.example";
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(T0 + 60_000), ZoneOffset.UTC);

    private static final List<String> COUNTRIES = List.of("DE", "AT", "CH");

    @TempDir
    Path stateDir;

    @Test
    void shouldExplainProfileLearningStateAndRecentAlertsOfASubject() throws Exception {
        try (DetectorDriver driver = DetectorDriver.start(stateDir, UnaryOperator.identity())) {
            List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");
            for (int i = 0; i < ips.size(); i++) {
                // Three networks in three countries within seconds: two signs of a copied token, so it is revoked.
                driver.send(UsageEvents.accepted().jti("replayed").from(ips.get(i)).in(COUNTRIES.get(i)).device("phone-1")
                        .userAgent("Mozilla/5.0 Firefox/128.0").at(T0 + i * 1_000L).build());
            }

            Map<String, Object> body = explainer(driver).explain(ISS, "alice").orElseThrow();
            String json = JsonSerde.MAPPER.writeValueAsString(body);

            assertThat(body.get("subject")).isEqualTo(Map.of("iss", ISS, "sub", "alice", "key", ISS + "|alice"));
            assertThat(body.get("learning")).isInstanceOfSatisfying(Map.class, learning -> {
                assertThat(learning.get("events")).isEqualTo(3L);
                assertThat(learning.get("min_events")).isEqualTo(50L);
                assertThat(learning.get("complete")).isEqualTo(false);
            });
            assertThat(body.get("profile")).isInstanceOfSatisfying(Map.class, profile -> {
                assertThat(profile.get("events")).isEqualTo(3L);
                assertThat(((Map<?, ?>) profile.get("networks")).get("count")).isEqualTo(3);
                assertThat(((Map<?, ?>) profile.get("devices")).get("count")).isEqualTo(1);
                assertThat(profile.get("user_agent_families").toString()).contains("firefox");
                assertThat(profile.get("countries").toString()).contains("DE");
                assertThat((List<?>) profile.get("hour_histogram_utc")).hasSize(24);
                assertThat(profile.get("rates").toString()).contains("route_class=accounts");
            });
            assertThat(json).contains("\"fnv1a64:").doesNotContain("phone-1")
                    .doesNotContain("a".repeat(64)); // the token fingerprint never reaches state
            assertThat((List<?>) body.get("recent_alerts")).singleElement().isInstanceOfSatisfying(AlertSummary.class,
                    alert -> {
                        assertThat(alert.rule()).isEqualTo("token_replay");
                        assertThat(alert.activity()).isEqualTo("Create");
                        assertThat(alert.containment()).containsExactly("block jti|" + ISS + "|replayed");
                    });
        }
    }

    @Test
    void shouldKeepOnlyTheLatestTenAlertsOfASubject() {
        try (DetectorDriver driver = DetectorDriver.start(stateDir, UnaryOperator.identity())) {
            for (int token = 0; token < 12; token++) {
                List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");
                for (int i = 0; i < ips.size(); i++) {
                    driver.send(UsageEvents.accepted().jti("t" + token).from(ips.get(i)).in(COUNTRIES.get(i))
                            .at(T0 + token * 10_000L + i).build());
                }
            }

            RecentAlerts recent = driver.<RecentAlerts>store(RecentAlertsProcessor.STORE).get(ISS + "|alice");

            assertThat(recent.alerts()).hasSize(RecentAlerts.MAX);
            assertThat(recent.alerts().get(0).containment()).containsExactly("block jti|" + ISS + "|t2");
        }
    }

    @Test
    void shouldKnowNothingOfASubjectWithoutProfileOrAlertsNorKeepAlertsAboutAddresses() {
        try (DetectorDriver driver = DetectorDriver.start(stateDir, UnaryOperator.identity())) {
            driver.send(UsageEvents.accepted().build());

            assertThat(explainer(driver).explain(ISS, "bob")).isEqualTo(Optional.empty());
            assertThat(explainer(driver).explain(ISS, "alice")).isPresent();
        }
    }

    static SubjectExplainer explainer(DetectorDriver driver) {
        KeyValueStore<String, UserProfile> profiles = driver.store(UserProfileStore.NAME);
        KeyValueStore<String, RecentAlerts> recent = driver.store(RecentAlertsProcessor.STORE);
        return new SubjectExplainer(profiles::get, recent::get, LearningPeriod.defaults(), CLOCK);
    }
}
