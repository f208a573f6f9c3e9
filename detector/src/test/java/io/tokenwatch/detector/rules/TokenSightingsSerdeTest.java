package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenSightingsSerdeTest {

    private final TokenSightingsSerde serde = new TokenSightingsSerde();

    private static TokenSightings full() {
        return new TokenSightings("https://issuer.example", "jti-1", "alice", 1_800_000_000_000L,
                List.of(new TokenSightings.Use("198.51.100.0/24", "198.51.100.7", "DE", 1_000L),
                        new TokenSightings.Use("2001:db8::/48", "2001:db8::1", null, 2_000L)),
                3_000L,
                List.of(new TokenSightings.Seen("phone-ü", "198.51.100.7", 1_000L)),
                List.of(new TokenSightings.Seen("DE", "198.51.100.7", 1_000L)), 2_500L);
    }

    @Test
    void shouldReadTheFirstBinaryFormatWithoutAlertTime() {
        byte[] current = serde.serialize("t", full());
        // Version 1 is version 2 without the trailing alert time (a presence flag and 8 bytes).
        byte[] first = java.util.Arrays.copyOf(current, current.length - 9);
        first[0] = 1;

        TokenSightings read = serde.deserialize("t", first);

        assertThat(read.alertedAt()).isNull();
        assertThat(read.alerted(2_500L)).isEqualTo(full());
    }

    @Test
    void shouldRoundTripEveryFieldIncludingNullsAndNonAsciiText() {
        TokenSightings sparse = TokenSightings.first("https://issuer.example", "jti-2", null, null);

        assertThat(serde.deserialize("t", serde.serialize("t", full()))).isEqualTo(full());
        assertThat(serde.deserialize("t", serde.serialize("t", sparse))).isEqualTo(sparse);
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void shouldBeSmallerThanTheJsonItReplaces() {
        byte[] binary = serde.serialize("t", full());
        byte[] json = new JsonSerde<>(TokenSightings.class).serializer().serialize("t", full());

        assertThat(binary.length).isLessThan(json.length);
    }

    @Test
    void shouldStillReadJsonValuesWrittenBeforeTheBinaryForm() {
        byte[] json = new JsonSerde<>(TokenSightings.class).serializer().serialize("t", full());
        byte[] older = ("{\"issuer\":\"https://issuer.example\",\"jti\":\"token-1\",\"subject\":\"alice\","
                + "\"expires_at\":1800003600000,\"uses\":[{\"network\":\"198.51.100.0/24\",\"ip\":\"198.51.100.7\","
                + "\"country\":null,\"last_seen\":5}],\"revoked_at\":null}").getBytes(StandardCharsets.UTF_8);

        assertThat(serde.deserialize("t", json)).isEqualTo(full());
        TokenSightings read = serde.deserialize("t", older);
        assertThat(read.uses()).hasSize(1);
        assertThat(read.devices()).isEmpty();
    }

    @Test
    void shouldRefuseTruncatedUnknownAndTrailingBytesWithASerializationException() {
        byte[] bytes = serde.serialize("t", full());
        byte[] unknownVersion = bytes.clone();
        unknownVersion[0] = 9;
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);

        for (int cut = 1; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> serde.deserialize("t", truncated)).as("cut at %d", cut)
                    .isInstanceOf(SerializationException.class);
        }
        assertThatThrownBy(() -> serde.deserialize("t", unknownVersion)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown version");
        assertThatThrownBy(() -> serde.deserialize("t", trailing)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("trailing");
    }
}
