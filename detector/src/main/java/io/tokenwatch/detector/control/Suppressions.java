package io.tokenwatch.detector.control;

import io.tokenwatch.detector.topology.DetectionListener;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Suppression;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code tokenwatch.suppressions} holds: the operators' live suppressions by rule and subject,
 * kept in the global store {@link #STORE} on every instance, as {@code LatestRevocations} keeps the
 * revocations. Global because a suppression's key ({@code rule|iss|sub}) does not partition like the
 * token-usage keys, and a finding about any subject may be judged by any task.
 *
 * <p>{@link SuppressionsUpdater} stores only values it could read and that belong under their key; a
 * record that is neither is counted ({@link DetectionListener#suppressionRejected}), logged without
 * its bytes and removes whatever was under its key. That errs towards alerting: a suppression silences
 * findings, so one that cannot be read cannot be shown to apply. Nothing on the topic can make the
 * updater throw, so no record can stop the global thread and with it the detector.
 *
 * <p>Expiry is judged by the wall clock passed in: a suppression is an operator's "for the next 7
 * days", not a statement about event time. Expired entries stay in the store until
 * {@code tokenwatch unsuppress} tombstones them or they are overwritten; they no longer apply.
 *
 * <p>Not thread-safe; each processor instance wraps the store in its own.
 */
public final class Suppressions {

    /** Name of the global store; part of the upgrade contract. Its source topic is its changelog. */
    public static final String STORE = "suppressions-latest";
    /** Name of the store's input ({@code Consumed.withName}); the updater processor is this name too. */
    public static final String INPUT = "suppressions-latest";

    /** Suppression key {@code rule|iss|sub} → the bytes of a readable suppression under it; absent when lifted. */
    private final KeyValueStore<String, byte[]> latest;

    Suppressions(KeyValueStore<String, byte[]> latest) {
        this.latest = Objects.requireNonNull(latest, "latest");
    }

    /** The view over the global store, from a processor of any task. */
    static Suppressions in(ProcessingContext context) {
        return new Suppressions(context.getStateStore(STORE));
    }

    /** Adds the global store over {@code tokenwatch.suppressions}; {@code listener} hears of rejected records. */
    public static void addTo(StreamsBuilder builder, DetectionListener listener) {
        Objects.requireNonNull(listener, "listener");
        builder.addGlobalStore(storeBuilder(), Topics.SUPPRESSIONS.name(),
                Consumed.with(Topics.SUPPRESSIONS.keySerde(), Serdes.ByteArray()).withName(INPUT),
                () -> new SuppressionsUpdater(listener));
    }

    static StoreBuilder<KeyValueStore<String, byte[]>> storeBuilder() {
        // A global store's changelog is its source topic; Streams refuses one with logging enabled.
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled();
    }

    /**
     * The live suppression that covers a finding of {@code rule} about {@code iss|sub} at {@code nowMillis},
     * if any: one for the rule or for every rule ({@code *}), for the issuer or for any ({@code *}).
     */
    public Optional<Suppression> covering(String rule, String iss, String sub, long nowMillis) {
        if (iss == null || sub == null || RuleSets.UNVERIFIED_SIGNAL.contains(rule)) {
            return Optional.empty();
        }
        for (String r : List.of(rule, Suppression.ANY)) {
            for (String i : List.of(iss, Suppression.ANY)) {
                Optional<Suppression> live = read(Keys.suppression(r, i, sub)).filter(s -> !s.isVoidAt(nowMillis));
                if (live.isPresent()) {
                    return live;
                }
            }
        }
        return Optional.empty();
    }

    private Optional<Suppression> read(String key) {
        byte[] bytes = latest.get(key);
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Topics.SUPPRESSIONS.valueSerde().deserializer()
                    .deserialize(Topics.SUPPRESSIONS.name(), bytes));
        } catch (SerializationException e) {
            // The updater stores only readable values; a store written by another version is the only way here.
            return Optional.empty();
        }
    }
}
