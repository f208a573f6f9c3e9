package io.tokenwatch.detector.topology;

import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

import java.time.Clock;
import java.util.Objects;

/**
 * Uses the time the filter decided ({@code event_time}) as the record time, so windows follow the
 * requests rather than when the publisher got round to sending them, as long as that time is
 * plausible ({@link EventTimeBounds}). An implausible one is not used: the record keeps the time Kafka
 * gave it, which the broker has already accepted once, and {@link EventTimeCheck} then sends the
 * event to the DLQ. This is why the extractor must not let it through: whatever time it returns is
 * the time of every changelog, repartition, output and DLQ record written for the event, and a
 * broker refuses a record more than {@code log.message.timestamp.after.max.ms} (1 h by default) ahead
 * of its clock, which under exactly-once aborts the transaction and kills the stream thread again on
 * every retry. Values that are not usage events keep their record timestamp.
 *
 * <p>Stateless apart from the clock; thread-safe.
 */
public final class UsageEventTimestamps implements TimestampExtractor {

    private final EventTimeBounds bounds;
    private final Clock clock;

    /** Default bounds, system clock. */
    public UsageEventTimestamps() {
        this(EventTimeBounds.DEFAULT, Clock.systemUTC());
    }

    public UsageEventTimestamps(EventTimeBounds bounds, Clock clock) {
        this.bounds = Objects.requireNonNull(bounds, "bounds");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof TokenUsageEvent event
                && bounds.implausibility(event.eventTime(), record.timestamp(), clock.millis()) == null) {
            return event.eventTime();
        }
        return record.timestamp();
    }
}
