package io.tokenwatch.detector.topology;

import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Uses the time the filter decided ({@code event_time}) as the record time, so windows follow the
 * requests rather than when the publisher got round to sending them. Falls back to the record's own
 * timestamp for values that are not usage events. Stateless and thread-safe.
 */
public final class UsageEventTimestamps implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof TokenUsageEvent event) {
            return event.eventTime();
        }
        return record.timestamp();
    }
}
