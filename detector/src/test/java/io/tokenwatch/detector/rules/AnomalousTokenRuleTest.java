package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class AnomalousTokenRuleTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final String ALICE = "https://issuer.example|alice";
    private static final String ATTACKER = "203.0.113.66";

    @TempDir
    Path stateDir;

    private DetectorDriver detector;

    @BeforeEach
    void setUp() {
        detector = DetectorDriver.start(stateDir);
    }

    @AfterEach
    void tearDown() {
        detector.close();
    }

    private void restartWith(UnaryOperator<DetectorConfig> settings) {
        detector.close();
        detector = DetectorDriver.start(stateDir.resolve("custom"), settings);
    }

    /** Every policy action against subjects and tokens, to show what an untrusted finding cannot reach. */
    private void restartWithHarshestPolicy() {
        restartWith(config -> config.withUserProfile(config.userProfile().withResponse(
                config.userProfile().response().with(AnomalousTokenRule.NAME, null, ResponseAction.ALERT,
                        ResponseAction.THROTTLE_SUBJECT, ResponseAction.REVOKE_TOKEN,
                        ResponseAction.REVOKE_SUBJECT))));
    }

    private static UsageEvents longLived(long at) {
        return UsageEvents.accepted().at(at).issuedAt(at - MINUTE).expiresAt(at + 30 * HOUR);
    }

    @Test
    void shouldAlertOnAVerifiedTokenLivingLongerThanPolicyAllows() {
        detector.send(longLived(T0).build());

        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).key).isEqualTo(ALICE);
        Alert alert = alerts.get(0).value;
        assertThat(alert.findingInfo().analytic().name()).isEqualTo(AnomalousTokenRule.NAME);
        assertThat(alert.findingInfo().types()).containsExactly(AnomalousTokenRule.NAME, "lifetime_beyond_policy");
        assertThat(alert.severityId()).isEqualTo(Alert.Severity.MEDIUM.id);
        assertThat(alert.actor().user().uid()).isEqualTo(ALICE);
        assertThat(alert.message()).isEqualTo("Subject alice: token lifetime 1801 min exceeds the policy maximum of 24 h");
        long lifetime = (30 * HOUR + MINUTE) / SECOND;
        assertThat(alert.unmapped().get("figures")).isEqualTo(Map.of("parameter", "token_lifetime_seconds",
                "observed", (int) lifetime, "baseline", 86_400, "threshold", 86_401));
        assertThat(detector.revocations()).as("alert only, by default").isEmpty();
        Contracts.assertConforms(alert);
    }

    @Test
    void shouldAlertOnAVerifiedTokenIssuedInTheFutureBeyondSkew() {
        detector.send(UsageEvents.accepted().at(T0).issuedAt(T0 + 10 * MINUTE).expiresAt(T0 + HOUR).build());

        Alert alert = detector.alerts().get(0).value;
        assertThat(alert.findingInfo().types()).containsExactly(AnomalousTokenRule.NAME, "issued_in_future");
        assertThat(alert.unmapped().get("figures")).isEqualTo(Map.of("parameter", "issued_at_ahead_seconds",
                "observed", 600, "baseline", 0, "threshold", 301));
        assertThat(alert.message()).contains("600 s after the request", "5 min");
        Contracts.assertConforms(alert);
    }

    @Test
    void shouldStayQuietForTokensWithinPolicyAndSkew() {
        detector.send(UsageEvents.accepted().at(T0).issuedAt(T0 - MINUTE).expiresAt(T0 + 24 * HOUR - MINUTE).build());
        detector.send(UsageEvents.accepted().at(T0 + SECOND).issuedAt(T0 + 4 * MINUTE).expiresAt(T0 + HOUR).build());
        detector.send(UsageEvents.accepted().at(T0 + 2 * SECOND).issuedAt(null).expiresAt(T0 + 48 * HOUR).build());
        for (Outcome outcome : List.of(Outcome.ACCEPTED, Outcome.EXPIRED, Outcome.AUDIENCE, Outcome.MISSING_CLAIM)) {
            detector.send(UsageEvents.accepted().outcome(outcome).at(T0 + 3 * SECOND).build());
        }
        assertThat(detector.alerts()).isEmpty();
        assertThat(incidents()).isZero();
    }

    @Test
    void shouldJudgeExtremeClaimsWithoutOverflowing() {
        detector.send(UsageEvents.accepted().at(T0).issuedAt(Long.MIN_VALUE).expiresAt(Long.MAX_VALUE).build());
        Alert alert = detector.alerts().get(0).value;
        assertThat(alert.findingInfo().types()).containsExactly(AnomalousTokenRule.NAME, "lifetime_beyond_policy");
        Contracts.assertConforms(alert);

        detector.send(UsageEvents.accepted().subject("bob").at(T0).issuedAt(Long.MAX_VALUE).expiresAt(T0 + HOUR)
                .build());
        assertThat(detector.alerts()).extracting(a -> a.value.findingInfo().types().get(1))
                .containsExactly("issued_in_future");
    }

    @Test
    void shouldKeepOneIncidentAndUpdateItAtMostOnceAMinute() {
        for (int i = 0; i < 50; i++) {
            detector.send(longLived(T0 + i * SECOND).build());
        }
        List<KeyValue<String, Alert>> first = detector.alerts();
        assertThat(first).hasSize(1);
        String uid = first.get(0).value.findingInfo().uid();

        detector.send(longLived(T0 + 61 * SECOND).build());
        List<KeyValue<String, Alert>> update = detector.alerts();
        assertThat(update).hasSize(1);
        assertThat(update.get(0).value.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(update.get(0).value.findingInfo().uid()).isEqualTo(uid);

        // After the 10 minute cooldown, a new incident with a new uid.
        detector.send(longLived(T0 + 72 * MINUTE).build());
        Alert next = detector.alerts().get(0).value;
        assertThat(next.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(next.findingInfo().uid()).isNotEqualTo(uid);
    }

    @Test
    void shouldAlertOnIssuerRejectionsAboutTheAddressOnlyWhateverThePolicySays() {
        restartWithHarshestPolicy();
        detector.send(UsageEvents.accepted().outcome(Outcome.ISSUER).from(ATTACKER).at(T0).build());

        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).key).isEqualTo("ip|" + ATTACKER);
        Alert alert = alerts.get(0).value;
        assertThat(alert.findingInfo().types()).containsExactly(AnomalousTokenRule.NAME, "rejected_issuer");
        assertThat(alert.actor()).as("the subject of a rejected issuer is none of ours").isNull();
        assertThat(alert.anomalyAnalyses().get(0).analysisTargets().get(0).name()).isEqualTo("ip|" + ATTACKER);
        @SuppressWarnings("unchecked")
        Map<String, Object> token = (Map<String, Object>) alert.unmapped().get("untrusted_token");
        assertThat(token).containsEntry("claimed_sub", "alice").doesNotContainKey("sub");
        assertThat(detector.revocations()).isEmpty();
        Contracts.assertConforms(alert);
    }

    @Test
    void shouldRateUnverifiedIssuerRejectionsLowAndHonourTheSwitch() {
        detector.send(UsageEvents.accepted().unverified().outcome(Outcome.ISSUER).from(ATTACKER).at(T0).build());
        assertThat(detector.alerts()).singleElement().satisfies(a ->
                assertThat(a.value.severityId()).isEqualTo(Alert.Severity.LOW.id));

        restartWith(config -> config.withAnomalousToken(config.anomalousToken().withIssuerRejections(false)));
        detector.send(UsageEvents.accepted().outcome(Outcome.ISSUER).from(ATTACKER).at(T0).build());
        assertThat(detector.alerts()).isEmpty();
    }

    @Test
    void shouldNeverLetAForgedTokenNamingAVictimRevokeOrThrottleTheVictim() {
        restartWithHarshestPolicy();
        for (int i = 0; i < 30; i++) {
            long at = T0 + i * SECOND;
            // Forged: far too long-lived, issued in the future, a foreign issuer; every claim names alice.
            detector.send(UsageEvents.accepted().unverified().outcome(Outcome.BAD_SIGNATURE).from(ATTACKER).at(at)
                    .issuedAt(at + HOUR).expiresAt(at + 100 * HOUR).build());
            detector.send(UsageEvents.accepted().unverified().from(ATTACKER).at(at).issuedAt(at + HOUR)
                    .expiresAt(at + 100 * HOUR).build());
            detector.send(UsageEvents.accepted().unverified().outcome(Outcome.ISSUER).from(ATTACKER).at(at).build());
        }
        assertThat(detector.revocations()).extracting(r -> r.value.scope())
                .as("at most the forged-token burst's block of the address").containsOnly(Revocation.Scope.IP);
        assertThat(detector.alerts()).allSatisfy(a -> {
            assertThat(a.key).startsWith("ip|");
            assertThat(a.value.actor()).isNull();
        });
    }

    @Test
    void shouldContainAVerifiedAnomalousTokenOncePerIncidentWhenThePolicySaysSo() {
        restartWith(config -> config.withUserProfile(config.userProfile().withResponse(
                config.userProfile().response().with(AnomalousTokenRule.NAME, null, ResponseAction.REVOKE_TOKEN,
                        ResponseAction.REVOKE_SUBJECT))));
        for (int i = 0; i < 5; i++) {
            detector.send(longLived(T0 + i * SECOND).build());
        }
        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).extracting(r -> r.key).containsExactlyInAnyOrder("sub|" + ALICE,
                "jti|https://issuer.example|token-1");
        assertThat(revocations).extracting(r -> r.value.action()).containsOnly(Revocation.Action.BLOCK);
        revocations.forEach(r -> {
            assertThat(r.value.reason()).isEqualTo(AnomalousTokenRule.NAME);
            Contracts.assertConforms(r.value);
        });
        Alert alert = detector.alerts().get(0).value;
        assertThat(revocations).allSatisfy(r -> assertThat(r.value.source()).isEqualTo(alert.findingInfo().uid()));
    }

    @Test
    void shouldObserveOnlyWhenThePolicySaysSo() {
        restartWith(config -> config.withUserProfile(config.userProfile().withResponse(
                config.userProfile().response().with(AnomalousTokenRule.NAME, null, ResponseAction.OBSERVE))));
        detector.send(longLived(T0).build());
        assertThat(detector.alerts()).isEmpty();
        assertThat(incidents()).isZero();
    }

    @Test
    void shouldForgetClosedIncidentsOnWallClockPunctuation() {
        detector.send(longLived(T0).build());
        detector.send(UsageEvents.accepted().outcome(Outcome.ISSUER).from(ATTACKER).at(T0).build());
        assertThat(incidents()).isEqualTo(2);

        detector.advanceWallClock(Duration.ofMinutes(5));
        assertThat(incidents()).isEqualTo(2);
        detector.advanceWallClock(Duration.ofMinutes(6));
        assertThat(incidents()).isZero();
    }

    private long incidents() {
        try (var all = detector.<Incident>store(AnomalousTokenProcessor.INCIDENTS_STORE).all()) {
            long n = 0;
            while (all.hasNext()) {
                all.next();
                n++;
            }
            return n;
        }
    }
}
