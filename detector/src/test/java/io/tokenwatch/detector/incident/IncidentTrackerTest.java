package io.tokenwatch.detector.incident;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class IncidentTrackerTest {

    private static final long T0 = 1_800_000_000_000L;
    private static final long MINUTE = 60_000L;

    private KeyValueStore<String, Incident> store;
    private IncidentTracker tracker;

    @BeforeEach
    void setUp() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("incidents"),
                        Serdes.String(), new JsonSerde<>(Incident.class))
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        tracker = new IncidentTracker("rule", IncidentPolicy.defaults(), store);
    }

    @Test
    void shouldReportANewIncidentAsCreate() {
        Incident incident = tracker.recordOccurrence("ip|192.0.2.1", T0);
        assertThat(tracker.reportDue(incident, T0, false)).contains(Alert.Activity.CREATE);
        assertThat(incident.count()).isEqualTo(1);
    }

    @Test
    void shouldUpdateAtMostOncePerIntervalUnlessSomethingMaterialChanged() {
        Incident reported = tracker.markReported(tracker.recordOccurrence("k", T0), T0);

        Incident soon = tracker.recordOccurrence("k", T0 + 59_999);
        assertThat(soon.uid()).isEqualTo(reported.uid());
        assertThat(tracker.reportDue(soon, T0 + 59_999, false)).isEmpty();
        assertThat(tracker.reportDue(soon, T0 + 59_999, true)).contains(Alert.Activity.UPDATE);

        Incident later = tracker.recordOccurrence("k", T0 + MINUTE);
        assertThat(tracker.reportDue(later, T0 + MINUTE, false)).contains(Alert.Activity.UPDATE);
        assertThat(later.count()).isEqualTo(3);
        assertThat(later.firstSeen()).isEqualTo(T0);
        assertThat(later.lastSeen()).isEqualTo(T0 + MINUTE);
    }

    @Test
    void shouldOpenANewIncidentWithANewUidAfterTheCooldown() {
        Incident first = tracker.markReported(tracker.recordOccurrence("k", T0), T0);
        assertThat(tracker.openAt("k", T0 + 10 * MINUTE)).isPresent();
        assertThat(tracker.openAt("k", T0 + 10 * MINUTE + 1)).isEmpty();

        Incident second = tracker.recordOccurrence("k", T0 + 10 * MINUTE + 1);
        assertThat(second.uid()).isNotEqualTo(first.uid());
        assertThat(second.count()).isEqualTo(1);
        assertThat(tracker.reportDue(second, second.lastSeen(), false)).contains(Alert.Activity.CREATE);
    }

    @Test
    void shouldGiveTheSameUidToTheSameIncidentWhenReprocessed() {
        String uid = tracker.recordOccurrence("k", T0).uid();
        store.delete("k");
        assertThat(tracker.recordOccurrence("k", T0).uid()).isEqualTo(uid);
        assertThat(new IncidentTracker("other-rule", IncidentPolicy.defaults(), store).open("x", T0, T0, 1).uid())
                .isNotEqualTo(uid);
    }

    @Test
    void shouldKeepAnOutOfOrderOccurrenceInsideTheIncident() {
        tracker.recordOccurrence("k", T0 + MINUTE);
        Incident incident = tracker.recordOccurrence("k", T0);
        assertThat(incident.firstSeen()).isEqualTo(T0);
        assertThat(incident.lastSeen()).isEqualTo(T0 + MINUTE);
    }

    @Test
    void shouldForgetOnlyClosedIncidents() {
        tracker.recordOccurrence("old", T0);
        tracker.recordOccurrence("recent", T0 + 5 * MINUTE);

        tracker.forgetClosed(T0 + 11 * MINUTE);

        assertThat(store.get("old")).isNull();
        assertThat(store.get("recent")).isNotNull();
    }

    @Test
    void shouldRejectAnUpdateIntervalLongerThanTheCooldown() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new IncidentPolicy(Duration.ofMinutes(1), Duration.ofMinutes(2)));
        assertThat(IncidentPolicy.defaults()).isEqualTo(new IncidentPolicy(Duration.ofMinutes(10),
                Duration.ofMinutes(1)));
    }
}
