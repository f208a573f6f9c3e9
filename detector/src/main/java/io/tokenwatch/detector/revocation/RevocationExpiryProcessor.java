package io.tokenwatch.detector.revocation;

import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Sits in front of the revocations sink: publishes each revocation the detector issues without ever
 * weakening what the topic already holds under its key, remembers when what it wrote expires, and once
 * that is void (wall clock at or past {@code expires_at}, the moment filters stop enforcing it,
 * {@link Revocation#isVoidAt(long)}) forwards a tombstone under its key, so the compacted topic drops it
 * instead of growing forever (DESIGN.md §3).
 *
 * <p><b>Never weaken a revocation.</b> Compaction and every filter keep only the last record under a key,
 * so a rule's 5-minute block published over an operator's live 2-hour block would end that block
 * 115 minutes early, and a throttle over a block would turn it into a throttle. Before forwarding what a
 * rule issued, the processor reads the latest value under the key from {@link LatestRevocations} and
 * lets {@link NeverWeaken} decide: publish it as issued (nothing live there, or it covers the live entry),
 * publish a merge (strongest action, latest {@code expires_at}, for subject scope latest {@code not_before};
 * the issued reason, noting the merge, and source), or publish nothing (the live entry already covers
 * ours, or its terms cannot be read, so overwriting it could weaken it). The expiry remembered is that
 * of the record actually written: a merge's, or, when nothing is written, whatever we wrote under the
 * key before (if anything), so a tombstone is only ever considered for a key once what we last wrote
 * there is void.
 *
 * <p>This is read-then-write: Kafka offers no compare-and-set. A value someone else publishes under the
 * key within the global store's lag (normally milliseconds; under exactly-once also up to a commit
 * interval, since the store reads committed records only) before ours is not seen, and ours can still
 * replace it. The same lag means two of our own revocations under one key in quick succession are each
 * judged against the older value. Under {@code jti} and {@code ip} keys the rules issue only blocks
 * that end no earlier than the one they issued there before, so there this cannot weaken what they
 * wrote themselves. Under a subject key two rules write: the profile rules' throttle (re-issued only
 * once the previous one is void) and the revoked-token rule's optional block. A throttle issued within
 * that lag after such a block would replace it; the two are unlikely to meet (a subject whose token is
 * refused as revoked is not also making enough accepted requests to spike), but nothing here prevents it.
 *
 * <p>Only revocations this detector issued are tombstoned. Each key is always issued from the same
 * task (it derives from the input record's subject or address), so a newer revocation under a key
 * replaces the remembered expiry before any tombstone for the older one could be sent: the two never
 * race.
 *
 * <p>The topic is shared, though: an operator ({@code tokenwatch revoke}) or another detector may
 * publish under the same key after us, for longer, or lift it. A tombstone lifts whatever the topic
 * holds under its key, so it is sent only when that is itself void: before lifting, the processor asks
 * {@link LatestRevocations} (a global store over {@code tokenwatch.revocations}) for the latest value
 * under the key.
 * <ul>
 *   <li>void: nothing any filter enforces changes, so the tombstone is sent (even if someone else wrote
 *       that void entry);</li>
 *   <li>live: someone re-revoked the key for longer than we did (ours is void, so a live value cannot
 *       be ours); it is theirs to lift, and we forget the key without a tombstone;</li>
 *   <li>absent: already lifted; we forget the key and send nothing.</li>
 * </ul>
 * A store over the topic rather than a check of the detector's own state, because only the topic knows
 * about other writers; global, because revocation keys are not partitioned like the usage events that
 * drive this task (see {@link LatestRevocations}).
 *
 * <p>What remains: the store trails the topic by the global consumer's lag, so a re-revocation published
 * within that moment (normally milliseconds) before a punctuation can still be lifted; Kafka offers no
 * compare-and-set that would close it. Conversely, if the store had not yet seen our own revocation
 * when it expired (a lag longer than the revocation's whole lifetime), the key reads as absent and the
 * void entry stays on the topic, which filters ignore.
 *
 * <p><b>Repair what garbage hides.</b> An unreadable record under a key (a bad write, a tool gone wrong)
 * changes nothing at running filters, which keep what they had, but once compaction drops the revocation
 * before it, a filter that starts afterwards finds nothing to enforce there. The same wall-clock pass that
 * lifts void revocations therefore also re-publishes every revocation this detector wrote that is still in
 * force and whose key now holds garbage ({@link LatestRevocations.Latest#garbage()}), within one tombstone
 * interval of the global store reading the garbage. It keeps what it wrote, not only the expiry, in
 * {@link #ISSUED_STORE} for that. A revocation someone else wrote is not known here and not repaired; nor is a
 * key lifted since (absent) or holding a later contract version's record.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class RevocationExpiryProcessor implements Processor<String, Revocation, String, Revocation> {

    /** Name of the state store; part of the upgrade contract (its changelog topic derives from it). */
    public static final String STORE = "issued-revocation-expiries";
    /** Name of the store of what was written, to re-publish it over garbage; part of the upgrade contract. */
    public static final String ISSUED_STORE = "issued-revocations";

    private static final Logger LOG = LoggerFactory.getLogger(RevocationExpiryProcessor.class);

    private final Duration interval;
    private ProcessorContext<String, Revocation> context;
    /**
     * Revocation key ({@code jti|<iss>|<jti>}, {@code sub|<iss>|<sub>}, {@code ip|<addr>}) → {@code expires_at}
     * (epoch ms) of the latest revocation this detector published under it.
     */
    private KeyValueStore<String, Long> expiries;
    /**
     * Revocation key → the revocation this detector last published under it, while {@link #expiries} remembers
     * the key: what to re-publish if the topic's latest value there turns to garbage. Keys remembered by a
     * version before this store have an expiry but no entry here; they are tombstoned but not repaired.
     */
    private KeyValueStore<String, Revocation> issued;
    /** Over the global store {@link LatestRevocations#STORE}: what the topic holds under each key. */
    private LatestRevocations latest;

    RevocationExpiryProcessor(Duration interval) {
        this.interval = interval;
    }

    /**
     * The supplier that declares this processor's store. It does not declare {@link LatestRevocations#STORE}:
     * a global store is open to every processor, and the topology adds it ({@link LatestRevocations#addTo}).
     *
     * @param interval how often (wall clock) void revocations are looked for and tombstoned
     */
    public static ProcessorSupplier<String, Revocation, String, Revocation> supplier(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("tombstone interval must be positive");
        }
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Revocation, String, Revocation> get() {
                return new RevocationExpiryProcessor(interval);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        Serdes.Long()), Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ISSUED_STORE),
                        Serdes.String(), Topics.REVOCATIONS.valueSerde()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Revocation> context) {
        this.context = context;
        this.expiries = context.getStateStore(STORE);
        this.issued = context.getStateStore(ISSUED_STORE);
        this.latest = LatestRevocations.in(context);
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::settleIssuedRevocations);
    }

    @Override
    public void process(Record<String, Revocation> record) {
        if (record.value() == null) {
            // Already a lift: nothing left to expire under this key.
            forget(record.key());
            context.forward(record);
            return;
        }
        Optional<Revocation> published = neverWeakening(record.key(), record.value());
        if (published.isEmpty()) {
            // Nothing written, so the remembered expiry (of what we last wrote here, if anything) stands.
            return;
        }
        rememberExpiry(record.key(), published.get());
        context.forward(record.withValue(published.get()));
    }

    /**
     * What to publish under {@code key} so that what the topic holds there is not weakened: {@code issued},
     * a merge of it with the live entry, or nothing ({@link NeverWeaken}).
     */
    private Optional<Revocation> neverWeakening(String key, Revocation issued) {
        long now = context.currentSystemTimeMs();
        LatestRevocations.Latest before = latest.latestAt(key, now);
        Optional<Revocation> published = NeverWeaken.toPublish(issued, before, now);
        if (published.isEmpty()) {
            if (before.state() == LatestRevocations.State.LIVE && !NeverWeaken.isComparable(before, issued)) {
                LOG.warn("not revoking {}: {} holds a live value there whose terms this version cannot read; "
                        + "it is left in place", key, Topics.REVOCATIONS.name());
            } else {
                LOG.info("not revoking {}: {} already holds a live revocation that covers it", key,
                        Topics.REVOCATIONS.name());
            }
        } else if (published.get() != issued) {
            // The other writer's source stays out of the log line: it is free text from outside.
            LOG.info("revocation of {} merged with the live one there: {} until {}", key,
                    published.get().action().wire(), published.get().expiresAt());
        }
        return published;
    }

    /**
     * Remembers what was actually written under {@code key} and its expiry: the record the tombstone will lift,
     * and re-publish if garbage hides it.
     */
    private void rememberExpiry(String key, Revocation published) {
        expiries.put(key, published.expiresAt());
        issued.put(key, published);
    }

    private void forget(String key) {
        expiries.delete(key);
        issued.delete(key);
    }

    /** One wall-clock pass over what this detector wrote: lift what is void, repair what garbage hides. */
    private void settleIssuedRevocations(long wallClockMillis) {
        tombstoneVoidRevocations(wallClockMillis);
        republishOverGarbage(wallClockMillis);
    }

    /**
     * Re-publishes every revocation this detector wrote, still in force at {@code wallClockMillis}, whose key
     * now holds garbage on the topic (an unreadable record that is no revocation of any version). Filters
     * ignore such a record and keep what they had, but compaction keeps only the garbage, so a filter started
     * later would enforce nothing there; writing the revocation again makes it the latest value once more.
     * Not done for a key that is absent (lifted by an operator: their decision) or holds a later contract
     * version's record (someone else's terms, see {@link NeverWeaken}). The global store trails the topic, so
     * a repair can be sent twice (two passes before it is read back); the copies are identical.
     */
    private void republishOverGarbage(long wallClockMillis) {
        List<Revocation> repairs = new ArrayList<>();
        try (KeyValueIterator<String, Revocation> all = issued.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (!entry.value.isVoidAt(wallClockMillis) && latest.latestAt(entry.key, wallClockMillis).garbage()) {
                    repairs.add(entry.value);
                }
            }
        }
        for (Revocation revocation : repairs) {
            LOG.warn("{} holds an unreadable record under {}, hiding a revocation in force until {}; re-publishing it",
                    Topics.REVOCATIONS.name(), revocation.key(), revocation.expiresAt());
            context.forward(new Record<>(revocation.key(), revocation, wallClockMillis));
        }
    }

    /**
     * Settles every remembered revocation that is void at {@code wallClockMillis}: lifts it by tombstone
     * if the topic still holds a void entry under its key, and forgets it either way.
     */
    private void tombstoneVoidRevocations(long wallClockMillis) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = expiries.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (isVoidAt(entry.value, wallClockMillis)) {
                    expired.add(entry.key);
                }
            }
        }
        for (String key : expired) {
            switch (latest.stateAt(key, wallClockMillis)) {
                case VOID -> context.forward(new Record<String, Revocation>(key, null, wallClockMillis));
                // Re-revoked for longer by an operator or another detector: theirs to lift, not ours.
                case LIVE -> LOG.debug("not lifting {}: {} holds a revocation still in force", key,
                        Topics.REVOCATIONS.name());
                // Lifted already, by an operator or an earlier tombstone: nothing left to do.
                case ABSENT -> LOG.debug("not lifting {}: already lifted", key);
            }
            forget(key);
        }
    }

    /** Same rule as {@link Revocation#isVoidAt(long)}: filters stop enforcing at {@code expires_at}. */
    private static boolean isVoidAt(long expiresAt, long nowMillis) {
        return nowMillis >= expiresAt;
    }
}
