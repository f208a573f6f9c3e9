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
            Outcome.TYPE, Outcome.LIFETIME_EXCEEDED, Outcome.REVOKED, Outcome.MISSING_CLAIM);

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
    void shouldAlertOnAStashOfStolenExpiredTokensTriedOverTwentyMinutes() {
        // 40 distinct expired tokens of alice, one every 30 s: never 20 in 5 minutes, 40 in 20 minutes.
        for (int i = 0; i < 9; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 30 * SECOND).jti("stolen-" + i).build());
        }
        assertThat(burstAlerts()).as("nine distinct tokens: below the threshold of ten").isEmpty();

        detector.send(refused(Outcome.AUDIENCE, T0 + 9 * 30 * SECOND).jti("stolen-9").build());

        List<KeyValue<String, Alert>> alerts = burstAlerts();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).key).isEqualTo(ALICE);
        Alert alert = alerts.get(0).value;
        assertThat(alert.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(alert.severityId()).isEqualTo(Alert.Severity.MEDIUM.id);
        assertThat(alert.actor().user().uid()).isEqualTo(ALICE);
        assertThat(alert.message()).isEqualTo("10 distinct verified tokens of alice refused within 45 min "
                + "(10 requests) (9 expired, 1 audience)");
        assertThat(alert.unmapped().get("figures")).isEqualTo(Map.of("parameter", "refused_verified_tokens",
                "observed", 10, "baseline", 1, "threshold", 10));
        assertThat(alert.findingInfo().firstSeenTime()).isEqualTo(T0);
        assertThat(detector.revocations()).as("alert only, by default").isEmpty();
        Contracts.assertConforms(alert);

        for (int i = 10; i < 40; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 30 * SECOND).jti("stolen-" + i).build());
        }
        assertThat(burstAlerts()).allSatisfy(update -> {
            assertThat(update.value.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
            assertThat(update.value.findingInfo().uid()).isEqualTo(alert.findingInfo().uid());
        });
    }

    @Test
    void shouldNotAlertOnAClientRetryingOneExpiredTokenHundredsOfTimes() {
        // A stuck client: the same expired token every 2 s for 20 minutes, 600 requests.
        for (int i = 0; i < 600; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 2 * SECOND).jti("stuck").build());
        }
        assertThat(burstAlerts()).isEmpty();
        SubjectFailures state = detector.<SubjectFailures>store(FailureBurstProcessor.REJECTIONS_STORE).get(ALICE);
        assertThat(state.requests()).isEqualTo(600);
        assertThat(state.tokens().seen()).hasSize(1);
    }

    @Test
    void shouldNotAlertOnHourlyRotationOfSeveralDevicesThatRetryBeforeRefreshing() {
        // Alice's phone, laptop and tablet each hold a 1 h token; at expiry each retries its old token
        // a few times, then refreshes. A day of this is 72 refused tokens, three per hour.
        for (int hour = 0; hour < 24; hour++) {
            for (int device = 0; device < 3; device++) {
                for (int retry = 0; retry < 4; retry++) {
                    detector.send(refused(Outcome.EXPIRED, T0 + hour * 60 * MINUTE + device * 7 * MINUTE
                            + retry * SECOND).jti("d" + device + "-h" + hour).build());
                }
            }
        }
        assertThat(burstAlerts()).isEmpty();
    }

    @Test
    void shouldCountEveryConfiguredRejectionOfAVerifiedToken() {
        for (int i = 0; i < 10; i++) {
            detector.send(refused(FAILURES.get(i % FAILURES.size()), T0 + i * SECOND).jti("t" + i).build());
        }
        assertThat(burstAlerts()).hasSize(1);
    }

    @Test
    void shouldTellTokensWithoutJtiApartByFingerprint() {
        for (int i = 0; i < 10; i++) {
            detector.send(TokenEdits.fingerprint(refused(Outcome.EXPIRED, T0 + i * SECOND).jti(null).build(), i));
        }
        assertThat(burstAlerts()).hasSize(1);
    }

    @Test
    void shouldStayQuietForAcceptedRequestsRateLimitsAndOtherOutcomes() {
        for (int i = 0; i < 100; i++) {
            detector.send(UsageEvents.accepted().at(T0 + i * SECOND).jti("live-" + i).build());
            // A service whose workers each hold a token, rate limited: good tokens sent too often.
            detector.send(refused(Outcome.RATE_LIMITED, T0 + i * SECOND).jti("worker-" + i).build());
        }
        for (int i = 0; i < 25; i++) {
            detector.send(refused(Outcome.ISSUER, T0 + 200 * SECOND + i).subject("bob").jti("b" + i).build());
            detector.send(refused(Outcome.MISSING_TOKEN, T0 + 200 * SECOND + i).withoutToken().build());
            detector.send(refused(Outcome.KEYS_UNAVAILABLE, T0 + 200 * SECOND + i).subject("carol").jti("c" + i)
                    .build());
        }
        assertThat(burstAlerts()).isEmpty();
    }

    @Test
    void shouldNotCountTokensThatLeftTheWindow() {
        for (int i = 0; i < 30; i++) {
            // A new refused token every 6 minutes for 3 hours: never more than 8 within 45 minutes.
            detector.send(refused(Outcome.EXPIRED, T0 + i * 6 * MINUTE).jti("slow-" + i).build());
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
                    .jti("forged-" + i).build());
        }
        assertThat(burstAlerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
        assertThat(detector.<SubjectFailures>store(FailureBurstProcessor.REJECTIONS_STORE).get(ALICE)).isNull();
    }

    @Test
    void shouldKeepOneIncidentUpdatedAtMostOnceAMinuteAndOpenANewOneAfterTheCooldown() {
        for (int i = 0; i < 100; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 500L).jti("t" + i).build());
        }
        List<KeyValue<String, Alert>> first = burstAlerts();
        assertThat(first).hasSize(1);
        String uid = first.get(0).value.findingInfo().uid();

        detector.send(refused(Outcome.EXPIRED, T0 + 70 * SECOND).jti("t100").build());
        Alert update = burstAlerts().get(0).value;
        assertThat(update.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(update.findingInfo().uid()).isEqualTo(uid);
        assertThat(update.message()).contains("26+ distinct").contains("101 since the incident began");

        // Quiet for longer than the window, then another stash: a new incident.
        long later = T0 + 60 * MINUTE;
        for (int i = 0; i < 10; i++) {
            detector.send(refused(Outcome.EXPIRED, later + i * SECOND).jti("u" + i).build());
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
            detector.send(refused(Outcome.EXPIRED, T0 + i * SECOND).jti("e" + i).build());
        }
        assertThat(burstAlerts()).as("expired no longer counts").isEmpty();
        for (int i = 0; i < 5; i++) {
            detector.send(refused(Outcome.RATE_LIMITED, T0 + 20 * SECOND + i * 10 * SECOND).jti("r" + i).build());
        }
        assertThat(burstAlerts()).as("five tokens, but not within 30 s").isEmpty();
        for (int i = 0; i < 5; i++) {
            detector.send(refused(Outcome.RATE_LIMITED, T0 + 200 * SECOND + i * SECOND).jti("q" + i).build());
        }
        assertThat(burstAlerts()).hasSize(1);
    }

    @Test
    void shouldThrottleTheSubjectOncePerIncidentWhenThePolicySaysSo() {
        restartWith(config -> config.withUserProfile(config.userProfile().withResponse(
                config.userProfile().response().with(FailureBurstRule.NAME, null, ResponseAction.THROTTLE_SUBJECT))));
        for (int i = 0; i < 100; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * SECOND).jti("t" + i).build());
        }
        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).hasSize(1);
        Revocation throttle = revocations.get(0).value;
        assertThat(revocations.get(0).key).isEqualTo("sub|" + ALICE);
        assertThat(throttle.action()).isEqualTo(Revocation.Action.THROTTLE);
        assertThat(throttle.notBefore()).isEqualTo(T0 + 9 * SECOND);
        assertThat(throttle.expiresAt()).isEqualTo(T0 + 9 * SECOND + Duration.ofMinutes(15).toMillis());
        assertThat(throttle.reason()).isEqualTo(FailureBurstRule.NAME);
        Contracts.assertConforms(throttle);
    }

    @Test
    void shouldBoundAndForgetStateOnWallClockPunctuation() {
        for (int i = 0; i < 1000; i++) {
            detector.send(refused(Outcome.EXPIRED, T0 + i * 50L).jti("t" + i).build());
        }
        SubjectFailures recent = detector.<SubjectFailures>store(FailureBurstProcessor.REJECTIONS_STORE).get(ALICE);
        assertThat(recent.tokens().seen()).hasSize(FailureBurstRule.defaults().tokenCap());
        assertThat(recent.requests()).isEqualTo(1000);

        detector.advanceWallClock(Duration.ofMinutes(46));
        assertThat(detector.<SubjectFailures>store(FailureBurstProcessor.REJECTIONS_STORE).get(ALICE)).isNull();
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
