package io.tokenwatch.detector.profile;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.tokenwatch.detector.profile.ProfileFixtures.HOUR;
import static io.tokenwatch.detector.profile.ProfileFixtures.MINUTE;
import static io.tokenwatch.detector.profile.ProfileFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserProfileSerdeTest {

    private final UserProfileSerde serde = new UserProfileSerde();

    @Test
    void shouldRoundTripAProfileExactly() {
        UserProfile profile = ProfileSizeTest.typicalActiveUser();

        byte[] bytes = serde.serialize("t", profile);
        UserProfile back = serde.deserialize("t", bytes);

        assertThat(back).isEqualTo(profile);
        assertThat(serde.serialize("t", back)).isEqualTo(bytes);
    }

    @Test
    void shouldRoundTripAnEmptyProfileAndNull() {
        UserProfile empty = UserProfile.startingAt(T0);
        assertThat(serde.deserialize("t", serde.serialize("t", empty))).isEqualTo(empty);
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void shouldRejectTruncatedUnknownOrTrailingBytesWithSerializationException() {
        byte[] bytes = serde.serialize("t", ProfileSizeTest.typicalActiveUser());
        for (int cut = 0; cut < bytes.length; cut += 7) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> serde.deserialize("user-profiles", truncated))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("user-profiles");
        }
        byte[] future = bytes.clone();
        future[0] = 9;
        assertThatThrownBy(() -> serde.deserialize("t", future)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("version");
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> serde.deserialize("t", trailing)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void shouldLeaveAFlaggedProfileReadable() {
        UserProfile profile = UserProfile.startingAt(T0).withThrottledUntil(T0 + HOUR)
                .withRevokedToken(UserProfile.tokenHash("token-1"));
        assertThat(serde.deserialize("t", serde.serialize("t", profile))).isEqualTo(profile);
    }

    @Test
    void shouldReadTheFirstFormatWithItsNewPartsEmpty() throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeByte(1);
        out.writeByte(0);
        for (long v : new long[] {T0, T0 + HOUR, 42}) {
            writeVarLong(out, v);
        }
        out.writeByte(1);
        out.writeByte(8);
        out.write("accounts".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.writeFloat(1);
        out.writeFloat(3);
        out.writeFloat(0.5f);
        for (long v : new long[] {7, T0 / MINUTE, T0 / MINUTE + 60, 2}) {
            writeVarLong(out, v);
        }
        for (int collection = 0; collection < 4; collection++) {
            out.writeByte(0);
        }
        writeVarLong(out, 0);
        out.write(new byte[3]);
        out.writeByte(1);
        out.writeFloat(52.5f);
        out.writeFloat(13.4f);
        out.writeByte(2);
        out.write("DE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.writeLong(77);
        writeVarLong(out, T0);

        UserProfile read = serde.deserialize("t", bytes.toByteArray());

        assertThat(read.events()).isEqualTo(42);
        assertThat(read.routes()).singleElement().satisfies(r -> {
            assertThat(r.rate().mean()).isEqualTo(3f);
            assertThat(r.recent().length()).isZero();
        });
        assertThat(read.places()).containsExactly(new Place(52.5f, 13.4f, "DE", 77, T0, 0, 0));
        assertThat(read.trails()).isEmpty();
        assertThat(read.signals()).isEmpty();
        assertThat(read.utcOffset()).isEqualTo(UserProfile.UNKNOWN_OFFSET);
        assertThat(serde.deserialize("t", serde.serialize("t", read))).isEqualTo(read);
    }

    private static void writeVarLong(java.io.DataOutputStream out, long value) throws java.io.IOException {
        long v = value;
        while ((v & ~0x7fL) != 0) {
            out.writeByte((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.writeByte((int) v);
    }
}
