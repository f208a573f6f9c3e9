package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.Revocation;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** Token replay told apart by device id and by country, besides networks. */
class TokenReplayDimensionsTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final String TOKEN_KEY = "jti|https://issuer.example|token-1";
    /** One network, so only the dimension under test can fire. */
    private static final String HOME = "198.51.100.7";

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

    private void restartWith(UnaryOperator<TokenReplayRule> change) {
        detector.close();
        detector = DetectorDriver.start(stateDir.resolve("custom"),
                config -> config.withReplay(change.apply(config.replay())));
    }

    @Test
    void shouldAlertOnATokenUsedOnTwoDevicesAndRevokeItOnlyWhenASecondSignBacksThat() {
        detector.send(UsageEvents.accepted().from(HOME).device("laptop-1").at(T0).build());
        detector.send(UsageEvents.accepted().from(HOME).device("laptop-1").at(T0 + 30 * SECOND).build());
        assertThat(detector.alerts()).isEmpty();

        detector.send(UsageEvents.accepted().from(HOME).device("phone-evil").at(T0 + MINUTE).build());

        assertThat(detector.revocations()).as("one sign alone").isEmpty();
        List<KeyValue<String, Alert>> alerts = detector.alerts();
        assertThat(alerts).hasSize(1);
        Alert alert = alerts.get(0).value;
        assertThat(alert.findingInfo().analytic().name()).isEqualTo(TokenReplayRule.NAME);
        assertThat(alert.message()).isEqualTo("Token used from 2 devices within 300 s");
        assertThat(alert.findingInfo().title()).isEqualTo("Token replay from several devices");
        Alert.AnomalyAnalysis analysis = alert.anomalyAnalyses().get(0);
        assertThat(analysis.anomalies()).singleElement().satisfies(a -> {
            assertThat(a.observationParameter()).isEqualTo("distinct_devices");
            assertThat(a.observations().get(0).count()).isEqualTo(2);
            assertThat(a.observedPattern()).isEqualTo("laptop-1, phone-evil");
        });
        assertThat(analysis.baselines()).singleElement().satisfies(b -> {
            assertThat(b.observationType()).isEqualTo("threshold");
            assertThat(b.observations().get(0).count()).isEqualTo(2);
        });
        assertThat(alert.unmapped().get("fired")).isEqualTo(List.of(Map.of("dimension", "devices", "observed", 2,
                "threshold", 2, "values", List.of("laptop-1", "phone-evil"))));
        assertThat(alert.evidences()).extracting(Alert.Evidence::name).contains("token use on device laptop-1",
                "token use on device phone-evil");
        assertThat(alert.unmapped().get("corroborated")).isEqualTo(false);
        Contracts.assertConforms(alert);

        // The second device moves to another network and the first comes back: two holders taking turns.
        detector.send(UsageEvents.accepted().from("203.0.113.9").device("phone-evil").at(T0 + 2 * MINUTE).build());
        detector.send(UsageEvents.accepted().from(HOME).device("laptop-1").at(T0 + 3 * MINUTE).build());

        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).extracting(r -> r.key).containsExactly(TOKEN_KEY);
        Alert update = detector.alerts().get(0).value;
        assertThat(update.activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(update.findingInfo().uid()).isEqualTo(alert.findingInfo().uid());
        assertThat(update.anomalyAnalyses().get(0).anomalies()).extracting(Alert.Anomaly::observationParameter)
                .containsExactly("distinct_devices", "network_returns");
        Contracts.assertConforms(update);
        Contracts.assertConforms(revocations.get(0).value);
    }

    @Test
    void shouldAlertOnATokenUsedFromThreeCountriesWithinTheWindow() {
        detector.send(UsageEvents.accepted().from(HOME).in("DE").at(T0).build());
        detector.send(UsageEvents.accepted().from(HOME).in("AT").at(T0 + MINUTE).build());
        assertThat(detector.alerts()).as("two countries: a carrier egress or a VPN can do that").isEmpty();

        detector.send(UsageEvents.accepted().from(HOME).in("CH").at(T0 + 2 * MINUTE).build());

        assertThat(detector.revocations()).as("one sign alone").isEmpty();
        Alert alert = detector.alerts().get(0).value;
        assertThat(alert.message()).isEqualTo("Token used from 3 countries within 300 s");
        assertThat(alert.unmapped().get("fired")).isEqualTo(List.of(Map.of("dimension", "countries", "observed", 3,
                "threshold", 3, "values", List.of("DE", "AT", "CH"))));
        Contracts.assertConforms(alert);
    }

    @Test
    void shouldNameEveryDimensionThatFiredAtOnce() {
        detector.send(UsageEvents.accepted().from("198.51.100.7").device("d1").in("DE").at(T0).build());
        detector.send(UsageEvents.accepted().from("203.0.113.9").device("d1").in("AT").at(T0 + SECOND).build());
        detector.send(UsageEvents.accepted().from("192.0.2.44").device("d2").in("CH").at(T0 + 2 * SECOND).build());

        Alert alert = detector.alerts().get(0).value;
        assertThat(alert.message()).isEqualTo("Token used from 3 networks, 2 devices, 3 countries within 300 s");
        assertThat(detector.revocations()).extracting(r -> r.key).containsExactly(TOKEN_KEY);
        assertThat(alert.anomalyAnalyses().get(0).anomalies()).extracting(Alert.Anomaly::observationParameter)
                .containsExactly("distinct_client_networks", "distinct_devices", "distinct_countries");
        Contracts.assertConforms(alert);
    }

    @Test
    void shouldStayQuietForOneDeviceInOneCountryAndForRequestsWithoutEither() {
        for (int i = 0; i < 30; i++) {
            detector.send(UsageEvents.accepted().from(HOME).device("laptop-1").in("DE").at(T0 + i * 10 * SECOND)
                    .build());
            // Requests of the same token without device id or country count in neither dimension.
            detector.send(UsageEvents.accepted().from(HOME).at(T0 + i * 10 * SECOND + 1).build());
        }
        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
    }

    @Test
    void shouldNotCountDevicesOrCountriesThatLeftTheWindow() {
        detector.send(UsageEvents.accepted().from(HOME).device("laptop-1").in("DE").at(T0).build());
        detector.send(UsageEvents.accepted().from(HOME).device("phone-1").in("AT").at(T0 + 6 * MINUTE).build());
        detector.send(UsageEvents.accepted().from(HOME).device("tablet-1").in("CH").at(T0 + 12 * MINUTE).build());

        assertThat(detector.alerts()).isEmpty();
        TokenSightings seen = detector.<TokenSightings>store(TokenReplayProcessor.STORE).get(TOKEN_KEY);
        assertThat(seen.devices()).extracting(TokenSightings.Seen::value).containsExactly("tablet-1");
        assertThat(seen.countries()).extracting(TokenSightings.Seen::value).containsExactly("CH");
    }

    @Test
    void shouldHonourConfiguredThresholdsAndSwitchingADimensionOff() {
        restartWith(rule -> rule.withMinDevices(0).withMinCountries(2));
        detector.send(UsageEvents.accepted().from(HOME).device("d1").in("DE").at(T0).build());
        detector.send(UsageEvents.accepted().from(HOME).device("d2").in("DE").at(T0 + SECOND).build());
        assertThat(detector.alerts()).as("devices off").isEmpty();

        detector.send(UsageEvents.accepted().from(HOME).device("d3").in("FR").at(T0 + 2 * SECOND).build());
        Alert alert = detector.alerts().get(0).value;
        assertThat(alert.unmapped().get("fired")).isEqualTo(List.of(Map.of("dimension", "countries", "observed", 2,
                "threshold", 2, "values", List.of("DE", "FR"))));
    }

    @Test
    void shouldAlertOnceWhileOneSignStandsAloneAndRevokeOncePerToken() {
        for (int i = 0; i < 10; i++) {
            detector.send(UsageEvents.accepted().from(HOME).device("device-" + i).at(T0 + i * SECOND).build());
        }
        assertThat(detector.alerts()).hasSize(1);
        assertThat(detector.revocations()).isEmpty();

        String[] networks = {"203.0.113.9", "192.0.2.44", "100.64.1.1", "100.65.1.1"};
        for (int i = 0; i < networks.length; i++) {
            detector.send(UsageEvents.accepted().from(networks[i]).device("device-x" + i).at(T0 + (20 + i) * SECOND)
                    .build());
        }
        assertThat(detector.alerts()).as("the update that revokes").hasSize(1);
        assertThat(detector.revocations()).hasSize(1);
    }

    @Test
    void shouldKeepAtMostTheConfiguredNumberOfDevicesAndCountriesAndForgetQuietTokens() {
        restartWith(rule -> rule.withMinDevices(0).withMinCountries(0));
        for (int i = 0; i < 100; i++) {
            detector.send(UsageEvents.accepted().from(HOME).device("device-" + i + "-" + "x".repeat(300))
                    .in(String.format("C%03d", i)).at(T0 + i * 100L).build());
        }
        TokenSightings seen = detector.<TokenSightings>store(TokenReplayProcessor.STORE).get(TOKEN_KEY);
        assertThat(seen.devices()).hasSize(16);
        assertThat(seen.countries()).hasSize(16);
        assertThat(seen.countries().get(15).value()).isEqualTo("C099");
        assertThat(seen.devices()).allSatisfy(d -> assertThat(d.value()).hasSizeLessThanOrEqualTo(
                TokenSightings.MAX_DEVICE_ID_CHARS));

        detector.advanceWallClock(Duration.ofMinutes(7));
        assertThat(detector.<TokenSightings>store(TokenReplayProcessor.STORE).get(TOKEN_KEY)).isNull();
    }

    @Test
    void shouldIgnoreForgedTokensNamingTheVictimOnManyDevices() {
        for (int i = 0; i < 10; i++) {
            detector.send(UsageEvents.accepted().unverified().from(HOME).device("evil-" + i).in("C" + i)
                    .at(T0 + i * SECOND).build());
        }
        assertThat(detector.revocations()).isEmpty();
        assertThat(detector.<TokenSightings>store(TokenReplayProcessor.STORE).approximateNumEntries()).isZero();
    }

    @Test
    void shouldReadSightingsWrittenBeforeDevicesAndCountriesWereTracked() {
        byte[] old = ("{\"issuer\":\"https://issuer.example\",\"jti\":\"token-1\",\"subject\":\"alice\","
                + "\"expires_at\":1800003600000,\"uses\":[{\"network\":\"198.51.100.0/24\",\"ip\":\"198.51.100.7\","
                + "\"country\":null,\"last_seen\":" + T0 + "}],\"revoked_at\":null}")
                .getBytes(StandardCharsets.UTF_8);
        TokenSightings seen = new JsonSerde<>(TokenSightings.class).deserializer().deserialize("t", old);
        assertThat(seen.uses()).hasSize(1);
        assertThat(seen.devices()).isEmpty();
        assertThat(seen.countries()).isEmpty();
    }
}
