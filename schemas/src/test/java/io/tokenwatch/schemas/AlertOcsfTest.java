package io.tokenwatch.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.tokenwatch.schemas.TestEvents.alert;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our alerts are OCSF Detection Findings: checked against the compiled OCSF schema by
 * {@link OcsfValidator}, and the validator is shown to fail on findings that are not.
 */
class AlertOcsfTest {

    private static final String DETECTION_FINDING = "detection_finding";

    private final OcsfValidator ocsf = OcsfValidator.ocsf150();

    @Test
    void shouldClaimTheOcsfVersionItIsCheckedAgainst() {
        assertThat(ocsf.version()).isEqualTo(Alert.OCSF_VERSION);
        assertThat(wire(alert()).path("metadata").path("version").asText()).isEqualTo(ocsf.version());
    }

    @Test
    void shouldConformWithEveryNestedPart() {
        assertThat(ocsf.validate(DETECTION_FINDING, wire(alert()))).isEmpty();
    }

    @Test
    void shouldConformWithOnlyRequiredParts() {
        TestEvents.AlertBuilder minimal = alert()
                .findingInfo(new Alert.FindingInfo("f-1", "t", null, null, null, null, null, null))
                .actor(null).evidences(null).anomalyAnalyses(null).unmapped(null).message(null);

        assertThat(ocsf.validate(DETECTION_FINDING, wire(minimal))).isEmpty();
    }

    @Test
    void shouldConformForEveryActivityAndSeverity() {
        for (Alert.Activity activity : Alert.Activity.values()) {
            for (Alert.Severity severity : Alert.Severity.values()) {
                assertThat(ocsf.validate(DETECTION_FINDING, wire(alert().activity(activity).severity(severity))))
                        .as("%s %s", activity, severity).isEmpty();
            }
        }
    }

    @Test
    void shouldDemandTheProfileFreeRequiredAttributes() {
        JsonNode empty = TestJson.parse("{}").tree();

        assertThat(ocsf.validate(DETECTION_FINDING, empty)).containsExactlyInAnyOrder(
                "activity_id: required attribute missing",
                "category_uid: required attribute missing",
                "class_uid: required attribute missing",
                "finding_info: required attribute missing",
                "metadata: required attribute missing",
                "severity_id: required attribute missing",
                "time: required attribute missing",
                "type_uid: required attribute missing");
    }

    @Test
    void shouldFlagUnknownAttribute() {
        assertThat(problems(json().with("token_fingerprint", TestEvents.FINGERPRINT)))
                .containsExactly("token_fingerprint: unknown attribute of detection_finding");
    }

    @Test
    void shouldFlagUnknownAttributeOfNestedObject() {
        assertThat(problems(json().with("evidences.0.src_endpoint.location.lon", 13.4)))
                .containsExactly("evidences[0].src_endpoint.location.lon: unknown attribute of location");
    }

    @Test
    void shouldAcceptAnythingInUnmapped() {
        assertThat(problems(json().with("unmapped.anything", Map.of("nested", List.of(1, "two", true))))).isEmpty();
    }

    @Test
    void shouldFlagEnumValueOutOfRange() {
        assertThat(problems(json().with("severity_id", 7).without("severity")))
                .containsExactly("severity_id: 7 is not one of [3, 6, 0, 1, 2, 99, 4, 5]");
    }

    @Test
    void shouldFlagNestedEnumValueOutOfRange() {
        assertThat(problems(json().with("finding_info.analytic.type_id", 42).without("finding_info.analytic.type")))
                .singleElement().asString().startsWith("finding_info.analytic.type_id: 42 is not one of");
    }

    @Test
    void shouldFlagCaptionThatDoesNotMatchItsId() {
        assertThat(problems(json().with("severity", "Low")))
                .containsExactly("severity: \"Low\" is not the caption of severity_id 4 (\"High\")");
    }

    @Test
    void shouldFlagMissingRequiredAttribute() {
        assertThat(problems(json().without("finding_info.uid")))
                .containsExactly("finding_info.uid: required attribute missing");
    }

    @Test
    void shouldFlagMissingRequiredAttributeInArrayElement() {
        assertThat(problems(json().without("anomaly_analyses.0.anomalies.0.observations.0.value")))
                .containsExactly("anomaly_analyses[0].anomalies[0].observations[0].value: required attribute missing");
    }

    @Test
    void shouldFlagAnomalyAnalysisWithoutTargets() {
        assertThat(problems(json().with("anomaly_analyses.0.analysis_targets", List.of())))
                .containsExactly("anomaly_analyses[0].analysis_targets: required attribute is an empty array");
    }

    @Test
    void shouldRefuseToBuildAnomalyAnalysisWithoutTargets() {
        List<Alert.Anomaly> anomalies = List.of(new Alert.Anomaly("distinct_client_networks", "count",
                List.of(new Alert.Observation("3", 3)), null));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Alert.AnomalyAnalysis(anomalies, List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("analysis_targets");
    }

    @Test
    void shouldFlagWrongTypes() {
        assertThat(problems(json().with("time", "2025-06-15T00:00:00Z").with("is_alert", "yes")
                .with("evidences.0.src_endpoint.location.lat", "north")
                .with("finding_info.first_seen_time", 1.5)))
                .containsExactlyInAnyOrder(
                        "time: expected timestamp_t (long_t), was STRING",
                        "is_alert: expected boolean_t, was STRING",
                        "evidences[0].src_endpoint.location.lat: expected float_t, was STRING",
                        "finding_info.first_seen_time: expected timestamp_t (long_t), was NUMBER");
    }

    @Test
    void shouldFlagIntegerOutOfIntegerRange() {
        assertThat(problems(json().with("anomaly_analyses.0.anomalies.0.observations.0.count", 3_000_000_000L)))
                .containsExactly("anomaly_analyses[0].anomalies[0].observations[0].count: expected integer_t, was NUMBER");
    }

    @Test
    void shouldFlagValueThatIsNotAnIpAddress() {
        assertThat(problems(json().with("evidences.0.src_endpoint.ip", "proxy.example.com")))
                .containsExactly("evidences[0].src_endpoint.ip: not a valid ip_t");
    }

    @Test
    void shouldFlagObjectWhereArrayIsDeclared() {
        assertThat(problems(json().with("evidences", Map.of("name", "request"))))
                .containsExactly("evidences: expected an array, was OBJECT");
    }

    @Test
    void shouldFlagUnmetAtLeastOneConstraint() {
        assertThat(problems(json().with("actor", Map.of())))
                .singleElement().asString().startsWith("actor: needs at least one of [");
    }

    @Test
    void shouldFlagTypeUidThatIsNotClassTimesHundredPlusActivity() {
        assertThat(problems(json().with("type_uid", 200402)))
                .containsExactly("type_uid: 200402 is not class_uid * 100 + activity_id");
    }

    @Test
    void shouldFlagEveryProblemNotJustTheFirst() {
        assertThat(problems(json().with("bogus", 1).with("severity_id", 7).without("severity")
                .without("finding_info.uid"))).hasSize(3);
    }

    private static TestJson json() {
        return TestJson.of(Topics.ALERTS, alert().build());
    }

    private List<String> problems(TestJson json) {
        return ocsf.validate(DETECTION_FINDING, json.tree());
    }

    private static JsonNode wire(TestEvents.AlertBuilder alert) {
        return TestJson.of(Topics.ALERTS, alert.build()).tree();
    }
}
