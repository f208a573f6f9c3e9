package io.tokenwatch.schemas;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One topic of the catalogue: its name, key and value serdes, and how the broker keeps it.
 *
 * @param name          topic name
 * @param keySerde      key serde
 * @param valueSerde    value serde
 * @param cleanupPolicy {@code delete} or {@code compact}
 * @param retention     how long records are kept ({@code delete}); for {@code compact}, how long
 *                      tombstones are kept, which must outlast the longest filter outage supported
 * @param <K>           key type
 * @param <V>           value type
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, CleanupPolicy cleanupPolicy,
                          Duration retention) {

    public Topic {
        Keys.requireText(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        Objects.requireNonNull(retention, "retention");
    }

    /** Broker configuration that gives this topic its policy. */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy.wire);
        String millis = Long.toString(retention.toMillis());
        if (cleanupPolicy == CleanupPolicy.COMPACT) {
            // Tombstones must survive until every filter has replayed them, or a lifted entry would
            // come back for a filter that was down when it was lifted.
            configs.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, millis);
            // Roll segments hourly so the active segment does not hold void entries back from compaction.
            configs.put(TopicConfig.SEGMENT_MS_CONFIG, Long.toString(Duration.ofHours(1).toMillis()));
            configs.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.1");
        } else {
            configs.put(TopicConfig.RETENTION_MS_CONFIG, millis);
        }
        return configs;
    }

    /** An Admin {@link NewTopic} for this topic. */
    public NewTopic newTopic(int partitions, short replicationFactor) {
        return new NewTopic(name, partitions, replicationFactor).configs(configs());
    }

    /** Kafka's {@code cleanup.policy}. */
    public enum CleanupPolicy {
        DELETE(TopicConfig.CLEANUP_POLICY_DELETE), COMPACT(TopicConfig.CLEANUP_POLICY_COMPACT);

        public final String wire;

        CleanupPolicy(String wire) {
            this.wire = wire;
        }
    }
}
