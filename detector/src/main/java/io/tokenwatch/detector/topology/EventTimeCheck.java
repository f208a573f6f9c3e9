package io.tokenwatch.detector.topology;

import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

import java.time.Duration;

/**
 * The first step after the usage source: an event whose {@code event_time} {@link UsageEventTimestamps}
 * refused (so its record time is not its event time) is failed with {@link ImplausibleEventTimeException},
 * which the processing exception handler sends to the DLQ with the reason in its
 * {@code __streams.errors.message} header, and the detector moves on to the next event.
 *
 * <p>Dead-lettered rather than clamped: every rule reads {@code event_time} from the value to place the
 * event in its windows, compute travel speed and set revocation cutoffs and expiries, so clamping the
 * record time alone would leave a time 2 h ahead in state (later genuine events would look out of
 * order; a block issued from it would last 2 h longer), and rewriting {@code event_time} would have the
 * rules judge a time the filter never reported. The DLQ keeps the original bytes untouched for replay
 * once the filter's clock is fixed, and {@code tokenwatch_detector_dlq_total{source="event-time"}}
 * makes a skewed filter visible (all its events land there) so it can be alerted on.
 *
 * <p>Stateless; Kafka Streams gives each task its own instance.
 */
public final class EventTimeCheck implements FixedKeyProcessor<String, TokenUsageEvent, TokenUsageEvent> {

    private final EventTimeBounds bounds;
    private FixedKeyProcessorContext<String, TokenUsageEvent> context;

    EventTimeCheck(EventTimeBounds bounds) {
        this.bounds = bounds;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, TokenUsageEvent> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        // The extractor returned the event time exactly when it judged it plausible.
        if (event != null && record.timestamp() != event.eventTime()) {
            String reason = bounds.implausibility(event.eventTime(), record.timestamp(), record.timestamp());
            throw new ImplausibleEventTimeException(reason != null ? reason
                    : "event_time " + event.eventTime() + " was refused by the timestamp extractor against the record's "
                    + "time " + record.timestamp() + " (bounds " + describe(bounds.maxFutureSkew()) + " ahead, "
                    + describe(bounds.maxAge()) + " behind)");
        }
        context.forward(record);
    }

    private static String describe(Duration d) {
        return d.toMillis() + " ms";
    }

    /** An event refused for its time; the message is the reason the DLQ record carries. Never holds token data. */
    public static final class ImplausibleEventTimeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ImplausibleEventTimeException(String reason) {
            super(reason);
        }
    }
}
