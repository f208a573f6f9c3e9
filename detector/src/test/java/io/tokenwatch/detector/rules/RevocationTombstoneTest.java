package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.revocation.RevocationExpiryProcessor;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** Tombstones for void revocations, whichever rule issued them (DESIGN.md §3: the compacted topic must not grow forever). */
class RevocationTombstoneTest {

    private static final long MINUTE = 60_000L;
    private static final String ATTACKER = "203.0.113.9";

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
        for (String ip : List.of("198.51.100.7", "203.0.113.9", "192.0.2.44")) {
            detector.send(UsageEvents.accepted().from(ip).at(T0).build());
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
}
