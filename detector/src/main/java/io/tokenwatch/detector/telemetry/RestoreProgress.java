package io.tokenwatch.detector.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Restore progress as metrics: records restored from changelogs ({@value #RESTORED}), restorations in
 * progress ({@value #ACTIVE}) and records they still have to restore ({@value #REMAINING}). A detector
 * that restores is alive but not ready; these say how far it has got.
 *
 * <p>Thread-safe: Kafka Streams calls it from every stream thread and the global thread.
 */
public final class RestoreProgress implements StateRestoreListener {

    public static final String RESTORED = "tokenwatch.detector.restore.records";
    public static final String ACTIVE = "tokenwatch.detector.restore.active";
    public static final String REMAINING = "tokenwatch.detector.restore.remaining";

    /** Changelog partition and store → records still to restore there. */
    private final Map<String, Long> remaining = new ConcurrentHashMap<>();
    private final Counter restored;

    RestoreProgress(MeterRegistry registry) {
        restored = Counter.builder(RESTORED).description("Records restored from changelogs").register(registry);
        Gauge.builder(ACTIVE, remaining, Map::size).description("State restorations in progress").register(registry);
        Gauge.builder(REMAINING, remaining, m -> m.values().stream().mapToLong(Long::longValue).sum())
                .description("Records the restorations in progress still have to restore").register(registry);
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        remaining.put(key(partition, store), Math.max(0, endingOffset - startingOffset));
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        restored.increment(numRestored);
        remaining.computeIfPresent(key(partition, store), (k, left) -> Math.max(0, left - numRestored));
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        remaining.remove(key(partition, store));
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        remaining.remove(key(partition, store));
    }

    /** Records restored so far. */
    public double restoredRecords() {
        return restored.count();
    }

    private static String key(TopicPartition partition, String store) {
        return partition + "/" + store;
    }
}
