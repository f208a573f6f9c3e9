package io.tokenwatch.detector.telemetry;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwatch.detector.rules.DetectorDriver;
import io.tokenwatch.detector.rules.UsageEvents;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class DetectorMetricsTest {

    @TempDir
    Path stateDir;

    @Test
    void shouldCountAlertsAndRevocationsByRuleAndDeadLetteredRecords() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DetectorMetrics metrics = new DetectorMetrics(registry);
        try (DetectorDriver driver = DetectorDriver.start(stateDir, UnaryOperator.identity(), metrics)) {
            driver.sendRaw("https://issuer.example|alice", "{poison".getBytes(StandardCharsets.UTF_8), T0);
            List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");
            for (int i = 0; i < ips.size(); i++) {
                driver.send(UsageEvents.accepted().jti("replayed").from(ips.get(i)).in(List.of("DE", "AT", "CH").get(i))
                        .at(T0 + i).build());
            }

            // The test driver does not write dead letters to a topic; DetectorIntegrationTest reads them on a broker.
        }
        assertThat(registry.get(DetectorMetrics.DLQ).tag("source", "deserialization").counter().count()).isEqualTo(1);
        assertThat(registry.get(DetectorMetrics.DLQ).tag("source", "processing").counter().count()).isZero();
        assertThat(registry.get(DetectorMetrics.ALERTS).tag("rule", "token_replay").counter().count()).isEqualTo(1);
        assertThat(registry.get(DetectorMetrics.REVOCATIONS).tag("rule", "token_replay").tag("scope", "jti")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void shouldReportRestorationsInProgressAndRecordsRestored() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RestoreProgress restores = new DetectorMetrics(registry).restoreListener();
        TopicPartition changelog = new TopicPartition("app-user-profiles-changelog", 0);

        restores.onRestoreStart(changelog, "user-profiles", 0, 100);
        restores.onBatchRestored(changelog, "user-profiles", 40, 40);

        assertThat(registry.get(RestoreProgress.ACTIVE).gauge().value()).isEqualTo(1);
        assertThat(registry.get(RestoreProgress.REMAINING).gauge().value()).isEqualTo(60);
        restores.onBatchRestored(changelog, "user-profiles", 100, 60);
        restores.onRestoreEnd(changelog, "user-profiles", 100);
        assertThat(registry.get(RestoreProgress.ACTIVE).gauge().value()).isZero();
        assertThat(registry.get(RestoreProgress.RESTORED).counter().count()).isEqualTo(100);
    }

    @Test
    void shouldShowTheModeOnTheScrape() {
        DetectorMetrics metrics = DetectorMetrics.prometheus();

        metrics.mode(io.tokenwatch.detector.control.DetectorMode.AUDIT);

        String scrape = metrics.scrape().orElseThrow();
        assertThat(scrape).contains("tokenwatch_detector_mode{mode=\"audit\"} 1.0",
                "tokenwatch_detector_mode{mode=\"enforce\"} 0.0", "tokenwatch_detector_suppressions_rejected_total 0.0");
    }
}
