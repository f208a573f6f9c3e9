package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.revocation.LatestRevocations;
import io.tokenwatch.detector.revocation.RevocationExpiryProcessor;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The detector never weakens a revocation someone else (an operator, another rule, another deployment)
 * holds live on {@code tokenwatch.revocations}: compaction and filters keep only the last record under
 * a key, so the detector's record there must revoke at least as much as the one it replaces, or not be
 * written at all.
 */
class RevocationNeverWeakenedTest {

    private static final long MINUTE = 60_000L;
    private static final String ATTACKER = "203.0.113.9";
    private static final String ATTACKER_KEY = "ip|" + ATTACKER;
    private static final String ISSUER = "https://issuer.example";
    private static final String ALICE_KEY = "sub|" + ISSUER + "|alice";

    @TempDir
    Path stateDir;

    private DetectorDriver detector;

    @AfterEach
    void tearDown() {
        detector.close();
    }

    private KeyValueStore<String, Long> expiries() {
        return detector.store(RevocationExpiryProcessor.STORE);
    }

    /** The topic's last value under {@code key}, as every filter (and compaction) sees it. */
    private Revocation onTopic(String key) {
        KeyValueStore<String, byte[]> latest = detector.store(LatestRevocations.STORE);
        byte[] bytes = latest.get(key);
        return bytes == null ? null
                : Topics.REVOCATIONS.valueSerde().deserializer().deserialize(Topics.REVOCATIONS.name(), bytes);
    }

    /** What {@code tokenwatch revoke --ip} publishes. */
    private static Revocation operatorOnAttacker(Revocation.Action action, long createdAt, long expiresAt) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, ATTACKER, action, null, expiresAt,
                "confirmed attack, blocked by the on-call", "operator:alice", createdAt);
    }

    /** What {@code tokenwatch revoke --subject} publishes: alice's tokens issued up to {@code notBefore}. */
    private static Revocation operatorOnAlice(long notBefore, long createdAt, long expiresAt) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, ISSUER, "alice",
                Revocation.Action.BLOCK, notBefore, expiresAt, "account takeover", "operator:bob", createdAt);
    }

    /** Forged tokens from the attacker, enough for a burst: the rule issues a 5 min block of the address. */
    private long burst(long start) {
        long time = start;
        for (int i = 0; i < 20; i++) {
            time = start + i;
            detector.send(UsageEvents.accepted().unverified().outcome(Outcome.BAD_SIGNATURE).from(ATTACKER).at(time)
                    .build());
        }
        return time;
    }

    private void startRevokingSubjects() {
        detector = DetectorDriver.start(stateDir, config -> config.withRevokedTokenUse(
                RevokedTokenUseRule.defaults().withRevokeSubject(true)));
    }

    private static UsageEvents refusedAsRevoked() {
        return UsageEvents.accepted().outcome(Outcome.REVOKED).from(ATTACKER);
    }

    @Test
    void shouldLeaveAnOperatorsLongerBlockInPlaceWhenTheDetectorBlocksTheSameAddress() {
        detector = DetectorDriver.start(stateDir);
        Revocation operators = operatorOnAttacker(Revocation.Action.BLOCK, T0, T0 + 120 * MINUTE);
        detector.publishRevocation(operators, T0);

        burst(T0 + MINUTE);

        assertThat(detector.alerts()).as("the burst is still reported").hasSize(1);
        assertThat(detector.revocations()).as("the operator's block already covers the 5 min one").isEmpty();
        assertThat(onTopic(ATTACKER_KEY)).isEqualTo(operators);
        assertThat(expiries().get(ATTACKER_KEY)).as("nothing of ours to lift").isNull();

        detector.advanceWallClock(Duration.ofMinutes(7));
        assertThat(detector.revocations()).as("no tombstone when the detector's 5 min would have ended").isEmpty();
        assertThat(onTopic(ATTACKER_KEY).expiresAt()).isEqualTo(T0 + 120 * MINUTE);
    }

    @Test
    void shouldStillNotShortenTheOperatorsBlockWhenTheBurstResumesAndEarnsALongerBlock() {
        detector = DetectorDriver.start(stateDir);
        Revocation operators = operatorOnAttacker(Revocation.Action.BLOCK, T0, T0 + 120 * MINUTE);
        detector.publishRevocation(operators, T0);
        long first = burst(T0 + MINUTE);
        burst(first + 6 * MINUTE);

        assertThat(detector.revocations()).as("5 min, then 20 min: both inside the operator's 2 h").isEmpty();
        assertThat(onTopic(ATTACKER_KEY)).isEqualTo(operators);
    }

    @Test
    void shouldPublishItsOwnBlockAsIssuedWhenItCoversTheOperatorsShorterOne() {
        detector = DetectorDriver.start(stateDir);
        detector.publishRevocation(operatorOnAttacker(Revocation.Action.BLOCK, T0, T0 + 2 * MINUTE), T0);

        long last = burst(T0);

        List<KeyValue<String, Revocation>> published = detector.revocations();
        assertThat(published).hasSize(1);
        Revocation block = published.get(0).value;
        assertThat(block.expiresAt()).isEqualTo(last + 5 * MINUTE);
        assertThat(block.reason()).isEqualTo(ForgedTokenBurstRule.NAME);
        assertThat(block.source()).isEqualTo(detector.alerts().get(0).value.findingInfo().uid());
        assertThat(block.createdAt()).isEqualTo(last);
    }

    @Test
    void shouldUpgradeAnOperatorsThrottleToABlockUntilTheLaterOfBothExpiries() throws Exception {
        detector = DetectorDriver.start(stateDir);
        detector.publishRevocation(operatorOnAttacker(Revocation.Action.THROTTLE, T0, T0 + 120 * MINUTE), T0);
        detector.advanceWallClock(Duration.ofMinutes(1));

        burst(T0);

        List<KeyValue<String, Revocation>> published = detector.revocations();
        assertThat(published).extracting(kv -> kv.key).containsExactly(ATTACKER_KEY);
        Revocation merged = published.get(0).value;
        Alert alert = detector.alerts().get(0).value;
        assertThat(merged.action()).as("the stronger action").isEqualTo(Revocation.Action.BLOCK);
        assertThat(merged.expiresAt()).as("the later expiry: the operator's").isEqualTo(T0 + 120 * MINUTE);
        assertThat(merged.source()).isEqualTo(alert.findingInfo().uid());
        assertThat(merged.reason()).isEqualTo(ForgedTokenBurstRule.NAME + "; merged with operator:alice");
        assertThat(merged.createdAt()).as("issued now, by the wall clock").isEqualTo(T0 + MINUTE);
        assertThat(onTopic(ATTACKER_KEY)).isEqualTo(merged);
        assertThat(expiries().get(ATTACKER_KEY)).as("the expiry of what was written").isEqualTo(T0 + 120 * MINUTE);
        Contracts.assertConforms(merged);

        detector.advanceWallClock(Duration.ofMinutes(6));
        assertThat(detector.revocations()).as("the detector's own 5 min are over, the merged block is not")
                .isEmpty();
        detector.advanceWallClock(Duration.ofMinutes(113));
        assertThat(detector.revocations()).as("the merged block is ours: lifted once it is void")
                .containsExactly(KeyValue.pair(ATTACKER_KEY, null));
        assertThat(onTopic(ATTACKER_KEY)).isNull();
    }

    @Test
    void shouldNotMoveBackAnOperatorsLaterSubjectCutoff() {
        startRevokingSubjects();
        Revocation operators = operatorOnAlice(T0 + 10 * MINUTE, T0, T0 + 60 * MINUTE);
        detector.publishRevocation(operators, T0);

        detector.send(refusedAsRevoked().at(T0).build());

        List<KeyValue<String, Revocation>> published = detector.revocations();
        assertThat(published).extracting(kv -> kv.key).containsExactly(ALICE_KEY);
        Revocation merged = published.get(0).value;
        assertThat(merged.notBefore()).as("the operator's later cutoff revokes more tokens")
                .isEqualTo(T0 + 10 * MINUTE);
        assertThat(merged.expiresAt()).as("the rule's 24 h outlast the operator's hour")
                .isEqualTo(T0 + Duration.ofHours(24).toMillis());
        assertThat(merged.action()).isEqualTo(Revocation.Action.BLOCK);
        assertThat(merged.reason()).isEqualTo(RevokedTokenUseRule.NAME + "; merged with operator:bob");
        assertThat(onTopic(ALICE_KEY)).isEqualTo(merged);
    }

    @Test
    void shouldLeaveAnOperatorsSubjectRevocationThatCoversTheDetectorsInPlace() {
        startRevokingSubjects();
        Revocation operators = operatorOnAlice(T0 + 10 * MINUTE, T0, T0 + Duration.ofDays(2).toMillis());
        detector.publishRevocation(operators, T0);

        detector.send(refusedAsRevoked().at(T0).build());

        assertThat(detector.alerts()).hasSize(1);
        assertThat(detector.revocations()).isEmpty();
        assertThat(onTopic(ALICE_KEY)).isEqualTo(operators);
    }

    @Test
    void shouldPublishAsIssuedWhenTheTopicHoldsNothingUnderTheKey() {
        detector = DetectorDriver.start(stateDir);

        long last = burst(T0);

        Revocation block = detector.revocations().get(0).value;
        assertThat(block.reason()).isEqualTo(ForgedTokenBurstRule.NAME);
        assertThat(block.expiresAt()).isEqualTo(last + 5 * MINUTE);
        assertThat(block.createdAt()).isEqualTo(last);
        assertThat(onTopic(ATTACKER_KEY)).isEqualTo(block);
    }

    @Test
    void shouldPublishAsIssuedOverAVoidEntry() {
        detector = DetectorDriver.start(stateDir);
        // Longer and stronger on paper, but it ended an hour ago: filters no longer enforce it.
        detector.publishRevocation(operatorOnAttacker(Revocation.Action.BLOCK, T0 - 120 * MINUTE, T0 - 60 * MINUTE),
                T0 - 120 * MINUTE);

        long last = burst(T0);

        List<KeyValue<String, Revocation>> published = detector.revocations();
        assertThat(published).hasSize(1);
        assertThat(published.get(0).value.reason()).isEqualTo(ForgedTokenBurstRule.NAME);
        assertThat(published.get(0).value.expiresAt()).isEqualTo(last + 5 * MINUTE);
        assertThat(expiries().get(ATTACKER_KEY)).isEqualTo(last + 5 * MINUTE);
    }

    @Test
    void shouldNotOverwriteALiveValueItCannotRead() {
        detector = DetectorDriver.start(stateDir);
        byte[] unreadable = "{\"schema_version\":2,\"scope\":\"ip\",\"until\":\"forever\"}"
                .getBytes(StandardCharsets.UTF_8);
        detector.publishRawRevocation(ATTACKER_KEY, unreadable, T0);

        burst(T0);

        assertThat(detector.alerts()).hasSize(1);
        assertThat(detector.revocations()).as("what it says cannot be shown to be covered").isEmpty();
        assertThat(detector.<byte[]>store(LatestRevocations.STORE).get(ATTACKER_KEY)).isEqualTo(unreadable);
        assertThat(expiries().get(ATTACKER_KEY)).isNull();
    }

    @Test
    void shouldNotOverwriteAValueFromALaterContractVersion() {
        detector = DetectorDriver.start(stateDir);
        // Readable here, but a version 2 field this version would drop may narrow or widen what it revokes.
        String v2 = "{\"schema_version\":2,\"scope\":\"ip\",\"value\":\"" + ATTACKER + "\",\"action\":\"throttle\","
                + "\"expires_at\":" + (T0 + MINUTE) + ",\"reason\":\"r\",\"source\":\"s\",\"created_at\":" + T0
                + ",\"exempt_routes\":[\"/health\"]}";
        detector.publishRawRevocation(ATTACKER_KEY, v2.getBytes(StandardCharsets.UTF_8), T0);

        burst(T0);

        assertThat(detector.revocations()).isEmpty();
    }

    @Test
    void shouldNotPublishARevocationThatIsAlreadyVoidOverALiveOne() {
        detector = DetectorDriver.start(stateDir);
        Revocation operators = operatorOnAttacker(Revocation.Action.THROTTLE, T0, T0 + 120 * MINUTE);
        detector.publishRevocation(operators, T0);

        // A backlog: the burst happened an hour ago; its 5 min block ended long before it was processed.
        burst(T0 - 60 * MINUTE);

        assertThat(detector.revocations()).as("a void block enforces nothing: no upgrade of the throttle")
                .isEmpty();
        assertThat(onTopic(ATTACKER_KEY)).isEqualTo(operators);
    }
}
