package io.tokenwatch.detector.telemetry;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;

import java.util.Map;
import java.util.Optional;

/**
 * A record that cannot be deserialized is logged, sent to the DLQ ({@code errors.dead.letter.queue.topic.name},
 * KIP-1034) and skipped, as {@link LogAndContinueExceptionHandler} does, and counted in
 * {@value DetectorMetrics#DLQ}{@code {source=deserialization}}. Kafka Streams creates it by class
 * name; it finds the metrics in its configuration ({@link DetectorMetrics#from(Map)}) and counts
 * nothing if there are none. Thread-safe.
 */
public class DeadLetterDeserializationHandler extends LogAndContinueExceptionHandler {

    private volatile Optional<DetectorMetrics> metrics = Optional.empty();

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        metrics = DetectorMetrics.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                Exception exception) {
        Response response = super.handleError(context, record, exception);
        int dead = response.deadLetterQueueRecords().size();
        if (dead > 0) {
            metrics.ifPresent(m -> m.deadLettered("deserialization", dead));
        }
        return response;
    }
}
