package io.tokenwatch.detector.control;

import io.tokenwatch.detector.telemetry.DetectorMetrics;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Suppression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.detector.control.Findings.ISSUER;
import static org.assertj.core.api.Assertions.assertThat;

/** The control gate alone, fed made-up findings: each control, and what every published alert carries. */
class ControlGateTest {

    private static final long DAY = 86_400_000L;

    @TempDir
    Path stateDir;

    private GateDriver gate;

    private GateDriver start(Controls controls) {
        gate = new GateDriver(stateDir, controls);
        return gate;
    }

    @AfterEach
    void tearDown() {
        if (gate != null) {
            gate.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldPublishTheAlertAndWouldIssueButNoRevocationInAuditMode() {
        start(Controls.audit());

        gate.find(Findings.of("impossible_travel").build(), Findings.tokenBlock("t-1", "finding-1"));

        assertThat(gate.revocations()).isEmpty();
        Alert alert = gate.alerts().get(0);
        Map<?, ?> response = (Map<?, ?>) alert.unmapped().get("response");
        assertThat(response.get("mode")).isEqualTo("audit");
        assertThat(response.get("issued")).isEqualTo(List.of());
        assertThat((List<?>) response.get("would_issue")).singleElement().satisfies(r -> assertThat((Map<String, Object>) r)
                .containsEntry("key", "jti|" + ISSUER + "|t-1").containsEntry("action", "block"));
        assertThat(response.get("actions")).as("the rule's own response is kept").isEqualTo(List.of("alert", "revoke_token"));
        assertThat(alert.message()).contains("audit mode: nothing was contained", "block jti|" + ISSUER + "|t-1");
        assertThat(gate.counter(DetectorMetrics.WOULD_ISSUE, "rule", "impossible_travel", "scope", "jti",
                "action", "block")).isEqualTo(1);
        assertThat(gate.counter(DetectorMetrics.FINDINGS, "rule", "impossible_travel", "outcome", "published"))
                .isEqualTo(1);
    }

    @Test
    void shouldPublishTheContainmentInEnforceMode() {
        start(Controls.enforcing());

        gate.find(Findings.of("impossible_travel").build(), Findings.tokenBlock("t-1", "finding-1"));

        assertThat(gate.revocations()).extracting(Revocation::key).containsExactly("jti|" + ISSUER + "|t-1");
        Map<?, ?> response = (Map<?, ?>) gate.alerts().get(0).unmapped().get("response");
        assertThat(response.get("mode")).isEqualTo("enforce");
        assertThat(response.containsKey("would_issue")).isFalse();
        assertThat(gate.counter(DetectorMetrics.WOULD_ISSUE, "rule", "impossible_travel", "scope", "jti",
                "action", "block")).isZero();
    }

    @Test
    void shouldCountButNotPublishAFindingOfAnObservedRule() {
        start(Controls.enforcing().withResponses(ResponseOverrides.parse(List.of("token_replay=observe"))));

        gate.find(Findings.of("token_replay").build(), Findings.tokenBlock("t-1", "finding-1"));
        gate.find(Findings.of("impossible_travel").uid("finding-2").build());

        assertThat(gate.alerts()).extracting(a -> a.findingInfo().analytic().name()).containsExactly("impossible_travel");
        assertThat(gate.revocations()).isEmpty();
        assertThat(gate.counter(DetectorMetrics.FINDINGS, "rule", "token_replay", "outcome", "observed")).isEqualTo(1);
    }

    @Test
    void shouldWithholdTheOwnContainmentOfARuleSetToAlert() {
        start(Controls.enforcing().withResponses(ResponseOverrides.parse(List.of("token_replay=alert"))));

        gate.find(Findings.of("token_replay").build(), Findings.tokenBlock("t-1", "finding-1"));

        assertThat(gate.revocations()).isEmpty();
        Map<?, ?> response = (Map<?, ?>) gate.alerts().get(0).unmapped().get("response");
        assertThat((List<?>) response.get("withheld_by_response")).hasSize(1);
    }

    @Test
    void shouldSilenceASuppressedSubjectUntilTheSuppressionExpires() {
        start(Controls.enforcing());
        gate.suppress(new Suppression(1, "impossible_travel", ISSUER, "alice", GateDriver.T0 + 7 * DAY, "roaming",
                "operator:sam", GateDriver.T0));

        gate.find(Findings.of("impossible_travel").build(), Findings.tokenBlock("t-1", "finding-1"));
        gate.find(Findings.of("impossible_travel").uid("finding-bob").about(ISSUER, "bob").build());
        gate.find(Findings.of("rate_spike").uid("finding-3").build());

        assertThat(gate.alerts()).extracting(a -> a.actor().user().name() + " " + a.findingInfo().analytic().name())
                .as("only alice's travel is suppressed").containsExactly("bob impossible_travel", "alice rate_spike");
        assertThat(gate.revocations()).isEmpty();
        assertThat(gate.counter(DetectorMetrics.FINDINGS, "rule", "impossible_travel", "outcome", "suppressed"))
                .isEqualTo(1);

        gate.advanceWallClock(Duration.ofDays(7));
        gate.find(Findings.of("impossible_travel").uid("finding-4").build(), Findings.tokenBlock("t-2", "finding-4"));

        assertThat(gate.alerts()).as("expired").hasSize(1);
        assertThat(gate.revocations()).extracting(Revocation::key).containsExactly("jti|" + ISSUER + "|t-2");
    }

    @Test
    void shouldAlertAgainOnceASuppressionIsLiftedByATombstone() {
        start(Controls.enforcing());
        Suppression everyRule = new Suppression(1, Suppression.ANY, Suppression.ANY, "alice", GateDriver.T0 + DAY,
                "under investigation elsewhere", "operator:sam", GateDriver.T0);
        gate.suppress(everyRule);

        gate.find(Findings.of("concurrent_use").build());
        assertThat(gate.alerts()).isEmpty();

        gate.lift(everyRule.key());
        gate.find(Findings.of("concurrent_use").uid("finding-2").build());

        assertThat(gate.alerts()).hasSize(1);
    }

    @Test
    void shouldNeverLetASuppressionSilenceForgedTokens() {
        start(Controls.enforcing());
        gate.suppress(new Suppression(1, Suppression.ANY, Suppression.ANY, "alice", GateDriver.T0 + DAY, "r",
                "operator:sam", GateDriver.T0));

        // A forged token may claim any subject; the rule reports none, and the gate would not trust one.
        gate.find(Findings.of("forged_token_burst").about(ISSUER, "alice").build(),
                Findings.addressBlock("203.0.113.66", "finding-1"));

        assertThat(gate.alerts()).hasSize(1);
        assertThat(gate.revocations()).extracting(Revocation::key).containsExactly("ip|203.0.113.66");
    }

    @Test
    void shouldSkipAndCountABadSuppressionRecordAndKeepProcessing() {
        start(Controls.enforcing());
        Suppression good = new Suppression(1, "impossible_travel", ISSUER, "alice", GateDriver.T0 + DAY, "r",
                "operator:sam", GateDriver.T0);
        gate.suppress(good);
        // Garbage under the same key replaces it: what it meant cannot be known, so alice alerts again.
        gate.suppressRaw(good.key(), "{not json".getBytes(StandardCharsets.UTF_8));
        // A readable suppression under someone else's key is not trusted either.
        gate.suppressRaw("impossible_travel|" + ISSUER + "|mallory",
                io.tokenwatch.schemas.Topics.SUPPRESSIONS.valueSerde().serializer().serialize("t", good));

        gate.find(Findings.of("impossible_travel").build());
        gate.find(Findings.of("impossible_travel").uid("finding-m").about(ISSUER, "mallory").build());

        assertThat(gate.alerts()).hasSize(2);
        assertThat(gate.counter(DetectorMetrics.SUPPRESSIONS_REJECTED)).isEqualTo(2);
    }

    @Test
    void shouldSilenceNetworkDependentFindingsFromAnAllowListedNetwork() {
        start(Controls.enforcing().withNetworks(NetworkAllowList.of(List.of("10.20.0.0/16", "AS64500"))));

        gate.find(Findings.of("impossible_travel").citing("10.20.3.4", null).build(),
                Findings.tokenBlock("t-1", "finding-1"));
        gate.find(Findings.of("new_context").uid("finding-2").citing("192.0.2.9", 64500L).build());
        // Not network-dependent: an allow-listed network does not explain a rate spike.
        gate.find(Findings.of("rate_spike").uid("finding-3").citing("10.20.3.4", null).build());

        assertThat(gate.alerts()).extracting(a -> a.findingInfo().analytic().name()).containsExactly("rate_spike");
        assertThat(gate.revocations()).isEmpty();
        assertThat(gate.counter(DetectorMetrics.FINDINGS, "rule", "impossible_travel", "outcome",
                "allow_listed_network")).isEqualTo(1);
        assertThat(gate.counter(DetectorMetrics.FINDINGS, "rule", "new_context", "outcome",
                "allow_listed_network")).isEqualTo(1);
    }

    @Test
    void shouldSilenceTokenReplayOnlyWhenEveryUseCameFromAnAllowListedNetwork() {
        start(Controls.enforcing().withNetworks(NetworkAllowList.of(List.of("10.20.0.0/16", "AS64500"))));

        gate.find(Findings.of("token_replay").citing("10.20.3.4", null).citing("192.0.2.9", 64500L).build(),
                Findings.tokenBlock("t-1", "finding-1"));
        gate.find(Findings.of("token_replay").uid("finding-2").citing("10.20.3.4", null).citing("203.0.113.5", null)
                .build(), Findings.tokenBlock("t-2", "finding-2"));

        assertThat(gate.alerts()).extracting(a -> a.findingInfo().uid()).containsExactly("finding-2");
        assertThat(gate.revocations()).extracting(Revocation::key).containsExactly("jti|" + ISSUER + "|t-2");
    }

    @Test
    void shouldThrottleRatherThanBlockAnAllowListedNetworkSendingForgedTokens() {
        start(Controls.enforcing().withNetworks(NetworkAllowList.of(List.of("203.0.113.0/24"))));

        gate.find(Findings.of("forged_token_burst").aboutNobody().citing("203.0.113.66", null).build(),
                Findings.addressBlock("203.0.113.66", "finding-1"));
        gate.find(Findings.of("forged_token_burst").uid("finding-2").aboutNobody().citing("192.0.2.1", null).build(),
                Findings.addressBlock("192.0.2.1", "finding-2"));

        assertThat(gate.alerts()).as("both still alert").hasSize(2);
        assertThat(gate.revocations()).extracting(r -> r.key() + " " + r.action().wire())
                .containsExactly("ip|203.0.113.66 throttle", "ip|192.0.2.1 block");
    }

    @Test
    void shouldObserveAllowListedServiceAccountsForTheirRulesOnly() {
        start(Controls.enforcing().withSubjects(SubjectAllowList.of(
                List.of(ISSUER + "|svc-*=rate_spike,token_replay"), List.of("https://ci.example"))));

        gate.find(Findings.of("rate_spike").about(ISSUER, "svc-backup").build());
        gate.find(Findings.of("token_replay").uid("f-2").about(ISSUER, "svc-backup").build(),
                Findings.tokenBlock("t-2", "f-2"));
        gate.find(Findings.of("impossible_travel").uid("f-3").about(ISSUER, "svc-backup").build());
        gate.find(Findings.of("rate_spike").uid("f-4").about(ISSUER, "alice").build());
        gate.find(Findings.of("concurrent_use").uid("f-5").about("https://ci.example", "job-7").build());
        gate.find(Findings.of("revoked_token_use").uid("f-6").about("https://ci.example", "job-7").build());

        assertThat(gate.alerts()).extracting(a -> a.findingInfo().uid())
                .as("not listed for travel; not a service account; revoked-token use is not a behaviour rule")
                .containsExactly("f-3", "f-4", "f-6");
        assertThat(gate.revocations()).isEmpty();
        assertThat(gate.counter(DetectorMetrics.FINDINGS, "rule", "rate_spike", "outcome", "allow_listed_subject"))
                .isEqualTo(1);
    }

    @Test
    void shouldNameTheActionsThatWouldSilenceEachAlert() {
        start(Controls.audit());

        gate.find(Findings.of("impossible_travel").about(ISSUER, "o'brien").citing("198.51.100.7", 3320L).build());
        gate.find(Findings.of("forged_token_burst").uid("f-2").aboutNobody().citing("203.0.113.66", null).build());

        List<Alert> alerts = gate.alerts();
        Map<?, ?> travel = (Map<?, ?>) alerts.get(0).unmapped().get("silence");
        assertThat(travel.get("suppress")).isEqualTo("tokenwatch suppress --rule 'impossible_travel' --iss '"
                + ISSUER + "' --sub 'o'\\''brien' --ttl 7d --reason 'false positive: impossible_travel'");
        assertThat(travel.get("allow_network")).isEqualTo("--allow-network 198.51.100.0/24 --allow-network AS3320");
        assertThat(travel.get("allow_subject")).isEqualTo("--allow-subject '" + ISSUER + "|o'\\''brien=impossible_travel'");
        assertThat(travel.get("response")).isEqualTo("--response impossible_travel=observe");
        Map<?, ?> forged = (Map<?, ?>) alerts.get(1).unmapped().get("silence");
        assertThat(forged.containsKey("suppress")).as("a forged token's subject cannot be suppressed").isFalse();
        assertThat(forged.get("allow_network")).isEqualTo("--allow-network 203.0.113.0/24");
    }
}
