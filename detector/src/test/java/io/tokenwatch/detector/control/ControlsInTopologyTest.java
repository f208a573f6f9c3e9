package io.tokenwatch.detector.control;

import io.tokenwatch.detector.rules.DetectorDriver;
import io.tokenwatch.detector.rules.ResponseAction;
import io.tokenwatch.detector.rules.UsageEvents;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The gate wired into the whole detector: the real rules' findings pass through it to every output. */
class ControlsInTopologyTest {

    private static final long T0 = DetectorDriver.T0;

    @TempDir
    Path stateDir;

    /**
     * One token from three networks within a minute and back to the first (two signs: the
     * token-replay rule's finding with a token block; three networks alone only alert).
     */
    private static void replay(DetectorDriver detector) {
        detector.send(UsageEvents.accepted().from("198.51.100.7").at(T0).build());
        detector.send(UsageEvents.accepted().from("203.0.113.9").at(T0 + 10_000).build());
        detector.send(UsageEvents.accepted().from("192.0.2.44").at(T0 + 20_000).build());
        detector.send(UsageEvents.accepted().from("198.51.100.7").at(T0 + 30_000).build());
    }

    @Test
    void shouldAlertWithWouldIssueAndRevokeNothingInAuditMode() {
        try (DetectorDriver detector = DetectorDriver.start(stateDir, c -> c.withControls(Controls.audit()))) {
            replay(detector);

            assertThat(detector.revocations()).isEmpty();
            List<KeyValue<String, Alert>> alerts = detector.alerts();
            assertThat(alerts).isNotEmpty().allSatisfy(alert -> {
                Map<?, ?> response = (Map<?, ?>) alert.value.unmapped().get("response");
                assertThat(response.get("mode")).isEqualTo("audit");
                assertThat(alert.value.unmapped()).containsKey("silence");
            });
            List<Object> keys = alerts.stream()
                    .flatMap(alert -> ((List<?>) ((Map<?, ?>) alert.value.unmapped().get("response"))
                            .get("would_issue")).stream())
                    .map(r -> (Object) ((Map<?, ?>) r).get("key")).toList();
            assertThat(keys).containsExactly("jti|https://issuer.example|token-1");
        }
    }

    @Test
    void shouldRevokeInEnforceModeAsBefore() {
        try (DetectorDriver detector = DetectorDriver.start(stateDir)) {
            replay(detector);

            assertThat(detector.revocations()).extracting(kv -> kv.key)
                    .containsExactly("jti|https://issuer.example|token-1");
            Map<?, ?> response = (Map<?, ?>) detector.alerts().get(0).value.unmapped().get("response");
            assertThat(response.get("mode")).isEqualTo("enforce");
        }
    }

    @Test
    void shouldSilenceReplayFromAllowListedNetworks() {
        Controls controls = Controls.enforcing().withNetworks(NetworkAllowList.of(
                List.of("198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24")));
        try (DetectorDriver detector = DetectorDriver.start(stateDir, c -> c.withControls(controls))) {
            replay(detector);

            assertThat(detector.alerts()).isEmpty();
            assertThat(detector.revocations()).isEmpty();
        }
    }

    @Test
    void shouldWriteCommandLineResponsesIntoTheRulesPolicy() {
        DetectorConfig config = DetectorConfig.defaults("unused:9092", stateDir).withControls(Controls.enforcing()
                .withResponses(ResponseOverrides.parse(List.of("impossible_travel=alert", "rate_spike=observe",
                        "concurrent_use:critical=alert,revoke_subject"))));

        var policy = config.userProfile().response();
        assertThat(policy.actionsFor("impossible_travel", Alert.Severity.HIGH)).containsExactly(ResponseAction.ALERT);
        assertThat(policy.actionsFor("rate_spike", Alert.Severity.LOW)).as("observed at the gate, so the rule alerts")
                .containsExactly(ResponseAction.ALERT);
        assertThat(policy.actionsFor("concurrent_use", Alert.Severity.CRITICAL))
                .containsExactlyInAnyOrder(ResponseAction.ALERT, ResponseAction.REVOKE_SUBJECT);
        assertThat(policy.actionsFor("concurrent_use", Alert.Severity.HIGH)).as("other severities as before")
                .containsExactlyInAnyOrder(ResponseAction.ALERT, ResponseAction.REVOKE_TOKEN);
        assertThat(config.withEcsTopic("x").userProfile().response()).as("kept across with-methods").isEqualTo(policy);
    }

    @Test
    void shouldPutTheNamedGateBetweenTheMergedDetectionsAndEveryOutput() {
        TopologyDescription description = DetectorTopology.build(DetectorConfig.defaults("unused:9092", stateDir))
                .describe();
        TopologyDescription.Node gate = description.subtopologies().stream().flatMap(s -> s.nodes().stream())
                .filter(n -> n.name().equals("control-gate")).findFirst().orElseThrow();

        assertThat(gate.predecessors()).extracting(TopologyDescription.Node::name)
                .containsExactly("merge-user-profile-rules");
        assertThat(gate.successors()).extracting(TopologyDescription.Node::name).containsExactlyInAnyOrder(
                "detection-alert", "detection-metrics", "subject-recent-alerts-update", "detection-revocations");
        assertThat(description.globalStores()).extracting(g -> g.source().topicSet().iterator().next())
                .contains("tokenwatch.suppressions");
    }
}
