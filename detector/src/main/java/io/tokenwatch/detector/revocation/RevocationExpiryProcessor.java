package io.tokenwatch.detector.revocation;

import io.tokenwatch.schemas.Revocation;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Sits in front of the revocations sink: passes every revocation the detector issues through,
 * remembers when it expires, and once it is void (wall clock at or past {@code expires_at}, the
 * moment filters stop enforcing it, {@link Revocation#isVoidAt(long)}) forwards a tombstone under its
 * key, so the compacted topic drops it instead of growing forever (DESIGN.md §3).
 *
 * <p>Only revocations this detector issued are tombstoned. Each key is always issued from the same
 * task (it derives from the input record's subject or address), so a newer revocation under a key
 * replaces the remembered expiry before any tombstone for the older one could be sent: the two never
 * race.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class RevocationExpiryProcessor implements Processor<String, Revocation, String, Revocation> {

    /** Name of the state store; part of the upgrade contract (its changelog topic derives from it). */
    public static final String STORE = "issued-revocation-expiries";

    private final Duration interval;
    private ProcessorContext<String, Revocation> context;
    /**
     * Revocation key ({@code jti|<iss>|<jti>}, {@code sub|<iss>|<sub>}, {@code ip|<addr>}) → {@code expires_at}
     * (epoch ms) of the latest revocation this detector published under it.
     */
    private KeyValueStore<String, Long> expiries;

    RevocationExpiryProcessor(Duration interval) {
        this.interval = interval;
    }

    /**
     * The supplier that declares this processor's store.
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
                        Serdes.Long()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Revocation> context) {
        this.context = context;
        this.expiries = context.getStateStore(STORE);
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::tombstoneVoidRevocations);
    }

    @Override
    public void process(Record<String, Revocation> record) {
        if (record.value() == null) {
            // Already a lift: nothing left to expire under this key.
            expiries.delete(record.key());
        } else {
            rememberExpiry(record.key(), record.value());
        }
        context.forward(record);
    }

    private void rememberExpiry(String key, Revocation revocation) {
        expiries.put(key, revocation.expiresAt());
    }

    /** Lifts, by tombstone, every remembered revocation that is void at {@code wallClockMillis}. */
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
            context.forward(new Record<String, Revocation>(key, null, wallClockMillis));
            expiries.delete(key);
        }
    }

    /** Same rule as {@link Revocation#isVoidAt(long)}: filters stop enforcing at {@code expires_at}. */
    private static boolean isVoidAt(long expiresAt, long nowMillis) {
        return nowMillis >= expiresAt;
    }
}
