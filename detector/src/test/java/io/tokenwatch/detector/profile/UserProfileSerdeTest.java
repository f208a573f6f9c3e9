package io.tokenwatch.detector.profile;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.tokenwatch.detector.profile.ProfileFixtures.HOUR;
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
}
