package io.tokenwatch.detector.revocation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Objects;

/**
 * What {@code tokenwatch.revocations} holds under each key: the latest value published there by anyone
 * (this detector, another detector, an operator's {@code tokenwatch revoke}), which is exactly what
 * every filter enforces. Kept in the global store {@link #STORE}.
 *
 * <p>Global because revocation keys are not the detector's subject keys: an operator's record for
 * {@code ip|203.0.113.9} lands on the revocations partition its own key hashes to, unrelated to the
 * token-usage partition (and task) that issued the detector's block, so a per-task store fed by a
 * regular source would see only some of the keys it must answer for. Every instance holds the whole
 * compacted topic on disk, the same set each filter holds in memory.
 *
 * <p>{@link LatestRevocationsUpdater} stores each record's bytes as they are, in offset order, so
 * "latest" means what it means to compaction and to a filter replaying the topic (not the newest
 * timestamp), and restoring the store can never fail on a value. Values are parsed only when asked
 * about; one this version cannot read counts as {@link State#LIVE}, so it is never lifted by mistake. Among
 * those, garbage (bytes that are no revocation of any version, {@link Latest#garbage()}) is told apart from a
 * later contract version's revocation: the detector writes over garbage (a revocation it knows is in force
 * there is re-published, see {@link RevocationExpiryProcessor}), never over a later version's record.
 * Under exactly-once the global consumer reads committed records only, as filters do.
 *
 * <p>The store follows the topic a little behind (the global consumer's lag, normally milliseconds):
 * {@link #stateAt} answers for what this instance has read so far.
 *
 * <p>Not thread-safe; each processor instance wraps the store in its own.
 */
public final class LatestRevocations {

    /** Name of the global store; part of the upgrade contract. Its source topic is its changelog. */
    public static final String STORE = "revocations-latest";
    /**
     * Name of the store's input ({@code Consumed.withName}): the source node is this plus
     * {@code -source}, the processor that writes the store is this name itself.
     */
    public static final String INPUT = "revocations-latest";

    private static final Logger LOG = LoggerFactory.getLogger(LatestRevocations.class);
    /** Only to tell a later contract version from garbage; never used to read a revocation. */
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Revocation key → the bytes of the latest non-null value under it on the topic; absent once lifted. */
    private final KeyValueStore<String, byte[]> latest;

    LatestRevocations(KeyValueStore<String, byte[]> latest) {
        this.latest = Objects.requireNonNull(latest, "latest");
    }

    /** The view over the global store, from a processor of any task (global stores need no connecting). */
    static LatestRevocations in(ProcessingContext context) {
        return new LatestRevocations(context.getStateStore(STORE));
    }

    /** Adds the global store over {@code tokenwatch.revocations}, with its source and processor named. */
    public static void addTo(StreamsBuilder builder) {
        builder.addGlobalStore(storeBuilder(), Topics.REVOCATIONS.name(),
                Consumed.with(Topics.REVOCATIONS.keySerde(), Serdes.ByteArray()).withName(INPUT),
                LatestRevocationsUpdater::new);
    }

    /** Persistent, so a restart reads the topic from its checkpoint rather than from offset 0. */
    static StoreBuilder<KeyValueStore<String, byte[]>> storeBuilder() {
        // A global store's changelog is its source topic; Streams refuses one with logging enabled.
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled();
    }

    /** What the topic holds under a key, at one instant. */
    public enum State {
        /** Nothing: never revoked, or lifted by a tombstone. */
        ABSENT,
        /** A revocation that no longer applies: filters ignore it; a tombstone changes nothing they enforce. */
        VOID,
        /** A revocation filters enforce (or one that cannot be read, so cannot be shown to have ended). */
        LIVE
    }

    /**
     * What the topic holds under a key at one instant, with the value itself where it can be read.
     *
     * @param state      absent, void or live at that instant
     * @param revocation the latest value, parsed; {@code null} when {@link State#ABSENT} or unreadable (a value
     *                   this version cannot read is {@link State#LIVE}, see {@link #isUnreadable()})
     * @param garbage    the latest value is unreadable and is not a revocation of any version either (not a JSON
     *                   object declaring a {@code schema_version} later than this one's): bytes that revoke
     *                   nothing for any filter, which only hide what was there before until compaction erases it
     */
    record Latest(State state, Revocation revocation, boolean garbage) {

        static final Latest ABSENT = new Latest(State.ABSENT, null);
        /** A value this version cannot read: in force as far as anyone here can tell, its terms unknown. */
        static final Latest UNREADABLE = new Latest(State.LIVE, null);
        /** Unreadable, and no revocation of any version: see {@link #garbage()}. */
        static final Latest GARBAGE = new Latest(State.LIVE, null, true);

        Latest {
            Objects.requireNonNull(state, "state");
            if (state == State.VOID && revocation == null) {
                throw new IllegalArgumentException("a void entry is a revocation that has ended");
            }
            if (garbage && (state != State.LIVE || revocation != null)) {
                throw new IllegalArgumentException("garbage is an unreadable value");
            }
        }

        Latest(State state, Revocation revocation) {
            this(state, revocation, false);
        }

        static Latest of(Revocation revocation, long nowMillis) {
            return new Latest(revocation.isVoidAt(nowMillis) ? State.VOID : State.LIVE, revocation);
        }

        boolean isUnreadable() {
            return state == State.LIVE && revocation == null;
        }
    }

    /** What the topic holds under {@code key} at {@code nowMillis}, as far as this instance has read it. */
    public State stateAt(String key, long nowMillis) {
        return latestAt(key, nowMillis).state();
    }

    /**
     * What the topic holds under {@code key} at {@code nowMillis}, and the value itself if it can be read,
     * as far as this instance has read the topic.
     */
    Latest latestAt(String key, long nowMillis) {
        byte[] bytes = latest.get(key);
        if (bytes == null) {
            return Latest.ABSENT;
        }
        Revocation revocation;
        try {
            revocation = Topics.REVOCATIONS.valueSerde().deserializer().deserialize(Topics.REVOCATIONS.name(), bytes);
        } catch (SerializationException e) {
            // The serde's message names the problem, never the bytes.
            if (declaresLaterVersion(bytes)) {
                LOG.warn("latest value under {} on {} is of a later schema_version this version cannot read, so it is "
                        + "treated as in force and left alone: {}", key, Topics.REVOCATIONS.name(), e.getMessage());
                return Latest.UNREADABLE;
            }
            LOG.warn("latest value under {} on {} is not a revocation of any version: {}", key,
                    Topics.REVOCATIONS.name(), e.getMessage());
            return Latest.GARBAGE;
        }
        return Latest.of(revocation, nowMillis);
    }

    /**
     * True if {@code bytes} are a JSON object whose {@code schema_version} is an integer later than this
     * version's: another writer's revocation in a contract this version does not know, whose terms must be
     * respected, as opposed to garbage, which revokes nothing for anyone.
     */
    static boolean declaresLaterVersion(byte[] bytes) {
        try {
            JsonNode version = JSON.readTree(bytes).path("schema_version");
            return version.isIntegralNumber() && version.asLong() > Revocation.SCHEMA_VERSION;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
