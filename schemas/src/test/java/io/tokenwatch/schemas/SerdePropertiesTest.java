package io.tokenwatch.schemas;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.errors.SerializationException;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Invariants of the serdes over generated values and arbitrary bytes. */
class SerdePropertiesTest {

    private static final JsonSerde<TokenUsageEvent> SERDE = (JsonSerde<TokenUsageEvent>) Topics.TOKEN_USAGE.valueSerde();
    private static final String TOPIC = Topics.TOKEN_USAGE.name();

    @Property
    void shouldRoundTripEveryUsageEvent(@ForAll("usageEvents") TokenUsageEvent event) {
        byte[] bytes = SERDE.serialize(TOPIC, event);

        assertThat(SERDE.deserialize(TOPIC, bytes)).isEqualTo(event);
    }

    @Property
    void shouldWriteOnlySchemaValidUsageEvents(@ForAll("usageEvents") TokenUsageEvent event) {
        String json = new String(SERDE.serialize(TOPIC, event), StandardCharsets.UTF_8);

        assertThat(SchemaValidation.errors(TokenUsageEvent.class, json)).isEmpty();
    }

    @Property
    void shouldReadArbitraryBytesOrRaiseSerializationException(@ForAll @Size(max = 512) byte[] bytes) {
        readOrRejectCleanly(bytes);
    }

    /** Random bytes rarely get past the first character; a valid event with one byte changed does. */
    @Property
    void shouldReadCorruptedEventsOrRaiseSerializationException(@ForAll("usageEvents") TokenUsageEvent event,
                                                                 @ForAll("positions") double where,
                                                                 @ForAll byte replacement) {
        byte[] bytes = SERDE.serialize(TOPIC, event);
        bytes[(int) (where * (bytes.length - 1))] = replacement;

        readOrRejectCleanly(bytes);
    }

    @Property
    void shouldReadTruncatedEventsOrRaiseSerializationException(@ForAll("usageEvents") TokenUsageEvent event,
                                                                @ForAll("positions") double where) {
        byte[] bytes = SERDE.serialize(TOPIC, event);
        byte[] truncated = java.util.Arrays.copyOf(bytes, (int) (where * bytes.length));

        readOrRejectCleanly(truncated);
    }

    private static void readOrRejectCleanly(byte[] bytes) {
        try {
            assertThat(SERDE.deserialize(TOPIC, bytes)).isNotNull();
        } catch (SerializationException e) {
            assertThat(e.getMessage()).startsWith("topic " + TOPIC + ": not a valid TokenUsageEvent: ");
        }
    }

    @Provide
    Arbitrary<Double> positions() {
        return Arbitraries.doubles().between(0, 1);
    }

    @Provide
    Arbitrary<TokenUsageEvent> usageEvents() {
        return Combinators.combine(
                Arbitraries.integers().between(1, 3),
                text(1, 36),
                Arbitraries.longs().between(0, 4_102_444_800_000L),
                text(1, 20),
                text(1, 20),
                Arbitraries.of(Outcome.class),
                tokens().injectNull(0.2),
                requests()
        ).as(TokenUsageEvent::new);
    }

    private Arbitrary<TokenUsageEvent.TokenFacts> tokens() {
        Arbitrary<String> fingerprint = Arbitraries.strings().withChars("0123456789abcdef").ofLength(64);
        Arbitrary<Long> instant = Arbitraries.longs().between(0, 4_102_444_800_000L).injectNull(0.3);
        Arbitrary<List<String>> aud = text(1, 12).list().ofMaxSize(3).injectNull(0.2);
        return Combinators.combine(
                fingerprint, Arbitraries.of(true, false), text(0, 36).injectNull(0.3), text(0, 20).injectNull(0.3),
                text(0, 40).injectNull(0.3), aud, instant, instant
        ).flatAs((fp, verified, jti, sub, iss, audience, iat, exp) -> Combinators.combine(
                instant, text(0, 16).injectNull(0.3), Arbitraries.of("RS256", "ES256", "EdDSA", "none", "HS256").injectNull(0.2)
        ).as((nbf, kid, alg) -> new TokenUsageEvent.TokenFacts(fp, verified, jti, sub, iss, audience, iat, exp, nbf, kid, alg)));
    }

    private Arbitrary<TokenUsageEvent.RequestFacts> requests() {
        return Combinators.combine(
                Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH"),
                Arbitraries.of("/", "/accounts/{id}", "/payments", "/x/{a}/{b}"),
                Arbitraries.integers().between(100, 599),
                ips(),
                text(0, 60).injectNull(0.3),
                text(1, 20).injectNull(0.5),
                geos().injectNull(0.3)
        ).as(TokenUsageEvent.RequestFacts::new);
    }

    private Arbitrary<TokenUsageEvent.Geo> geos() {
        return Combinators.combine(
                Arbitraries.strings().withCharRange('A', 'Z').ofLength(2).injectNull(0.2),
                text(1, 10).injectNull(0.3),
                Arbitraries.doubles().between(-90, 90).injectNull(0.2),
                Arbitraries.doubles().between(-180, 180).injectNull(0.2),
                Arbitraries.longs().between(1, 4_294_967_295L).injectNull(0.3),
                Arbitraries.integers().between(0, 20_000).injectNull(0.3),
                Arbitraries.of(TokenUsageEvent.ConnectionType.class).injectNull(0.3),
                Arbitraries.of(TokenUsageEvent.Anonymizer.class).injectNull(0.5)
        ).as(TokenUsageEvent.Geo::new);
    }

    private Arbitrary<String> ips() {
        Arbitrary<String> v4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(octets -> String.join(".", octets.stream().map(String::valueOf).toList()));
        Arbitrary<String> v6 = Arbitraries.integers().between(0, 0xffff).list().ofSize(8)
                .map(groups -> String.join(":", groups.stream().map(Integer::toHexString).toList()));
        return Arbitraries.oneOf(v4, v6, Arbitraries.of("::1", "2001:db8::7", "::ffff:192.0.2.1"));
    }

    /** Any Unicode text, including quotes, backslashes, control characters and non-BMP code points. */
    private static Arbitrary<String> text(int min, int max) {
        Arbitrary<String> any = Arbitraries.strings().ofMinLength(min).ofMaxLength(max);
        return min == 0 ? any : any.filter(s -> !s.isBlank());
    }
}
