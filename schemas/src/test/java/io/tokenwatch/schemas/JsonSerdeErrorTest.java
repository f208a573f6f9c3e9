package io.tokenwatch.schemas;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.tokenwatch.schemas.TestEvents.revocation;
import static io.tokenwatch.schemas.TestEvents.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Bytes that are not a valid value: the serde raises {@link SerializationException} naming the topic
 * and the problem, and never quotes the input, which may be a misrouted secret.
 */
class JsonSerdeErrorTest {

    /** A compact JWS: what a misconfigured producer might write instead of an event. */
    private static final String RAW_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0"
            + ".eyJzdWIiOiJhbGljZSIsImlzcyI6Imh0dHBzOi8vaWRwIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";

    @Test
    void shouldRejectBytesThatAreNotJson() {
        SerializationException e = failure(Topics.TOKEN_USAGE, "not json at all");

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("not well-formed JSON");
    }

    @Test
    void shouldNotQuoteARawTokenGivenAsValue() {
        SerializationException e = failure(Topics.TOKEN_USAGE, RAW_TOKEN);

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("not well-formed JSON");
        assertThat(e.getMessage()).doesNotContain("eyJ");
    }

    @Test
    void shouldRejectTruncatedJson() {
        String json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).json();

        SerializationException e = failure(Topics.TOKEN_USAGE, json.substring(0, json.length() / 2));

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("not well-formed JSON");
    }

    @Test
    void shouldRejectEmptyBytes() {
        SerializationException e = failure(Topics.TOKEN_USAGE, "");

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("empty input");
    }

    @Test
    void shouldRejectDataAfterTheValue() {
        String json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).json();

        SerializationException e = failure(Topics.TOKEN_USAGE, json + " {\"second\": 2}");

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("data after the JSON value");
    }

    @Test
    void shouldRejectNumberWrittenAsString() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("request.status", "200");

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("request.status").hasMessageContaining("wrong type, expected int");
    }

    @Test
    void shouldRejectJsonNullAsValue() {
        SerializationException e = failure(Topics.REVOCATIONS, "null");

        assertThat(e).hasMessageContaining("tokenwatch.revocations").hasMessageContaining("tombstone");
    }

    @Test
    void shouldRejectJsonOfTheWrongShape() {
        SerializationException e = failure(Topics.ALERTS, "[1, 2, 3]");

        assertThat(e).hasMessageContaining("tokenwatch.alerts").hasMessageContaining("Alert");
    }

    @Test
    void shouldRejectFieldOfTheWrongTypeWithoutQuotingIt() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("event_time", RAW_TOKEN);

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("event_time")
                .hasMessageContaining("wrong type, expected long");
        assertThat(e.getMessage()).doesNotContain(RAW_TOKEN);
    }

    @Test
    void shouldRejectObjectWhereNumberIsExpected() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("request.status", java.util.Map.of());

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("request.status");
    }

    @Test
    void shouldRejectNumberOutOfRangeWithoutQuotingIt() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("request.status", 98_765_432_109L);

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("request.status").hasMessageContaining("out of range");
        assertThat(e.getMessage()).doesNotContain("98765432109");
    }

    @Test
    void shouldRejectMissingRequiredPrimitive() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).without("event_time");

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("event_time")
                .hasMessageContaining("missing");
    }

    @Test
    void shouldRejectMissingRequiredObject() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).without("request");

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("missing required property 'request'");
    }

    @Test
    void shouldRejectMissingRequiredText() {
        TestJson json = TestJson.of(Topics.ALERTS, TestEvents.alert().build()).without("finding_info.uid");

        SerializationException e = failure(Topics.ALERTS, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.alerts").hasMessageContaining("finding_info.uid");
    }

    @Test
    void shouldRejectInvalidOutcome() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("outcome", "exploded");

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.token-usage").hasMessageContaining("unknown outcome");
    }

    @Test
    void shouldRejectEnumInWrongCase() {
        TestJson json = TestJson.of(Topics.REVOCATIONS, revocation().build()).with("scope", "JTI");

        SerializationException e = failure(Topics.REVOCATIONS, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.revocations").hasMessageContaining("unknown scope");
    }

    @Test
    void shouldRejectInvalidAction() {
        TestJson json = TestJson.of(Topics.REVOCATIONS, revocation().build()).with("action", "nuke");

        SerializationException e = failure(Topics.REVOCATIONS, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.revocations").hasMessageContaining("unknown action");
    }

    @Test
    void shouldRejectInvalidSeverity() {
        TestJson json = TestJson.of(Topics.ALERTS, TestEvents.alert().build()).with("severity_id", 6);

        SerializationException e = failure(Topics.ALERTS, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.alerts").hasMessageContaining("unsupported severity_id 6");
    }

    @Test
    void shouldRejectFingerprintThatIsNotSha256HexWithoutQuotingIt() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("token.fingerprint", RAW_TOKEN);

        SerializationException e = failure(Topics.TOKEN_USAGE, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.token-usage")
                .hasMessageContaining("fingerprint must be 64 lower-case hex digits");
        assertThat(e.getMessage()).doesNotContain(RAW_TOKEN);
    }

    @Test
    void shouldRejectSubjectRevocationWithoutNotBefore() {
        TestJson json = TestJson.of(Topics.REVOCATIONS, revocation(Revocation.Scope.SUBJECT).build())
                .without("not_before");

        SerializationException e = failure(Topics.REVOCATIONS, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.revocations")
                .hasMessageContaining("not_before is required for subject scope");
    }

    @Test
    void shouldRejectIpRevocationWithHostName() {
        TestJson json = TestJson.of(Topics.REVOCATIONS, revocation(Revocation.Scope.IP).build())
                .with("value", "proxy.example.com");

        SerializationException e = failure(Topics.REVOCATIONS, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.revocations").hasMessageContaining("not an IP address or CIDR");
    }

    @Test
    void shouldRejectRevocationThatExpiresBeforeItIsCreated() {
        TestJson json = TestJson.of(Topics.REVOCATIONS, revocation().build()).with("expires_at", TestEvents.NOW - 1);

        SerializationException e = failure(Topics.REVOCATIONS, json.json());

        assertThat(e).hasMessageContaining("expires_at must be after created_at");
    }

    @Test
    void shouldRejectAlertOfAnotherClass() {
        TestJson json = TestJson.of(Topics.ALERTS, TestEvents.alert().build()).with("class_uid", 2001);

        SerializationException e = failure(Topics.ALERTS, json.json());

        assertThat(e).hasMessageContaining("tokenwatch.alerts").hasMessageContaining("not an OCSF Detection Finding");
    }

    @Test
    void shouldNeverQuoteTheInputBytes() {
        String[] inputs = {
                "not json at all",
                RAW_TOKEN,
                TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("outcome", "exploded").json(),
                TestJson.of(Topics.TOKEN_USAGE, usage().build()).without("request").json(),
        };
        for (String input : inputs) {
            assertThat(failure(Topics.TOKEN_USAGE, input).getMessage()).doesNotContain(input);
        }
    }

    @Test
    void shouldReadUnknownPropertiesForForwardCompatibility() {
        TestJson json = TestJson.of(Topics.TOKEN_USAGE, usage().build()).with("added_in_v2", "x")
                .with("request.added_in_v2", 1);

        TokenUsageEvent event = Topics.TOKEN_USAGE.valueSerde().deserializer()
                .deserialize(Topics.TOKEN_USAGE.name(), json.bytes());

        assertThat(event).isEqualTo(usage().build());
    }

    private static SerializationException failure(Topic<?, ?> topic, String input) {
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        SerializationException e = catchThrowableOfType(SerializationException.class,
                () -> topic.valueSerde().deserializer().deserialize(topic.name(), bytes));
        assertThat(e).as("deserializing %s", input).isNotNull();
        return e;
    }
}
