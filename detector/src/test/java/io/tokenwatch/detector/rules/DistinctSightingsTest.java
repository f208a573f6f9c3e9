package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DistinctSightingsTest {

    private static final long WINDOW = 60_000;

    @Test
    void shouldCountEachThingOnceKeepTheNewestAndForgetWhatLeftTheWindow() {
        DistinctSightings s = DistinctSightings.none()
                .with(1, 1_000, WINDOW, 10).with(2, 2_000, WINDOW, 10).with(1, 3_000, WINDOW, 10);
        assertThat(s.countWithin(3_000, WINDOW)).isEqualTo(2);
        assertThat(s.seen()).extracting(DistinctSightings.Sighting::id).containsExactly(2L, 1L);
        assertThat(s.with(3, 62_500, WINDOW, 10).countWithin(62_500, WINDOW)).as("2 left the window").isEqualTo(2);
        assertThat(s.with(9, -100_000, WINDOW, 10)).as("too old to count").isEqualTo(s);
    }

    @Test
    void shouldDropTheLeastRecentlySeenBeyondTheCap() {
        DistinctSightings s = DistinctSightings.none();
        for (int i = 0; i < 100; i++) {
            s = s.with(i, 1_000 + i, WINDOW, 5);
        }
        assertThat(s.seen()).extracting(DistinctSightings.Sighting::id).containsExactly(95L, 96L, 97L, 98L, 99L);
    }

    @Test
    void shouldRoundTripThroughItsCompactWireFormAndRefuseAMalformedOne() {
        JsonSerde<DistinctSightings> serde = new JsonSerde<>(DistinctSightings.class);
        DistinctSightings s = DistinctSightings.none().with(DistinctSightings.id("a"), 5, WINDOW, 4).with(7, 9, WINDOW, 4);
        byte[] wire = serde.serializer().serialize("t", s);
        assertThat(new String(wire, StandardCharsets.UTF_8)).isEqualTo("[" + DistinctSightings.id("a") + ",5,7,9]");
        assertThat(serde.deserializer().deserialize("t", wire)).isEqualTo(s);
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", "[1,2,3]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }
}
