package io.tokenwatch.schemas;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.tokenwatch.schemas.TestEvents.alert;
import static io.tokenwatch.schemas.TestEvents.request;
import static io.tokenwatch.schemas.TestEvents.revocation;
import static io.tokenwatch.schemas.TestEvents.token;
import static io.tokenwatch.schemas.TestEvents.usage;
import static org.assertj.core.api.Assertions.assertThat;

class JsonSerdeRoundTripTest {

    @Test
    void shouldRoundTripUsageEventWithAllFields() {
        TokenUsageEvent event = usage().build();

        assertThat(roundTrip(Topics.TOKEN_USAGE, event)).isEqualTo(event);
    }

    @Test
    void shouldRoundTripUsageEventWithoutToken() {
        TokenUsageEvent event = usage().outcome(Outcome.MISSING_TOKEN).token(null)
                .request(request().status(401).userAgent(null).deviceId(null).geo(null).build())
                .build();

        assertThat(roundTrip(Topics.TOKEN_USAGE, event)).isEqualTo(event);
    }

    @Test
    void shouldRoundTripUsageEventWithUnverifiedTokenAndIpv6Client() {
        TokenUsageEvent event = usage().outcome(Outcome.BAD_SIGNATURE)
                .token(token().verified(false).aud(null).kid(null).build())
                .request(request().clientIp("2001:db8::7").build())
                .build();

        assertThat(roundTrip(Topics.TOKEN_USAGE, event)).isEqualTo(event);
    }

    @Test
    void shouldRoundTripGeoAccuracyAndNetworkType() {
        TokenUsageEvent.Geo geo = new TokenUsageEvent.Geo("DE", null, 51.2993, 9.491, 3320L, 1000,
                TokenUsageEvent.ConnectionType.CELLULAR, TokenUsageEvent.Anonymizer.VPN);
        TokenUsageEvent event = usage().request(request().geo(geo).build()).build();

        String json = TestJson.of(Topics.TOKEN_USAGE, event).tree().path("request").path("geo").toString();

        assertThat(roundTrip(Topics.TOKEN_USAGE, event)).isEqualTo(event);
        assertThat(json).contains("\"accuracy_radius_km\":1000", "\"connection_type\":\"cellular\"",
                "\"anonymizer\":\"vpn\"");
    }

    @Test
    void shouldReadVersionOneGeoAndUnknownNetworkTypesAsAbsent() {
        String v1 = "{\"schema_version\":1,\"event_id\":\"e-1\",\"event_time\":1,\"filter_id\":\"f\","
                + "\"service\":\"s\",\"outcome\":\"accepted\",\"request\":{\"method\":\"GET\",\"route\":\"/\","
                + "\"status\":200,\"client_ip\":\"192.0.2.1\",\"geo\":{\"country\":\"DE\",\"asn\":3320,"
                + "\"connection_type\":\"quantum_link\",\"anonymizer\":\"mesh\"}}}";

        TokenUsageEvent event = Topics.TOKEN_USAGE.valueSerde().deserializer()
                .deserialize(Topics.TOKEN_USAGE.name(), v1.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(event.schemaVersion()).isEqualTo(1);
        assertThat(event.request().geo()).isEqualTo(new TokenUsageEvent.Geo("DE", null, null, null, 3320L));
    }

    @ParameterizedTest
    @EnumSource(Revocation.Scope.class)
    void shouldRoundTripRevocationOfEachScope(Revocation.Scope scope) {
        Revocation revocation = revocation(scope).build();

        assertThat(roundTrip(Topics.REVOCATIONS, revocation)).isEqualTo(revocation);
    }

    @ParameterizedTest
    @EnumSource(Revocation.Action.class)
    void shouldRoundTripRevocationOfEachAction(Revocation.Action action) {
        Revocation revocation = revocation().action(action).build();

        assertThat(roundTrip(Topics.REVOCATIONS, revocation)).isEqualTo(revocation);
    }

    @Test
    void shouldRoundTripAlertWithEveryNestedPart() {
        Alert alert = alert().build();

        Alert back = roundTrip(Topics.ALERTS, alert);

        assertThat(back).isEqualTo(alert);
        assertThat(back.findingInfo().attacks()).isNotEmpty();
        assertThat(back.anomalyAnalyses().get(0).analysisTargets()).isNotEmpty();
        assertThat(back.evidences().get(0).srcEndpoint().location().lon()).isEqualTo(13.405);
    }

    @Test
    void shouldRoundTripAlertWithOnlyRequiredParts() {
        Alert alert = alert().findingInfo(new Alert.FindingInfo("f-1", "t", null, null, null, null, null, null))
                .actor(null).evidences(null).anomalyAnalyses(null).unmapped(null).message(null).build();

        assertThat(roundTrip(Topics.ALERTS, alert)).isEqualTo(alert);
    }

    @Test
    void shouldWriteOcsfAttributeNames() {
        String json = new String(Topics.ALERTS.valueSerde().serializer().serialize(Topics.ALERTS.name(), alert().build()),
                java.nio.charset.StandardCharsets.UTF_8);

        assertThat(json).contains("\"is_alert\":true", "\"long\":13.405", "\"analysis_targets\":",
                "\"src_endpoint\":", "\"vendor_name\":\"tokenwatch\"", "\"schema_version\":1");
    }

    @Test
    void shouldRoundTripSuppressionUnderItsKey() {
        Suppression suppression = TestEvents.suppression().build();

        assertThat(roundTrip(Topics.SUPPRESSIONS, suppression)).isEqualTo(suppression);
        assertThat(suppression.key()).isEqualTo("impossible_travel|" + TestEvents.ISSUER + "|" + TestEvents.SUBJECT);
        assertThat(TestJson.of(Topics.SUPPRESSIONS, suppression).tree().has("key")).isFalse();
        assertThat(TestJson.of(Topics.SUPPRESSIONS, suppression).tree().has("void_at")).isFalse();
    }

    @Test
    void shouldNeverWriteDerivedAccessors() {
        assertThat(TestJson.of(Topics.TOKEN_USAGE, usage().build()).tree().has("key")).isFalse();
        assertThat(TestJson.of(Topics.TOKEN_USAGE, usage().build()).tree().has("verified_subject")).isFalse();
        assertThat(TestJson.of(Topics.REVOCATIONS, revocation().build()).tree().has("key")).isFalse();
    }

    @Test
    void shouldMapNullValueToTombstone() {
        for (Topic<?, ?> topic : Topics.ALL) {
            assertThat(topic.valueSerde().serializer().serialize(topic.name(), null)).as(topic.name()).isNull();
        }
    }

    @Test
    void shouldMapTombstoneToNullValue() {
        for (Topic<?, ?> topic : Topics.ALL) {
            assertThat(topic.valueSerde().deserializer().deserialize(topic.name(), null)).as(topic.name()).isNull();
        }
    }

    static <V> V roundTrip(Topic<?, V> topic, V value) {
        byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        return topic.valueSerde().deserializer().deserialize(topic.name(), bytes);
    }
}
