package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
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

class ForgedTokenBurstRuleTest {

    private static final String ATTACKER = "203.0.113.9";
    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;

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

    private static UsageEvents forged(Outcome outcome) {
        return UsageEvents.accepted().unverified().outcome(outcome);
    }

    /** {@code count} bad-signature tokens from {@code ip}, one a second from {@code start}; returns the last time. */
    private long burst(String ip, long start, int count) {
        long time = start;
        for (int i = 0; i < count; i++) {
            time = start + i * SECOND;
            detector.send(forged(Outcome.BAD_SIGNATURE).from(ip).at(time).build());
        }
        return time;
    }

    @Test
    void shouldBlockTheAddressAndAlertOnABurstOfForgedTokens() {
        long last = burst(ATTACKER, T0, 20);

        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).hasSize(1);
        KeyValue<String, Revocation> block = revocations.get(0);
        assertThat(block.key).isEqualTo("ip|" + ATTACKER);
        assertThat(block.value.scope()).isEqualTo(Revocation.Scope.IP);
        assertThat(block.value.action()).isEqualTo(Revocation.Action.BLOCK);
        assertThat(block.value.value()).isEqualTo(ATTACKER);
        assertThat(block.value.issuer()).isNull();
        assertThat(block.value.notBefore()).isNull();
        assertThat(block.value.reason()).isEqualTo(ForgedTokenBurstRule.NAME);
        assertThat(block.value.createdAt()).isEqualTo(last);
        assertThat(block.value.expiresAt()).isEqualTo(last + 5 * MINUTE);

        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(1);
        KeyValue<String, Alert> alert = alerts.get(0);
        assertThat(alert.key).isEqualTo("ip|" + ATTACKER);
        assertThat(alert.value.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(alert.value.severityId()).isEqualTo(Alert.Severity.MEDIUM.id);
        assertThat(alert.value.findingInfo().analytic().name()).isEqualTo(ForgedTokenBurstRule.NAME);
        assertThat(alert.value.findingInfo().uid()).isEqualTo(block.value.source());
        assertThat(alert.value.findingInfo().firstSeenTime()).isEqualTo(T0);
        assertThat(alert.value.findingInfo().lastSeenTime()).isEqualTo(last);
        assertThat(alert.value.findingInfo().attacks()).extracting(a -> a.technique().uid())
                .containsExactly("T1606", "T1110");
        assertThat(alert.value.actor()).as("a forged token names nobody trustworthy").isNull();
        assertThat(alert.value.evidences()).extracting(e -> e.srcEndpoint().ip()).containsExactly(ATTACKER);
        assertThat(alert.value.message()).contains("20 forgery-signal rejections", "blocked for 5 min");
    }

    @Test
    void shouldStateTheObservedValueTheBaselineAndTheThreshold() {
        burst(ATTACKER, T0, 20);

        Alert alert = detector.alerts().get(0).value;
        Alert.AnomalyAnalysis analysis = alert.anomalyAnalyses().get(0);
        assertThat(analysis.anomalies().get(0).observations().get(0).count()).isEqualTo(20);
        assertThat(analysis.baselines()).extracting(Alert.Anomaly::observationType)
                .containsExactly("baseline", "threshold");
        assertThat(analysis.baselines()).extracting(b -> b.observations().get(0).count()).containsExactly(0, 20);
        assertThat(analysis.analysisTargets().get(0).name()).isEqualTo("ip|" + ATTACKER);
        assertThat(alert.unmapped().get("figures")).isEqualTo(Map.of("parameter", "forgery_signal_rejections",
                "observed", 20, "baseline", 0, "threshold", 20));
    }

    @Test
    void shouldCountEveryKindOfForgerySignal() {
        List<Outcome> signals = List.of(Outcome.BAD_SIGNATURE, Outcome.ALG_NOT_ALLOWED, Outcome.UNKNOWN_KEY,
                Outcome.MALFORMED);
        for (int i = 0; i < 20; i++) {
            detector.send(forged(signals.get(i % 4)).from(ATTACKER).at(T0 + i * SECOND).build());
        }

        Alert alert = detector.alerts().get(0).value;
        assertThat(alert.evidences().get(0).data().get("outcomes")).isEqualTo(Map.of("bad_signature", 5,
                "alg_not_allowed", 5, "unknown_key", 5, "malformed", 5));
        assertThat(detector.revocations()).hasSize(1);
    }

    @Test
    void shouldCountMalformedRequestsThatCarryNoTokenFacts() {
        for (int i = 0; i < 20; i++) {
            detector.send(UsageEvents.accepted().withoutToken().outcome(Outcome.MALFORMED).from(ATTACKER)
                    .at(T0 + i).build());
        }
        assertThat(detector.revocations()).hasSize(1);
        assertThat(detector.alerts().get(0).value.unmapped()).doesNotContainKey("unverified_token");
    }

    @Test
    void shouldStayQuietBelowTheThreshold() {
        burst(ATTACKER, T0, 19);

        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
    }

    @Test
    void shouldStayQuietForNormalTrafficAndOrdinaryRejections() {
        // Busy but honest: expired tokens, wrong audience, no token, rate limited, keys down, accepted.
        List<Outcome> ordinary = List.of(Outcome.ACCEPTED, Outcome.EXPIRED, Outcome.AUDIENCE, Outcome.MISSING_TOKEN,
                Outcome.RATE_LIMITED, Outcome.NOT_YET_VALID, Outcome.KEYS_UNAVAILABLE);
        for (int i = 0; i < 400; i++) {
            detector.send(UsageEvents.accepted().outcome(ordinary.get(i % ordinary.size())).from(ATTACKER)
                    .at(T0 + i * 100L).build());
            // Requests refused because the address is blocked are not forgeries either.
            detector.send(UsageEvents.accepted().withoutToken().outcome(Outcome.REVOKED).from(ATTACKER)
                    .at(T0 + i * 100L).build());
        }

        // Alice's one token refused again and again is no failure burst either; nothing is about the address.
        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
        assertThat(detector.<AddressRejections>store(ForgedTokenBurstProcessor.REJECTIONS_STORE)
                .approximateNumEntries()).isZero();
    }

    @Test
    void shouldNotCountRejectionsThatLeftTheWindow() {
        for (int i = 0; i < 10; i++) {
            detector.send(forged(Outcome.BAD_SIGNATURE).from(ATTACKER).at(T0 + i * 100L).build());
        }
        for (int i = 0; i < 10; i++) {
            detector.send(forged(Outcome.BAD_SIGNATURE).from(ATTACKER).at(T0 + 61 * SECOND + i * 100L).build());
        }
        assertThat(detector.alerts()).as("20 rejections, but never 20 within 60 s").isEmpty();

        for (int i = 0; i < 10; i++) {
            detector.send(forged(Outcome.BAD_SIGNATURE).from(ATTACKER).at(T0 + 62 * SECOND + i * 100L).build());
        }
        assertThat(detector.alerts()).as("the window slides: the second and third ten are 20 within 60 s")
                .hasSize(1);
    }

    @Test
    void shouldCountEachAddressOnItsOwn() {
        for (int i = 0; i < 19; i++) {
            detector.send(forged(Outcome.BAD_SIGNATURE).from(ATTACKER).at(T0 + i * SECOND).build());
            detector.send(forged(Outcome.BAD_SIGNATURE).from("198.51.100.7").at(T0 + i * SECOND).build());
        }
        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
    }

    @Test
    void shouldHonourConfiguredThresholdAndWindow() {
        detector.close();
        detector = DetectorDriver.start(stateDir.resolve("five"), config -> config.withForgedTokenBurst(
                ForgedTokenBurstRule.defaults().withThreshold(5).withWindow(Duration.ofSeconds(10))));

        for (int i = 0; i < 4; i++) {
            detector.send(forged(Outcome.UNKNOWN_KEY).from(ATTACKER).at(T0 + i * 3 * SECOND).build());
        }
        assertThat(detector.alerts()).as("four rejections").isEmpty();
        detector.send(forged(Outcome.UNKNOWN_KEY).from(ATTACKER).at(T0 + 12 * SECOND).build());
        assertThat(detector.alerts()).as("five rejections, but 12 s from the first to the fifth").isEmpty();
        detector.send(forged(Outcome.UNKNOWN_KEY).from(ATTACKER).at(T0 + 12_500).build());
        assertThat(detector.alerts()).as("five within 10 s: 3 s to 12.5 s").hasSize(1);
    }

    @Test
    void shouldUpdateTheOpenIncidentWithinTheCooldownInsteadOfOpeningAnother() {
        long created = burst(ATTACKER, T0, 20);
        Alert create = detector.alerts().get(0).value;
        detector.revocations();

        burst(ATTACKER, created + SECOND, 30);
        assertThat(detector.alerts()).as("within a minute of the last report").isEmpty();

        long later = created + MINUTE;
        detector.send(forged(Outcome.BAD_SIGNATURE).from(ATTACKER).at(later).build());
        List<KeyValue<String, Alert>> updates = detector.alerts();
        assertThat(updates).hasSize(1);
        Alert update = updates.get(0).value;
        assertThat(update.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(update.typeUid()).isEqualTo(200402L);
        assertThat(update.findingInfo().uid()).isEqualTo(create.findingInfo().uid());
        assertThat(update.findingInfo().firstSeenTime()).isEqualTo(create.findingInfo().firstSeenTime());
        assertThat(update.findingInfo().lastSeenTime()).isEqualTo(later);
        assertThat(update.unmapped().get("incident")).isEqualTo(Map.of("count", 51, "first_seen_time", T0,
                "last_seen_time", later, "reports", 2));
        assertThat(detector.revocations()).as("the address is still blocked: no second block").isEmpty();
    }

    @Test
    void shouldOpenANewIncidentOnceTheCooldownHasPassed() {
        long last = burst(ATTACKER, T0, 20);
        String first = detector.alerts().get(0).value.findingInfo().uid();

        burst(ATTACKER, last + 11 * MINUTE, 20);

        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).value.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(alerts.get(0).value.findingInfo().uid()).isNotEqualTo(first);
    }

    @Test
    void shouldBlockARepeatOffenderForLonger() {
        long first = burst(ATTACKER, T0, 20);
        long second = burst(ATTACKER, T0 + 60 * MINUTE, 20);
        long third = burst(ATTACKER, T0 + 180 * MINUTE, 20);

        List<Revocation> blocks = detector.revocations().stream().map(kv -> kv.value).toList();
        assertThat(blocks).extracting(Revocation::expiresAt)
                .containsExactly(first + 5 * MINUTE, second + 20 * MINUTE, third + 80 * MINUTE);
        assertThat(blocks).extracting(Revocation::key).containsOnly("ip|" + ATTACKER);
        List<Alert> alerts = detector.alerts().stream().map(kv -> kv.value).toList();
        assertThat(alerts).extracting(Alert::activityId).containsOnly(Alert.Activity.CREATE.id);
        assertThat(alerts.get(2).message()).contains("blocked for 80 min (offence 3)");
    }

    @Test
    void shouldBlockAgainWhenTheBurstResumesAfterTheBlockWithinOneIncident() {
        long first = burst(ATTACKER, T0, 20);
        String uid = detector.alerts().get(0).value.findingInfo().uid();
        detector.revocations();

        // The 5 min block has ended; the attacker resumes while the incident is still open.
        long resumed = burst(ATTACKER, first + 6 * MINUTE, 20);

        List<KeyValue<String, Revocation>> blocks = detector.revocations();
        assertThat(blocks).hasSize(1);
        assertThat(blocks.get(0).value.expiresAt()).isEqualTo(resumed + 20 * MINUTE);
        assertThat(blocks.get(0).value.source()).isEqualTo(uid);
        List<KeyValue<String, Alert>> alerts = detector.alerts();
        Alert last = alerts.get(alerts.size() - 1).value;
        assertThat(last.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(last.findingInfo().uid()).isEqualTo(uid);
        @SuppressWarnings("unchecked")
        Map<String, Object> block = (Map<String, Object>) last.unmapped().get("block");
        assertThat(block).containsEntry("offence", 2).containsEntry("issued_now", true);
    }

    @Test
    void shouldGrowBlocksByTheFactorUpToTheCap() {
        ForgedTokenBurstRule rule = ForgedTokenBurstRule.defaults();
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 50).stream().map(rule::blockFor).map(Duration::toMinutes).toList())
                .containsExactly(5L, 20L, 80L, 320L, 1280L, 1440L, 1440L, 1440L);
    }

    @Test
    void shouldStartOverOnceTheOffenceIsForgotten() {
        long first = burst(ATTACKER, T0, 20);
        long again = burst(ATTACKER, first + 5 * MINUTE + Duration.ofHours(24).toMillis() + MINUTE, 20);

        assertThat(detector.revocations()).extracting(kv -> kv.value.expiresAt())
                .containsExactly(first + 5 * MINUTE, again + 5 * MINUTE);
    }

    @Test
    void shouldNeverRevokeTheSubjectOrTokenThatForgedTokensName() {
        // An attacker without the key floods tokens claiming the victim's sub and jti, from several
        // addresses and with every kind of forgery, and also claims the victim in refused-as-revoked ones.
        List<String> addresses = List.of("203.0.113.9", "198.51.100.7", "192.0.2.44", "2001:db8::66", "100.64.1.1");
        List<Outcome> signals = List.of(Outcome.BAD_SIGNATURE, Outcome.ALG_NOT_ALLOWED, Outcome.UNKNOWN_KEY,
                Outcome.MALFORMED, Outcome.REVOKED);
        for (int i = 0; i < 25 * signals.size(); i++) {
            for (String ip : addresses) {
                detector.send(UsageEvents.accepted().unverified().subject("victim").jti("victim-token")
                        .outcome(signals.get(i % signals.size())).from(ip).at(T0 + i * 100L).build());
            }
        }

        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).hasSize(addresses.size());
        assertThat(revocations).allSatisfy(kv -> {
            assertThat(kv.value.scope()).isEqualTo(Revocation.Scope.IP);
            assertThat(kv.key).startsWith("ip|").doesNotContain("victim");
            assertThat(kv.value.issuer()).isNull();
        });
        assertThat(revocations).extracting(kv -> kv.value.value()).containsExactlyInAnyOrderElementsOf(addresses);
        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(addresses.size()).allSatisfy(kv -> {
            assertThat(kv.key).startsWith("ip|");
            assertThat(kv.value.actor()).isNull();
            assertThat(kv.value.findingInfo().analytic().name()).isEqualTo(ForgedTokenBurstRule.NAME);
        });
        assertThat(detector.<TokenSightings>store(TokenReplayProcessor.STORE).approximateNumEntries()).isZero();
        assertThat(detector.<Incident>store(RevokedTokenUseProcessor.INCIDENTS_STORE).approximateNumEntries())
                .isZero();
    }

    @Test
    void shouldPublishAlertsThatConformToOcsfAndToTheAlertSchema() throws Exception {
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            detector.send(forged(Outcome.ALG_NOT_ALLOWED).from("2001:db8::7").in("NL").at(T0 + i).build());
        }
        alerts.addAll(detector.alerts().stream().map(kv -> kv.value).toList());
        detector.send(forged(Outcome.ALG_NOT_ALLOWED).from("2001:db8::7").in("NL").at(T0 + 2 * MINUTE).build());
        alerts.addAll(detector.alerts().stream().map(kv -> kv.value).toList());
        assertThat(alerts).extracting(Alert::activityId).containsExactly(1, 2);

        alerts.forEach(Contracts::assertConforms);
        Contracts.assertConforms(detector.revocations().get(0).value);
    }

    @Test
    void shouldTombstoneTheBlockOnceItHasExpired() {
        long last = burst(ATTACKER, T0, 20);
        long expiresAt = detector.revocations().get(0).value.expiresAt();
        assertThat(expiresAt).isEqualTo(last + 5 * MINUTE);
        assertThat(detector.<Long>store(RevocationExpiryProcessor.STORE).get("ip|" + ATTACKER)).isEqualTo(expiresAt);

        detector.advanceWallClock(Duration.ofMinutes(5));
        assertThat(detector.revocations()).as("wall clock T0 + 5 min, before expires_at").isEmpty();

        detector.advanceWallClock(Duration.ofSeconds(30));
        List<KeyValue<String, Revocation>> tombstones = detector.revocations();
        assertThat(tombstones).hasSize(1);
        assertThat(tombstones.get(0).key).isEqualTo("ip|" + ATTACKER);
        assertThat(tombstones.get(0).value).isNull();
        assertThat(detector.<Long>store(RevocationExpiryProcessor.STORE).get("ip|" + ATTACKER)).isNull();

        detector.advanceWallClock(Duration.ofMinutes(1));
        assertThat(detector.revocations()).as("one tombstone per revocation").isEmpty();
    }

    @Test
    void shouldForgetQuietAddressesClosedIncidentsAndOldOffencesOnWallClockPunctuation() {
        burst(ATTACKER, T0, 20);
        String key = "ip|" + ATTACKER;

        detector.advanceWallClock(Duration.ofMinutes(2));
        assertThat(detector.<AddressRejections>store(ForgedTokenBurstProcessor.REJECTIONS_STORE).get(key))
                .as("kept for the 10 min and 1 h windows").isNotNull();
        assertThat(detector.<Incident>store(ForgedTokenBurstProcessor.INCIDENTS_STORE).get(key)).isNotNull();

        detector.advanceWallClock(Duration.ofMinutes(10));
        assertThat(detector.<Incident>store(ForgedTokenBurstProcessor.INCIDENTS_STORE).get(key)).isNull();
        assertThat(detector.<BlockHistory>store(ForgedTokenBurstProcessor.OFFENCES_STORE).get(key)).isNotNull();

        detector.advanceWallClock(Duration.ofMinutes(50));
        assertThat(detector.<AddressRejections>store(ForgedTokenBurstProcessor.REJECTIONS_STORE).get(key)).isNull();

        detector.advanceWallClock(Duration.ofHours(24));
        assertThat(detector.<BlockHistory>store(ForgedTokenBurstProcessor.OFFENCES_STORE).get(key)).isNull();
    }
}
