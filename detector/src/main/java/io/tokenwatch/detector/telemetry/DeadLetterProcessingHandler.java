package io.tokenwatch.detector.telemetry;

import io.tokenwatch.detector.topology.EventTimeCheck;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

import java.util.Map;
import java.util.Optional;

/**
 * A record a processor throws on is logged, sent to the DLQ (KIP-1034) and skipped, as
 * {@link LogAndContinueProcessingExceptionHandler} does, and counted in
 * {@value DetectorMetrics#DLQ}{@code {source=processing}}, or {@code {source=event-time}} for an event refused
 * for its time ({@link EventTimeCheck}). Created by class name; see
 * {@link DeadLetterDeserializationHandler}. Thread-safe.
 */
public class DeadLetterProcessingHandler extends LogAndContinueProcessingExceptionHandler {

    private volatile Optional<DetectorMetrics> metrics = Optional.empty();

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        metrics = DetectorMetrics.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        Response response = super.handleError(context, record, exception);
        int dead = response.deadLetterQueueRecords().size();
        if (dead > 0) {
            // A skewed filter's events all land here: counted apart, so it can be alerted on by name.
            String source = exception instanceof EventTimeCheck.ImplausibleEventTimeException ? "event-time"
                    : "processing";
            metrics.ifPresent(m -> m.deadLettered(source, dead));
        }
        return response;
    }
}
