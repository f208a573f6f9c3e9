package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentPolicy;
import io.tokenwatch.detector.revocation.RevocationExpiryProcessor;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class RevokedTokenUseRuleTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final String ALICE = "https://issuer.example|alice";

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

    private void restartWith(RevokedTokenUseRule rule) {
        detector.close();
        detector = DetectorDriver.start(stateDir.resolve("custom"), config -> config.withRevokedTokenUse(rule));
    }

    private static UsageEvents refusedAsRevoked() {
        return UsageEvents.accepted().outcome(Outcome.REVOKED).from("203.0.113.9");
    }

    @Test
    void shouldAlertWhenARevokedTokenIsStillPresented() {
        detector.send(refusedAsRevoked().at(T0).build());

        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).key).isEqualTo(ALICE);
        Alert alert = alerts.get(0).value;
        assertThat(alert.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(alert.severityId()).isEqualTo(Alert.Severity.HIGH.id);
        assertThat(alert.findingInfo().analytic().name()).isEqualTo(RevokedTokenUseRule.NAME);
        assertThat(alert.findingInfo().attacks().get(0).technique().uid()).isEqualTo("T1550.001");
        assertThat(alert.actor().user().uid()).isEqualTo(ALICE);
        assertThat(alert.actor().user().name()).isEqualTo("alice");
        assertThat(alert.evidences()).extracting(e -> e.srcEndpoint().ip()).containsExactly("203.0.113.9");
        Alert.AnomalyAnalysis analysis = alert.anomalyAnalyses().get(0);
        assertThat(analysis.anomalies().get(0).observations().get(0).count()).isEqualTo(1);
        assertThat(analysis.baselines()).extracting(b -> b.observations().get(0).count()).containsExactly(0, 1);
        assertThat(analysis.analysisTargets().get(0).name()).isEqualTo("jti|https://issuer.example|token-1");
        assertThat(alert.unmapped().get("figures")).isEqualTo(Map.of("parameter", "revoked_token_attempts",
                "observed", 1, "baseline", 0, "threshold", 1));
        assertThat(detector.revocations()).as("alert only, by default").isEmpty();
    }

    @Test
    void shouldStayQuietForAcceptedTokensAndOtherRejections() {
        for (Outcome outcome : List.of(Outcome.ACCEPTED, Outcome.EXPIRED, Outcome.AUDIENCE, Outcome.ISSUER,
                Outcome.RATE_LIMITED, Outcome.BAD_SIGNATURE)) {
            detector.send(UsageEvents.accepted().outcome(outcome).at(T0).build());
        }
        assertThat(detector.alerts()).extracting(a -> a.value.findingInfo().analytic().name())
                .doesNotContain(RevokedTokenUseRule.NAME);
        assertThat(detector.<Incident>store(RevokedTokenUseProcessor.INCIDENTS_STORE).approximateNumEntries())
                .isZero();
    }

    @Test
    void shouldIgnoreRevokedRefusalsThatNameNoVerifiedSubject() {
        restartWith(RevokedTokenUseRule.defaults().withRevokeSubject(true));
        for (int i = 0; i < 50; i++) {
            // A forged token claiming alice, refused as revoked: alice is the attacker's word.
            detector.send(refusedAsRevoked().unverified().at(T0 + i * SECOND).build());
            // A request refused because its address is blocked: no token facts at all.
            detector.send(refusedAsRevoked().withoutToken().at(T0 + i * SECOND).build());
        }
        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
        assertThat(detector.<Incident>store(RevokedTokenUseProcessor.INCIDENTS_STORE).approximateNumEntries())
                .isZero();
    }

    @Test
    void shouldUpdateTheIncidentAtMostOnceAMinuteWithinTheCooldown() {
        detector.send(refusedAsRevoked().at(T0).build());
        Alert create = detector.alerts().get(0).value;

        detector.send(refusedAsRevoked().at(T0 + 30 * SECOND).build());
        assertThat(detector.alerts()).as("within a minute of the last report").isEmpty();

        detector.send(refusedAsRevoked().from("192.0.2.44").at(T0 + MINUTE).build());
        List<KeyValue<String, Alert>> updates = detector.alerts();
        assertThat(updates).hasSize(1);
        Alert update = updates.get(0).value;
        assertThat(update.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(update.findingInfo().uid()).isEqualTo(create.findingInfo().uid());
        assertThat(update.findingInfo().firstSeenTime()).isEqualTo(T0);
        assertThat(update.findingInfo().lastSeenTime()).isEqualTo(T0 + MINUTE);
        assertThat(update.unmapped().get("incident")).isEqualTo(Map.of("count", 3, "first_seen_time", T0,
                "last_seen_time", T0 + MINUTE, "reports", 2));
        assertThat(update.evidences()).extracting(e -> e.srcEndpoint().ip()).containsExactly("192.0.2.44");
    }

    @Test
    void shouldKeepOneIncidentWhileAttemptsContinueAndOpenANewOneAfterTheCooldown() {
        // An attempt every 9 minutes keeps one incident open for an hour.
        for (int i = 0; i < 7; i++) {
            detector.send(refusedAsRevoked().at(T0 + i * 9 * MINUTE).build());
        }
        List<Alert> alerts = detector.alerts().stream().map(kv -> kv.value).toList();
        assertThat(alerts).extracting(Alert::activityId).containsExactly(1, 2, 2, 2, 2, 2, 2);
        assertThat(alerts).extracting(a -> a.findingInfo().uid()).containsOnly(alerts.get(0).findingInfo().uid());

        detector.send(refusedAsRevoked().at(T0 + 54 * MINUTE + 11 * MINUTE).build());
        Alert next = detector.alerts().get(0).value;
        assertThat(next.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(next.findingInfo().uid()).isNotEqualTo(alerts.get(0).findingInfo().uid());
    }

    @Test
    void shouldTrackEachTokenOnItsOwn() {
        detector.send(refusedAsRevoked().jti("token-1").at(T0).build());
        detector.send(refusedAsRevoked().jti("token-2").at(T0 + 1).build());
        detector.send(refusedAsRevoked().jti(null).at(T0 + 2).build());

        List<Alert> alerts = detector.alerts().stream().map(kv -> kv.value).toList();
        assertThat(alerts).extracting(Alert::activityId).containsOnly(Alert.Activity.CREATE.id);
        assertThat(alerts).extracting(a -> a.anomalyAnalyses().get(0).analysisTargets().get(0).name())
                .containsExactly("jti|https://issuer.example|token-1", "jti|https://issuer.example|token-2",
                        "fp|" + "a".repeat(64));
    }

    @Test
    void shouldHonourConfiguredMinimumAttempts() {
        restartWith(RevokedTokenUseRule.defaults().withMinAttempts(3));
        detector.send(refusedAsRevoked().at(T0).build());
        detector.send(refusedAsRevoked().at(T0 + SECOND).build());
        assertThat(detector.alerts()).as("a client may retry once before re-authenticating").isEmpty();

        detector.send(refusedAsRevoked().at(T0 + 2 * SECOND).build());
        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).value.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(alerts.get(0).value.unmapped().get("figures")).isEqualTo(Map.of(
                "parameter", "revoked_token_attempts", "observed", 3, "baseline", 0, "threshold", 3));
    }

    @Test
    void shouldRevokeTheSubjectOncePerIncidentWhenConfigured() {
        restartWith(RevokedTokenUseRule.defaults().withRevokeSubject(true));
        detector.send(refusedAsRevoked().at(T0).build());

        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).hasSize(1);
        Revocation subject = revocations.get(0).value;
        assertThat(revocations.get(0).key).isEqualTo("sub|" + ALICE);
        assertThat(subject.scope()).isEqualTo(Revocation.Scope.SUBJECT);
        assertThat(subject.issuer()).isEqualTo("https://issuer.example");
        assertThat(subject.value()).isEqualTo("alice");
        assertThat(subject.notBefore()).isEqualTo(T0);
        assertThat(subject.expiresAt()).isEqualTo(T0 + Duration.ofHours(24).toMillis());
        Alert alert = detector.alerts().get(0).value;
        assertThat(subject.source()).isEqualTo(alert.findingInfo().uid());
        assertThat(alert.message()).contains("every token of the subject issued until now revoked");

        detector.send(refusedAsRevoked().at(T0 + 2 * MINUTE).build());
        assertThat(detector.alerts()).extracting(kv -> kv.value.activityId()).containsExactly(2);
        assertThat(detector.revocations()).as("an Update never moves the cutoff").isEmpty();
    }

    @Test
    void shouldPublishAlertsThatConformToOcsfAndToTheAlertSchema() throws Exception {
        restartWith(RevokedTokenUseRule.defaults().withRevokeSubject(true));
        List<Alert> alerts = new ArrayList<>();
        detector.send(refusedAsRevoked().in("DE").at(T0).build());
        detector.send(refusedAsRevoked().from("2001:db8::1").at(T0 + 2 * MINUTE).build());
        alerts.addAll(detector.alerts().stream().map(kv -> kv.value).toList());
        assertThat(alerts).extracting(Alert::activityId).containsExactly(1, 2);

        alerts.forEach(Contracts::assertConforms);
        Contracts.assertConforms(detector.revocations().get(0).value);
    }

    @Test
    void shouldTombstoneTheSubjectRevocationOnceItHasExpired() {
        restartWith(RevokedTokenUseRule.defaults().withRevokeSubject(true)
                .withSubjectRevocationTtl(Duration.ofHours(2)));
        detector.send(refusedAsRevoked().at(T0).build());
        assertThat(detector.revocations()).hasSize(1);

        detector.advanceWallClock(Duration.ofMinutes(119));
        assertThat(detector.revocations()).isEmpty();
        detector.advanceWallClock(Duration.ofMinutes(1));

        List<KeyValue<String, Revocation>> tombstones = detector.revocations();
        assertThat(tombstones).extracting(kv -> kv.key).containsExactly("sub|" + ALICE);
        assertThat(tombstones.get(0).value).isNull();
        assertThat(detector.<Long>store(RevocationExpiryProcessor.STORE).approximateNumEntries()).isZero();
    }

    @Test
    void shouldForgetClosedIncidentsOnWallClockPunctuation() {
        restartWith(RevokedTokenUseRule.defaults().withIncidents(IncidentPolicy.defaults()
                .withCooldown(Duration.ofMinutes(5))));
        detector.send(refusedAsRevoked().at(T0).build());
        String key = "jti|https://issuer.example|token-1";
        assertThat(detector.<Incident>store(RevokedTokenUseProcessor.INCIDENTS_STORE).get(key)).isNotNull();

        detector.advanceWallClock(Duration.ofMinutes(4));
        assertThat(detector.<Incident>store(RevokedTokenUseProcessor.INCIDENTS_STORE).get(key)).isNotNull();
        detector.advanceWallClock(Duration.ofMinutes(2));
        assertThat(detector.<Incident>store(RevokedTokenUseProcessor.INCIDENTS_STORE).get(key)).isNull();
    }
}
