package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.revocation.LatestRevocations;
import io.tokenwatch.detector.revocation.RevocationExpiryProcessor;
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
 * Tombstones for void revocations, whichever rule issued them (DESIGN.md §3: the compacted topic must not
 * grow forever), and never for a key the topic meanwhile holds as live (DESIGN.md §4: a revocation lifted
 * before its time is a security bug).
 */
class RevocationTombstoneTest {

    private static final long MINUTE = 60_000L;
    private static final String ATTACKER = "203.0.113.9";
    private static final String ATTACKER_KEY = "ip|" + ATTACKER;

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

    private KeyValueStore<String, byte[]> latest() {
        return detector.store(LatestRevocations.STORE);
    }

    /** What {@code tokenwatch revoke --ip} publishes: an operator's block of the attacker's address. */
    private static Revocation operatorBlock(long createdAt, long expiresAt) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, ATTACKER, Revocation.Action.BLOCK,
                null, expiresAt, "confirmed attack, blocked by the on-call", "operator:alice", createdAt);
    }

    private static Revocation parse(byte[] bytes) {
        return Topics.REVOCATIONS.valueSerde().deserializer().deserialize(Topics.REVOCATIONS.name(), bytes);
    }

    private long burst(long start) {
        long time = start;
        for (int i = 0; i < 20; i++) {
            time = start + i;
            detector.send(UsageEvents.accepted().unverified().outcome(Outcome.BAD_SIGNATURE).from(ATTACKER).at(time)
                    .build());
        }
        return time;
    }

    @Test
    void shouldTombstoneATokenRevocationOnceTheTokenCouldNoLongerPassAnyFilter() {
        detector = DetectorDriver.start(stateDir);
        List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44", "198.51.100.7");
        for (int i = 0; i < ips.size(); i++) {
            detector.send(UsageEvents.accepted().from(ips.get(i)).at(T0 + i).build());
        }
        Revocation revocation = detector.revocations().get(0).value;
        String key = "jti|https://issuer.example|token-1";
        assertThat(expiries().get(key)).isEqualTo(revocation.expiresAt());

        // exp is T0 + 1 h; the revocation outlives it by the 5 min skew a filter may allow.
        detector.advanceWallClock(Duration.ofMinutes(64));
        assertThat(detector.revocations()).isEmpty();
        detector.advanceWallClock(Duration.ofMinutes(1));

        assertThat(detector.revocations()).containsExactly(KeyValue.pair(key, null));
        assertThat(expiries().get(key)).isNull();
        assertThat(latest().get(key)).as("the topic's latest value follows our tombstone").isNull();
    }

    @Test
    void shouldNotLiftALongerRevocationIssuedLaterUnderTheSameKey() {
        detector = DetectorDriver.start(stateDir);
        long first = burst(T0);
        // The first block (5 min) has ended; the resumed burst earns a 20 min block under the same key.
        long second = burst(first + 6 * MINUTE);
        List<KeyValue<String, Revocation>> blocks = detector.revocations();
        assertThat(blocks).extracting(kv -> kv.value.expiresAt())
                .containsExactly(first + 5 * MINUTE, second + 20 * MINUTE);

        detector.advanceWallClock(Duration.ofMinutes(10));
        assertThat(detector.revocations()).as("the first block is void, but the second replaced it").isEmpty();
        assertThat(expiries().get("ip|" + ATTACKER)).isEqualTo(second + 20 * MINUTE);

        detector.advanceWallClock(Duration.ofMinutes(17));
        assertThat(detector.revocations()).containsExactly(KeyValue.pair("ip|" + ATTACKER, null));
    }

    @Test
    void shouldTombstoneEveryVoidRevocationInOnePunctuation() {
        detector = DetectorDriver.start(stateDir);
        for (String ip : List.of("203.0.113.9", "198.51.100.7", "2001:db8::1")) {
            for (int i = 0; i < 20; i++) {
                detector.send(UsageEvents.accepted().unverified().outcome(Outcome.UNKNOWN_KEY).from(ip).at(T0 + i)
                        .build());
            }
        }
        assertThat(detector.revocations()).hasSize(3);
        assertThat(expiries().approximateNumEntries()).isEqualTo(3);

        detector.advanceWallClock(Duration.ofMinutes(6));

        assertThat(detector.revocations()).extracting(kv -> kv.key)
                .containsExactlyInAnyOrder("ip|203.0.113.9", "ip|198.51.100.7", "ip|2001:db8::1");
        assertThat(expiries().approximateNumEntries()).isZero();
    }

    @Test
    void shouldLookForVoidRevocationsAtTheConfiguredInterval() {
        detector = DetectorDriver.start(stateDir, config -> config.withTombstoneInterval(Duration.ofMinutes(10)));
        burst(T0);
        detector.revocations();

        detector.advanceWallClock(Duration.ofMinutes(6));
        assertThat(detector.revocations()).as("void since T0 + 5 min, but not yet looked for").isEmpty();
        detector.advanceWallClock(Duration.ofMinutes(4));
        assertThat(detector.revocations()).extracting(kv -> kv.key).containsExactly("ip|" + ATTACKER);
    }

    @Test
    void shouldNotLiftARevocationAnOperatorRenewedForLonger() {
        detector = DetectorDriver.start(stateDir);
        long last = burst(T0);
        assertThat(detector.revocations()).extracting(kv -> kv.value.expiresAt()).containsExactly(last + 5 * MINUTE);
        Revocation renewed = operatorBlock(T0 + MINUTE, T0 + 120 * MINUTE);
        detector.publishRevocation(renewed, T0 + MINUTE);

        detector.advanceWallClock(Duration.ofMinutes(6));

        assertThat(detector.revocations()).as("our block is void, the operator's is in force").isEmpty();
        assertThat(parse(latest().get(ATTACKER_KEY))).isEqualTo(renewed);
        assertThat(expiries().get(ATTACKER_KEY)).as("the key is the operator's to lift now").isNull();

        detector.advanceWallClock(Duration.ofMinutes(120));
        assertThat(detector.revocations()).as("not even once the operator's block is void").isEmpty();
        assertThat(parse(latest().get(ATTACKER_KEY))).isEqualTo(renewed);
    }

    @Test
    void shouldSendNothingMoreWhenAnOperatorLiftedTheRevocationBeforeItExpired() {
        detector = DetectorDriver.start(stateDir);
        burst(T0);
        assertThat(detector.revocations()).extracting(kv -> kv.key).containsExactly(ATTACKER_KEY);
        detector.publishLift(ATTACKER_KEY, T0 + MINUTE);
        assertThat(latest().get(ATTACKER_KEY)).isNull();

        detector.advanceWallClock(Duration.ofMinutes(6));

        assertThat(detector.revocations()).isEmpty();
        assertThat(expiries().get(ATTACKER_KEY)).isNull();
    }

    @Test
    void shouldLiftAVoidEntryUnderTheKeyWhoeverWroteIt() {
        detector = DetectorDriver.start(stateDir);
        burst(T0);
        detector.revocations();
        // Re-revoked, but for less time than ours: by our expiry nothing under the key is in force.
        detector.publishRevocation(operatorBlock(T0 + MINUTE, T0 + 2 * MINUTE), T0 + MINUTE);

        detector.advanceWallClock(Duration.ofMinutes(6));

        assertThat(detector.revocations()).containsExactly(KeyValue.pair(ATTACKER_KEY, null));
        assertThat(latest().get(ATTACKER_KEY)).isNull();
    }

    @Test
    void shouldNotLiftAValueItCannotRead() {
        detector = DetectorDriver.start(stateDir);
        burst(T0);
        detector.revocations();
        // E.g. a later contract version whose expiry this version cannot find: it may well be in force.
        detector.publishRawRevocation(ATTACKER_KEY,
                "{\"schema_version\":2,\"scope\":\"ip\",\"until\":\"forever\"}".getBytes(StandardCharsets.UTF_8),
                T0 + MINUTE);

        detector.advanceWallClock(Duration.ofMinutes(6));

        assertThat(detector.revocations()).isEmpty();
        assertThat(latest().get(ATTACKER_KEY)).isNotNull();
        assertThat(expiries().get(ATTACKER_KEY)).isNull();
    }
}
