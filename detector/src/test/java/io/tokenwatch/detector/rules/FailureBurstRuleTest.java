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
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FailureBurstRuleTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final String ALICE = "https://issuer.example|alice";
    private static final List<Outcome> FAILURES = List.of(Outcome.EXPIRED, Outcome.NOT_YET_VALID, Outcome.AUDIENCE,
            Outcome.TYPE, Outcome.LIFETIME_EXCEEDED, Outcome.REVOKED, Outcome.RATE_LIMITED);

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

    /** Alice's verified token refused with {@code outcome} at {@code at}. */
    private static UsageEvents refused(Outcome outcome, long at) {
        return UsageEvents.accepted().outcome(outcome).at(at);
    }

    /** Alerts of this rule only: some outcomes (revoked) also speak to other rules. */
    private List<KeyValue<String, Alert>> burstAlerts() {
        return detector.alerts().stream()
                .filter(a -> a.value.findingInfo().analytic().name().equals(FailureBurstRule.NAME)).toList();
    }

    @Test
    void shouldAlertOnManyRejectedRequestsOfOneVerifiedSubject() {
        for (int i = 0; i < 19; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 5 * SECOND).build());
        }
        assertThat(burstAlerts()).isEmpty();

        detector.send(refused(Outcome.AUDIENCE, T0 + 100 * SECOND).build());

        List<KeyValue<String, Alert>> alerts = burstAlerts();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).key).isEqualTo(ALICE);
        Alert alert = alerts.get(0).value;
        assertThat(alert.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(alert.severityId()).isEqualTo(Alert.Severity.MEDIUM.id);
        assertThat(alert.actor().user().uid()).isEqualTo(ALICE);
        assertThat(alert.message()).isEqualTo(
                "20 rejected requests with verified tokens of alice within 5 min (19 expired, 1 audience)");
        assertThat(alert.unmapped().get("figures")).isEqualTo(Map.of("parameter", "verified_token_rejections",
                "observed", 20, "baseline", 1, "threshold", 20));
        assertThat(alert.findingInfo().firstSeenTime()).isEqualTo(T0);
        assertThat(detector.revocations()).as("alert only, by default").isEmpty();
        Contracts.assertConforms(alert);
    }

    @Test
    void shouldCountEveryConfiguredRejectionOfAVerifiedToken() {
        for (int i = 0; i < 21; i++) {
            detector.send(refused(FAILURES.get(i % FAILURES.size()), T0 + i * SECOND).build());
        }
        assertThat(burstAlerts()).hasSize(1);
    }

    @Test
    void shouldStayQuietForAcceptedRequestsSlowFailuresAndOtherOutcomes() {
        for (int i = 0; i < 100; i++) {
            detector.send(UsageEvents.accepted().at(T0 + i * SECOND).build());
            // A refusal every 20 s: 15 in any 5 minutes, below the threshold.
            if (i % 20 == 0) {
                detector.send(refused(Outcome.EXPIRED, T0 + i * SECOND).build());
            }
        }
        for (int i = 0; i < 25; i++) {
            detector.send(refused(Outcome.ISSUER, T0 + 200 * SECOND + i).subject("bob").build());
            detector.send(refused(Outcome.MISSING_TOKEN, T0 + 200 * SECOND + i).withoutToken().build());
            detector.send(refused(Outcome.KEYS_UNAVAILABLE, T0 + 200 * SECOND + i).subject("carol").build());
        }
        assertThat(burstAlerts()).isEmpty();
    }

    @Test
    void shouldNotCountRejectionsThatLeftTheWindow() {
        for (int i = 0; i < 40; i++) {
            // One every 20 s for over 13 minutes: never 20 within 5 minutes.
            detector.send(refused(Outcome.EXPIRED, T0 + i * 20 * SECOND).build());
        }
        assertThat(burstAlerts()).isEmpty();
    }

    @Test
    void shouldNeverCountForgedTokensNamingTheVictimNorRevokeTheVictim() {
        restartWith(config -> config.withUserProfile(config.userProfile().withResponse(
                config.userProfile().response().with(FailureBurstRule.NAME, null, ResponseAction.THROTTLE_SUBJECT,
                        ResponseAction.REVOKE_TOKEN, ResponseAction.REVOKE_SUBJECT))));
        for (int i = 0; i < 100; i++) {
            // Claims naming alice whose signature did not verify, with every counted outcome.
            detector.send(refused(FAILURES.get(i % FAILURES.size()), T0 + i * 100L).unverified().from("203.0.113.66")
                    .build());
        }
        assertThat(burstAlerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
        assertThat(detector.<RecentRejections>store(FailureBurstProcessor.REJECTIONS_STORE).get(ALICE)).isNull();
    }

    @Test
    void shouldKeepOneIncidentUpdatedAtMostOnceAMinuteAndOpenANewOneAfterTheCooldown() {
        for (int i = 0; i < 100; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 500L).build());
        }
        List<KeyValue<String, Alert>> first = burstAlerts();
        assertThat(first).hasSize(1);
        String uid = first.get(0).value.findingInfo().uid();

        detector.send(refused(Outcome.EXPIRED, T0 + 70 * SECOND).build());
        Alert update = burstAlerts().get(0).value;
        assertThat(update.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(update.findingInfo().uid()).isEqualTo(uid);
        assertThat(update.message()).contains("101 since the incident began");

        // Quiet for longer than the 10 minute cooldown, then another burst: a new incident.
        long later = T0 + 30 * MINUTE;
        for (int i = 0; i < 20; i++) {
            detector.send(refused(Outcome.EXPIRED, later + i * SECOND).build());
        }
        Alert next = burstAlerts().get(0).value;
        assertThat(next.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(next.findingInfo().uid()).isNotEqualTo(uid);
    }

    @Test
    void shouldHonourTheConfiguredThresholdWindowAndOutcomes() {
        restartWith(config -> config.withFailureBurst(config.failureBurst().withThreshold(5)
                .withWindow(Duration.ofSeconds(30)).withOutcomes(EnumSet.of(Outcome.RATE_LIMITED))));
        for (int i = 0; i < 10; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * SECOND).build());
        }
        assertThat(burstAlerts()).as("expired no longer counts").isEmpty();
        for (int i = 0; i < 5; i++) {
            detector.send(refused(Outcome.RATE_LIMITED, T0 + 20 * SECOND + i * SECOND).build());
        }
        assertThat(burstAlerts()).hasSize(1);
    }

    @Test
    void shouldThrottleTheSubjectOncePerIncidentWhenThePolicySaysSo() {
        restartWith(config -> config.withUserProfile(config.userProfile().withResponse(
                config.userProfile().response().with(FailureBurstRule.NAME, null, ResponseAction.THROTTLE_SUBJECT))));
        for (int i = 0; i < 100; i++) {
            detector.send(refused(Outcome.RATE_LIMITED, T0 + i * SECOND).build());
        }
        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).hasSize(1);
        Revocation throttle = revocations.get(0).value;
        assertThat(revocations.get(0).key).isEqualTo("sub|" + ALICE);
        assertThat(throttle.action()).isEqualTo(Revocation.Action.THROTTLE);
        assertThat(throttle.notBefore()).isEqualTo(T0 + 19 * SECOND);
        assertThat(throttle.expiresAt()).isEqualTo(T0 + 19 * SECOND + Duration.ofMinutes(15).toMillis());
        assertThat(throttle.reason()).isEqualTo(FailureBurstRule.NAME);
        Contracts.assertConforms(throttle);
    }

    @Test
    void shouldBoundAndForgetStateOnWallClockPunctuation() {
        for (int i = 0; i < 1000; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 50L).build());
        }
        RecentRejections recent = detector.<RecentRejections>store(FailureBurstProcessor.REJECTIONS_STORE).get(ALICE);
        assertThat(recent.slots().size()).isLessThanOrEqualTo(ForgedTokenBurstRule.SLOTS_PER_WINDOW + 1);

        detector.advanceWallClock(Duration.ofMinutes(6));
        assertThat(detector.<RecentRejections>store(FailureBurstProcessor.REJECTIONS_STORE).get(ALICE)).isNull();
        assertThat(detector.<Incident>store(FailureBurstProcessor.INCIDENTS_STORE).get(ALICE)).isNotNull();
        detector.advanceWallClock(Duration.ofMinutes(6));
        assertThat(detector.<Incident>store(FailureBurstProcessor.INCIDENTS_STORE).get(ALICE)).isNull();
    }

    @Test
    void shouldRefuseOutcomesThatNameNoVerifiedSubject() {
        for (Outcome outcome : Set.of(Outcome.ACCEPTED, Outcome.BAD_SIGNATURE, Outcome.MALFORMED, Outcome.UNKNOWN_KEY,
                Outcome.ALG_NOT_ALLOWED, Outcome.MISSING_TOKEN)) {
            assertThatThrownBy(() -> FailureBurstRule.defaults().withOutcomes(Set.of(outcome)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(outcome.wire());
        }
    }
}
