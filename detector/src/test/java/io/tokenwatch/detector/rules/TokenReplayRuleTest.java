package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TokenReplayRuleTest {

    private static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenUsageEvent> usage;
    private TestOutputTopic<String, Alert> alerts;
    private TestOutputTopic<String, Revocation> revocations;

    @BeforeEach
    void setUp() {
        DetectorConfig config = DetectorConfig.defaults("unused:9092", stateDir);
        driver = new TopologyTestDriver(DetectorTopology.build(config), config.streamsProperties(),
                Instant.ofEpochMilli(T0));
        usage = driver.createInputTopic(Topics.TOKEN_USAGE.name(), Topics.TOKEN_USAGE.keySerde().serializer(),
                Topics.TOKEN_USAGE.valueSerde().serializer());
        alerts = driver.createOutputTopic(Topics.ALERTS.name(), Topics.ALERTS.keySerde().deserializer(),
                Topics.ALERTS.valueSerde().deserializer());
        revocations = driver.createOutputTopic(Topics.REVOCATIONS.name(), Topics.REVOCATIONS.keySerde().deserializer(),
                Topics.REVOCATIONS.valueSerde().deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void send(TokenUsageEvent event) {
        usage.pipeInput(event.key(), event, event.eventTime());
    }

    @Test
    void shouldAlertOnThreeNetworksAndRevokeWhenTheFirstTakesItsTurnAgain() {
        send(UsageEvents.accepted().from("198.51.100.7").at(T0).build());
        send(UsageEvents.accepted().from("203.0.113.9").at(T0 + 10_000).build());
        assertThat(alerts.isEmpty()).isTrue();

        send(UsageEvents.accepted().from("192.0.2.44").at(T0 + 20_000).build());
        assertThat(revocations.isEmpty()).as("three networks alone may be a client on the move").isTrue();
        Alert alert = alerts.readValue();

        send(UsageEvents.accepted().from("198.51.100.7").at(T0 + 30_000).build());
        KeyValue<String, Revocation> revocation = revocations.readKeyValue();
        assertThat(revocation.key).isEqualTo("jti|https://issuer.example|token-1");
        assertThat(revocation.value.scope()).isEqualTo(Revocation.Scope.JTI);
        assertThat(revocation.value.action()).isEqualTo(Revocation.Action.BLOCK);
        assertThat(revocation.value.reason()).isEqualTo(TokenReplayRule.NAME);
        // exp plus the largest clock skew a filter may allow: until then a filter could still accept it.
        assertThat(revocation.value.expiresAt()).isEqualTo(T0 + 3_600_000L + Duration.ofMinutes(5).toMillis());

        assertThat(alerts.readValue().activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(alert.classUid()).isEqualTo(2004);
        assertThat(alert.severityId()).isEqualTo(Alert.Severity.HIGH.id);
        assertThat(alert.findingInfo().analytic().name()).isEqualTo(TokenReplayRule.NAME);
        assertThat(alert.findingInfo().uid()).isEqualTo(revocation.value.source());
        assertThat(alert.actor().user().name()).isEqualTo("alice");
        assertThat(alert.evidences()).extracting(e -> e.srcEndpoint().ip())
                .containsExactly("198.51.100.7", "203.0.113.9", "192.0.2.44");
        assertThat(alert.anomalyAnalyses().get(0).anomalies().get(0).observations().get(0).count()).isEqualTo(3);
        assertThat(alert.anomalyAnalyses().get(0).baselines().get(0).observations().get(0).count()).isEqualTo(3);
        assertThat(alert.findingInfo().attacks().get(0).technique().uid()).isEqualTo("T1550.001");
        assertThat(alert.unmapped().toString()).doesNotContain("eyJ");
    }

    @Test
    void shouldPublishAlertsThatConformToOcsfAndToTheAlertSchema() throws Exception {
        send(UsageEvents.accepted().from("198.51.100.7").at(T0).build());
        send(UsageEvents.accepted().from("203.0.113.9").at(T0 + 1).build());
        send(UsageEvents.accepted().from("192.0.2.44").at(T0 + 2).build());
        send(UsageEvents.accepted().from("198.51.100.7").at(T0 + 3).build());
        alerts.readValuesToList().forEach(Contracts::assertConforms);
        Contracts.assertConforms(revocations.readValue());
    }

    @Test
    void shouldStayQuietForOneTokenUsedFromOneNetwork() {
        for (int i = 0; i < 50; i++) {
            send(UsageEvents.accepted().from("198.51.100." + (i % 200 + 1)).at(T0 + i * 1000L).build());
        }
        assertThat(alerts.isEmpty()).isTrue();
        assertThat(revocations.isEmpty()).isTrue();
    }

    @Test
    void shouldNotCountUsesOlderThanTheWindow() {
        send(UsageEvents.accepted().from("198.51.100.7").at(T0).build());
        send(UsageEvents.accepted().from("203.0.113.9").at(T0 + 1_000).build());
        send(UsageEvents.accepted().from("192.0.2.44").at(T0 + Duration.ofMinutes(6).toMillis()).build());

        assertThat(revocations.isEmpty()).isTrue();
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldAlertOnceAndRevokeOnceAtMostPerToken() {
        String[] ips = {"198.51.100.7", "203.0.113.9", "192.0.2.44", "198.51.100.7", "100.64.1.1", "203.0.113.9",
            "100.65.1.1"};
        for (int i = 0; i < ips.length; i++) {
            send(UsageEvents.accepted().from(ips[i]).at(T0 + i * 1000L).build());
        }
        assertThat(revocations.readValuesToList()).hasSize(1);
        assertThat(alerts.readValuesToList()).extracting(Alert::activityId)
                .containsExactly(Alert.Activity.CREATE.id, Alert.Activity.UPDATE.id);
    }

    @Test
    void shouldCountNetworksAsTheProfileDoes() {
        // A service on three cloud egress addresses of one hosting ASN, and a phone across its carrier's
        // NAT pool: one network each, whatever the /24.
        String[] cloud = {"3.80.1.1", "18.216.2.2", "52.12.3.3"};
        for (int i = 0; i < 30; i++) {
            send(UsageEvents.accepted().subject("svc").jti("svc-token").from(cloud[i % 3])
                    .located("US", 39.0, -77.0, 16509L).network(null, TokenUsageEvent.Anonymizer.HOSTING, 1000)
                    .at(T0 + i * 1000L).build());
            send(UsageEvents.accepted().subject("phone").jti("phone-token").from("100.6" + (i % 4) + ".1." + i)
                    .located("DE", 50.1, 8.7, 3209L).network(TokenUsageEvent.ConnectionType.CELLULAR, null, 100)
                    .at(T0 + i * 1000L).build());
        }
        assertThat(alerts.isEmpty()).isTrue();
        assertThat(revocations.isEmpty()).isTrue();

        // Home lines of one ISP are told apart by /24: three homes are three networks.
        for (int i = 0; i < 3; i++) {
            send(UsageEvents.accepted().jti("home-token").from("198.51." + (100 + i) + ".7")
                    .located("DE", 52.5, 13.4, 3320L).network(TokenUsageEvent.ConnectionType.CABLE_DSL, null, 20)
                    .at(T0 + 40_000 + i * 1000L).build());
        }
        assertThat(alerts.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldHonourConfiguredThreshold() {
        driver.close();
        DetectorConfig config = DetectorConfig.defaults("unused:9092", stateDir.resolve("two"))
                .withReplay(TokenReplayRule.defaults().withMinNetworks(2).withWindow(Duration.ofSeconds(30)));
        driver = new TopologyTestDriver(DetectorTopology.build(config), config.streamsProperties());
        usage = driver.createInputTopic(Topics.TOKEN_USAGE.name(), Topics.TOKEN_USAGE.keySerde().serializer(),
                Topics.TOKEN_USAGE.valueSerde().serializer());
        revocations = driver.createOutputTopic(Topics.REVOCATIONS.name(), Topics.REVOCATIONS.keySerde().deserializer(),
                Topics.REVOCATIONS.valueSerde().deserializer());
        alerts = driver.createOutputTopic(Topics.ALERTS.name(), Topics.ALERTS.keySerde().deserializer(),
                Topics.ALERTS.valueSerde().deserializer());

        send(UsageEvents.accepted().from("198.51.100.7").at(T0).build());
        send(UsageEvents.accepted().from("203.0.113.9").at(T0 + 40_000).build());
        assertThat(alerts.isEmpty()).as("outside the 30 s window").isTrue();
        send(UsageEvents.accepted().from("198.51.100.8").at(T0 + 45_000).build());
        assertThat(alerts.readValuesToList()).hasSize(1);
        assertThat(revocations.isEmpty()).as("one sign alone").isTrue();
    }

    @Test
    void shouldNeverRevokeOnForgedTokensNamingAVictim() {
        // An attacker without the key sends tokens claiming the victim's sub and jti from many places.
        String[] ips = {"198.51.100.7", "203.0.113.9", "192.0.2.44", "100.64.1.1"};
        for (int i = 0; i < ips.length; i++) {
            send(UsageEvents.accepted().unverified().outcome(Outcome.BAD_SIGNATURE).from(ips[i]).at(T0 + i).build());
        }
        assertThat(revocations.isEmpty()).isTrue();
        assertThat(alerts.isEmpty()).isTrue();
        KeyValueStore<String, TokenSightings> store = driver.getKeyValueStore(TokenReplayProcessor.STORE);
        assertThat(store.approximateNumEntries()).isZero();
    }

    @Test
    void shouldTellNetworksApartByPrefixNotAddress() {
        // Three addresses in one /24 are one network: a NAT pool, not a replay.
        send(UsageEvents.accepted().from("198.51.100.7").at(T0).build());
        send(UsageEvents.accepted().from("198.51.100.8").at(T0 + 1).build());
        send(UsageEvents.accepted().from("198.51.100.9").at(T0 + 2).build());
        assertThat(revocations.isEmpty()).isTrue();
        send(UsageEvents.accepted().from("2001:db8:1::1").at(T0 + 3).build());
        send(UsageEvents.accepted().from("2001:db8:2::1").at(T0 + 4).build());
        assertThat(alerts.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldForgetQuietTokensOnWallClockPunctuation() {
        send(UsageEvents.accepted().from("198.51.100.7").at(T0).build());
        KeyValueStore<String, TokenSightings> store = driver.getKeyValueStore(TokenReplayProcessor.STORE);
        assertThat(store.get("jti|https://issuer.example|token-1")).isNotNull();

        driver.advanceWallClockTime(Duration.ofMinutes(7));

        assertThat(store.get("jti|https://issuer.example|token-1")).isNull();
    }

    @Test
    void shouldIgnoreTokensWithoutId() {
        for (String ip : List.of("198.51.100.7", "203.0.113.9", "192.0.2.44")) {
            send(UsageEvents.accepted().jti(null).from(ip).at(T0).build());
        }
        assertThat(revocations.isEmpty()).isTrue();
    }
}
