package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
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

/**
 * Forgery signals beyond one address and one minute: the paced flood, the victim named from hundreds
 * of addresses, the forged key id tried from everywhere, and their benign look-alikes (a key rotation
 * done in the wrong order behind a corporate NAT and everywhere, a mobile user on a carrier NAT pool).
 */
class ForgedTokenAggregationTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final String NAT = "192.0.2.10";
    private static final String ATTACKER = "203.0.113.9";

    @TempDir
    Path stateDir;

    private DetectorDriver detector;
    private final List<KeyValue<String, Alert>> alerts = new ArrayList<>();
    private final List<KeyValue<String, Revocation>> revocations = new ArrayList<>();

    @BeforeEach
    void setUp() {
        detector = DetectorDriver.start(stateDir);
    }

    @AfterEach
    void tearDown() {
        detector.close();
    }

    private void send(TokenUsageEvent event) {
        detector.send(event);
        alerts.addAll(detector.alerts());
        revocations.addAll(detector.revocations());
    }

    /** A token that did not verify, claiming {@code subject}, key {@code kid} and {@code alg}. */
    private static TokenUsageEvent forged(Outcome outcome, String ip, String subject, String kid, String alg,
                                          long at) {
        return TokenEdits.keyed(UsageEvents.accepted().unverified().outcome(outcome).from(ip).subject(subject).at(at)
                .build(), kid, alg);
    }

    private List<Alert> alertsOf(String rule) {
        return alerts.stream().map(kv -> kv.value).filter(a -> a.findingInfo().analytic().name().equals(rule))
                .toList();
    }

    private static String address(int i) {
        // One /24 each: 198.18.0.0/15, the benchmarking range, has 512 of them.
        return "198." + (18 + i / 256) + "." + (i % 256) + ".7";
    }

    @Test
    void shouldBlockAFloodPacedJustUnderTwentyAMinuteFromOneAddress() {
        // 18 a minute, evenly: never 20 within 60 s (counted to the nearest second), 100 within 10 minutes
        // after about 5.5 minutes.
        long interval = MINUTE / 18 + 1;
        for (int i = 0; i < 18 * 10; i++) {
            send(forged(Outcome.BAD_SIGNATURE, ATTACKER, "alice", "k1", "ES256", T0 + i * interval));
        }
        List<Alert> bursts = alertsOf(ForgedTokenBurstRule.NAME);
        assertThat(bursts).isNotEmpty();
        Alert first = bursts.get(0);
        assertThat(first.message()).startsWith("100 forgery-signal rejections from " + ATTACKER + " within 600 s");
        assertThat(first.time()).isLessThan(T0 + 6 * MINUTE);
        assertThat(revocations).singleElement().satisfies(block -> {
            assertThat(block.key).isEqualTo("ip|" + ATTACKER);
            assertThat(block.value.scope()).isEqualTo(Revocation.Scope.IP);
        });
        Contracts.assertConforms(first);
    }

    @Test
    void shouldAlertButContainNobodyWhenOneVictimIsNamedFromHundredsOfAddresses() {
        // 300 addresses, three forged tokens each, all naming alice: every address far below its threshold.
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 300; i++) {
                send(forged(Outcome.BAD_SIGNATURE, address(i), "alice", "k" + i, "RS256",
                        T0 + round * 5 * MINUTE + i * 500L));
            }
        }
        assertThat(revocations).as("no address crossed its own threshold; the victim is never contained")
                .isEmpty();
        List<Alert> campaign = alertsOf(ForgedTokenCampaignProcessor.NAME);
        assertThat(campaign).isNotEmpty();
        assertThat(campaign).extracting(a -> a.findingInfo().uid()).containsOnly(campaign.get(0).findingInfo().uid());
        Alert first = campaign.get(0);
        assertThat(first.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(first.findingInfo().title()).isEqualTo("Forged tokens naming one subject from many addresses");
        assertThat(first.message()).isEqualTo("20 forgery-signal rejections naming subject alice from 18+ networks "
                + "within 1 h");
        assertThat(first.actor()).as("an unverified claim names nobody we trust").isNull();
        assertThat(first.unmapped().get("unverified_claims")).isEqualTo(Map.of("claimed_iss",
                "https://issuer.example", "claimed_sub", "alice"));
        assertThat(alerts).filteredOn(kv -> kv.key.equals("claimed-sub|https://issuer.example|alice")).isNotEmpty();
        assertThat(alerts).as("nothing keyed by the victim's subject key")
                .noneMatch(kv -> kv.key.equals("https://issuer.example|alice"));
        Contracts.assertConforms(first);
    }

    @Test
    void shouldAlertOnOneForgedKeyIdTriedFromManyAddresses() {
        // An HS256 confusion attempt against kid k1, two tries from each of 40 addresses, random subjects.
        for (int i = 0; i < 40; i++) {
            for (int j = 0; j < 2; j++) {
                send(forged(Outcome.ALG_NOT_ALLOWED, address(i), "user-" + (i * 2 + j), "k1", "HS256",
                        T0 + i * 10 * SECOND + j * SECOND));
            }
        }
        assertThat(revocations).isEmpty();
        List<Alert> campaign = alertsOf(ForgedTokenCampaignProcessor.NAME);
        assertThat(campaign).extracting(a -> a.findingInfo().title())
                .contains("Forged tokens claiming one key or algorithm from many addresses");
        assertThat(alerts).anyMatch(kv -> kv.key.equals("claimed-key|k1|HS256"));
        assertThat(alertsOf(ForgedTokenBurstRule.KEY_ROTATION)).as("not unknown_key: no rotation").isEmpty();
    }

    @Test
    void shouldAlertTheOperatorOnceAndBlockNothingWhenAKeyRotationInTheWrongOrderHitsACorporateNat() {
        // 300 users behind one NAT work normally one afternoon...
        for (int minute = 0; minute < 240; minute += 30) {
            for (int u = 0; u < 300; u++) {
                send(UsageEvents.accepted().subject("user-" + u).jti("t-" + u).from(NAT)
                        .at(T0 + minute * MINUTE + u * 100L).build());
            }
        }
        // ...and the next morning the issuer signs with kid k2 before the filters hold it: every user's
        // first request fails unknown_key, each retrying every 30 s, for 10 minutes (6,000 rejections).
        long start = T0 + 18 * 60 * MINUTE;
        for (int tick = 0; tick < 20; tick++) {
            for (int u = 0; u < 300; u++) {
                send(forged(Outcome.UNKNOWN_KEY, NAT, "user-" + u, "k2", "ES256", start + tick * 30 * SECOND + u * 50L));
            }
        }

        assertThat(revocations).as("the NAT is not blocked").isEmpty();
        assertThat(detector.<DistinctSightings>store(ForgedTokenBurstProcessor.POPULATION_STORE).get("ip|" + NAT)
                .seen()).as("bounded: enough to decide, no more").hasSize(
                ForgedTokenBurstRule.KeyRotation.defaults().subjectCap());
        assertThat(alertsOf(ForgedTokenBurstRule.NAME)).isEmpty();
        assertThat(alertsOf(ForgedTokenCampaignProcessor.NAME)).isEmpty();
        List<Alert> rotation = alertsOf(ForgedTokenBurstRule.KEY_ROTATION);
        assertThat(rotation).extracting(a -> a.findingInfo().uid()).as("one operator alert, with updates")
                .containsOnly(rotation.get(0).findingInfo().uid());
        assertThat(rotation).filteredOn(a -> a.activityId() == Alert.Activity.CREATE.id).hasSize(1);
        assertThat(alerts).extracting(kv -> kv.value.findingInfo().analytic().name())
                .containsOnly(ForgedTokenBurstRule.KEY_ROTATION);
        Alert first = rotation.get(0);
        assertThat(first.findingInfo().title()).isEqualTo("Signing key rotation suspected");
        assertThat(first.severityId()).isEqualTo(Alert.Severity.LOW.id);
        assertThat(first.unmapped()).containsEntry("kid", "k2").containsEntry("address_blocked", false);
        assertThat(first.message()).contains("which also carries 28 verified subjects", "kid k2",
                "address not blocked");
        Contracts.assertConforms(first);
    }

    @Test
    void shouldStillBlockAnUnknownKeyFloodFromAnAddressThatCarriesNoVerifiedUsers() {
        for (int i = 0; i < 20; i++) {
            send(forged(Outcome.UNKNOWN_KEY, ATTACKER, "alice", "k2", "ES256", T0 + i * SECOND));
        }
        assertThat(alertsOf(ForgedTokenBurstRule.KEY_ROTATION)).isEmpty();
        assertThat(alertsOf(ForgedTokenBurstRule.NAME)).hasSize(1);
        assertThat(revocations).extracting(kv -> kv.key).containsExactly("ip|" + ATTACKER);
    }

    @Test
    void shouldStillBlockABadSignatureFloodFromAPopulatedAddress() {
        for (int u = 0; u < 30; u++) {
            send(UsageEvents.accepted().subject("user-" + u).from(NAT).at(T0 + u * SECOND).build());
        }
        for (int i = 0; i < 20; i++) {
            send(forged(Outcome.BAD_SIGNATURE, NAT, "alice", "k1", "ES256", T0 + MINUTE + i * SECOND));
        }
        assertThat(alertsOf(ForgedTokenBurstRule.KEY_ROTATION)).as("bad signatures are no rotation").isEmpty();
        assertThat(revocations).extracting(kv -> kv.key).containsExactly("ip|" + NAT);
    }

    @Test
    void shouldReportARotationSeenByUsersEverywhereAsOneOperatorAlertAndBlockNoHome() {
        // 60 home users, one address each, each retrying a token of the new kid twice.
        for (int i = 0; i < 60; i++) {
            for (int j = 0; j < 2; j++) {
                send(forged(Outcome.UNKNOWN_KEY, address(i), "user-" + i, "k3", "ES256",
                        T0 + i * 5 * SECOND + j * SECOND));
            }
        }
        assertThat(revocations).isEmpty();
        assertThat(alertsOf(ForgedTokenCampaignProcessor.NAME)).isEmpty();
        List<Alert> rotation = alertsOf(ForgedTokenBurstRule.KEY_ROTATION);
        assertThat(rotation).isNotEmpty();
        assertThat(rotation).extracting(a -> a.findingInfo().uid()).containsOnly(rotation.get(0).findingInfo().uid());
        assertThat(alerts).anyMatch(kv -> kv.key.equals("claimed-key|k3|ES256"));
    }

    @Test
    void shouldNotAlertOnAMobileUserWhoseStaleTokenFailsFromAFewCarrierAddresses() {
        // One user's phone moving across a carrier NAT pool (40 addresses in four /24s), its token signed
        // by a retired key.
        for (int i = 0; i < 40; i++) {
            send(forged(Outcome.UNKNOWN_KEY, "100.64." + (i % 4) + "." + (10 + i), "alice", "k0", "ES256",
                    T0 + i * 20 * SECOND));
        }
        assertThat(alerts).isEmpty();
        assertThat(revocations).isEmpty();
    }

    @Test
    void shouldBoundAndForgetCampaignState() {
        for (int i = 0; i < 500; i++) {
            send(forged(Outcome.BAD_SIGNATURE, address(i), "alice", "k1", "RS256", T0 + i * 100L));
        }
        ClaimTally tally = detector.<ClaimTally>store(ForgedTokenCampaignProcessor.TALLIES_STORE)
                .get("claimed-sub|https://issuer.example|alice");
        assertThat(tally.addresses().seen()).hasSize(ForgedTokenBurstRule.Campaign.defaults().cap());
        assertThat(tally.rejections().slots().size()).isLessThanOrEqualTo(ForgedTokenBurstRule.SLOTS_PER_WINDOW + 1);

        detector.advanceWallClock(Duration.ofMinutes(62));
        for (String claim : List.of("claimed-sub|https://issuer.example|alice", "claimed-key|k1|RS256")) {
            assertThat(detector.<ClaimTally>store(ForgedTokenCampaignProcessor.TALLIES_STORE).get(claim)).isNull();
            assertThat(detector.<Object>store(ForgedTokenCampaignProcessor.INCIDENTS_STORE).get(claim)).isNull();
        }
    }
}
