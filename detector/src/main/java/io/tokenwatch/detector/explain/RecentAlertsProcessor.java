package io.tokenwatch.detector.explain;

import io.tokenwatch.detector.rules.Detection;
import io.tokenwatch.schemas.JsonSerde;
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
 * Remembers each subject's latest {@value RecentAlerts#MAX} alerts (store {@link #STORE}), for the
 * explain endpoint: fed from every detection, keyed as the detection is, which is the input key, so
 * the store is partitioned like {@code tokenwatch.token-usage} and interactive queries find a
 * subject where its usage events go. Detections about an address ({@code ip|…}) are not kept: the
 * endpoint explains subjects. A subject with no alert for {@link #RETENTION} (the alert topic's
 * retention) is forgotten by a wall-clock punctuator, so the store is bounded by the subjects alerted
 * on within it.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class RecentAlertsProcessor implements Processor<String, Detection, Void, Void> {

    /** Name of the store; part of the upgrade contract (its changelog topic derives from it). */
    public static final String STORE = "subject-recent-alerts";
    static final Duration RETENTION = Duration.ofDays(30);
    private static final Duration PURGE_INTERVAL = Duration.ofHours(1);

    /** Subject key {@code iss|sub} → its latest alerts. */
    private KeyValueStore<String, RecentAlerts> recent;

    public static ProcessorSupplier<String, Detection, Void, Void> supplier() {
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, Detection, Void, Void> get() {
                return new RecentAlertsProcessor();
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        new JsonSerde<>(RecentAlerts.class)).withCachingEnabled());
            }
        };
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        recent = context.getStateStore(STORE);
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetQuietSubjects);
    }

    @Override
    public void process(Record<String, Detection> record) {
        String key = record.key();
        if (!isSubjectKey(key) || record.value() == null) {
            return;
        }
        RecentAlerts before = Objects.requireNonNullElse(recent.get(key), RecentAlerts.none());
        recent.put(key, before.with(AlertSummary.of(record.value())));
    }

    private static boolean isSubjectKey(String key) {
        return key != null && !key.startsWith("ip|");
    }

    private void forgetQuietSubjects(long wallClockMillis) {
        long horizon = wallClockMillis - RETENTION.toMillis();
        List<String> quiet = new ArrayList<>();
        try (KeyValueIterator<String, RecentAlerts> all = recent.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value.latest() < horizon) {
                    quiet.add(entry.key);
                }
            }
        }
        quiet.forEach(recent::delete);
    }
}
