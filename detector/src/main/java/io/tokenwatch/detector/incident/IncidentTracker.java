package io.tokenwatch.detector.incident;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One incident, one alert. Remembers, per thing a rule watches, the incident open about it, so that
 * repeats within the {@link IncidentPolicy#cooldown() cooldown} become OCSF Updates of the same
 * finding (same {@code finding_info.uid}, newer {@code last_seen_time} and count), sent at most once
 * per {@link IncidentPolicy#updateInterval() update interval}, instead of a new finding per event.
 * Once the cooldown has passed without an occurrence, the next one opens a new incident with a new
 * uid.
 *
 * <p>Finding uids are name-based UUIDs of the rule, the key and the first occurrence, so reprocessing
 * the same events yields the same uids.
 *
 * <p>Decisions use event time, so they are deterministic; {@link #forgetClosed(long)} is meant for a
 * wall-clock punctuator and only frees state that event time has already closed.
 *
 * <p>Not thread-safe: one instance per processor instance, over that task's store.
 */
public final class IncidentTracker {

    private final String ruleName;
    private final IncidentPolicy policy;
    /** Incident key (what the incident is about, e.g. {@code ip|<addr>}) → the latest incident about it. */
    private final KeyValueStore<String, Incident> incidents;

    public IncidentTracker(String ruleName, IncidentPolicy policy, KeyValueStore<String, Incident> incidents) {
        this.ruleName = Objects.requireNonNull(ruleName, "ruleName");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.incidents = Objects.requireNonNull(incidents, "incidents");
    }

    /** A persistent store for incidents under {@code name}; its changelog topic derives from the name. */
    public static StoreBuilder<KeyValueStore<String, Incident>> storeBuilder(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(),
                new JsonSerde<>(Incident.class));
    }

    /** The incident about {@code key} that an occurrence at {@code time} belongs to, if one is open. */
    public Optional<Incident> openAt(String key, long time) {
        Incident incident = incidents.get(key);
        if (incident == null || !incident.isOpenAt(time, policy.cooldown().toMillis())) {
            return Optional.empty();
        }
        return Optional.of(incident);
    }

    /** Opens a new incident about {@code key}, first seen at {@code firstSeen}, with {@code occurrences} so far. */
    public Incident open(String key, long firstSeen, long time, long occurrences) {
        Incident incident = new Incident(key, findingUid(key, firstSeen), firstSeen, Math.max(firstSeen, time),
                occurrences, null, 0);
        incidents.put(key, incident);
        return incident;
    }

    /** Adds {@code occurrences} at {@code time} to an open incident. */
    public Incident extend(Incident incident, long time, long occurrences) {
        Incident extended = incident.withOccurrences(time, occurrences);
        incidents.put(extended.key(), extended);
        return extended;
    }

    /** One occurrence at {@code time}: extends the open incident about {@code key} or opens a new one. */
    public Incident recordOccurrence(String key, long time) {
        return openAt(key, time)
                .map(open -> extend(open, time, 1))
                .orElseGet(() -> open(key, time, time, 1));
    }

    /**
     * What the SIEM should hear about {@code incident} now: Create if it was never reported; Update
     * if the last report is at least the update interval old, or at once when {@code materialChange}
     * (e.g. a new block was issued); nothing otherwise.
     */
    public Optional<Alert.Activity> reportDue(Incident incident, long time, boolean materialChange) {
        if (!incident.wasReported()) {
            return Optional.of(Alert.Activity.CREATE);
        }
        if (materialChange || time - incident.reportedAt() >= policy.updateInterval().toMillis()) {
            return Optional.of(Alert.Activity.UPDATE);
        }
        return Optional.empty();
    }

    /** Remembers that {@code incident} was reported at {@code time}; returns it as reported. */
    public Incident markReported(Incident incident, long time) {
        Incident reported = incident.reported(time);
        incidents.put(reported.key(), reported);
        return reported;
    }

    /** Deletes incidents whose cooldown had passed by {@code now}: no later occurrence can join them. */
    public void forgetClosed(long now) {
        long cooldown = policy.cooldown().toMillis();
        List<String> closed = new ArrayList<>();
        try (KeyValueIterator<String, Incident> all = incidents.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (!entry.value.isOpenAt(now, cooldown)) {
                    closed.add(entry.key);
                }
            }
        }
        closed.forEach(incidents::delete);
    }

    private String findingUid(String key, long firstSeen) {
        return UUID.nameUUIDFromBytes((ruleName + "|" + key + "|" + firstSeen).getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}
