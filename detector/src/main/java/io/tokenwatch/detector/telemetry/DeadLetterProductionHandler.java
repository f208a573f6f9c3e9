package io.tokenwatch.detector.telemetry;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A record the broker refuses to take (a changelog, repartition or output write failing with, say,
 * {@code InvalidTimestampException} or {@code RecordTooLargeException}), or one that cannot be
 * serialized, is logged, sent to the DLQ with the failure in its headers, and skipped, so one record
 * cannot stop the detector; counted in {@value DetectorMetrics#DLQ}{@code {source=production}}.
 * Kafka Streams' own {@code DefaultProductionExceptionHandler} fails instead, which replaces the stream
 * thread and retries the same record forever.
 *
 * <p>Hand-written rather than built with Kafka Streams' dead-letter helper, which stamps the DLQ record
 * with the failed record's timestamp: when that timestamp is the reason the broker refused the record,
 * the DLQ write would be refused too. This handler leaves the timestamp to the producer (now). The
 * headers are the KIP-1034 ones ({@code __streams.errors.*}), with the topic the record was for.
 *
 * <p>Authentication and authorization failures still fail: skipping them would drop every record (every
 * revocation) while the credentials are wrong, silently; failing keeps them at the input until fixed.
 *
 * <p>Under at-least-once the skipped record is simply not written. Under exactly-once a refused record
 * may have made the open transaction abortable; Kafka Streams then aborts it and reprocesses from the
 * last commit, and this handler is asked again for the same record, so the detector still moves on only
 * if the record is refused before the transaction breaks (serialization) or the cause is removed
 * upstream: that is why implausible event times are refused at the source ({@code EventTimeCheck}).
 *
 * <p>Created by class name; finds the metrics as {@link DeadLetterDeserializationHandler} does. Thread-safe.
 */
public class DeadLetterProductionHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    private volatile Optional<DetectorMetrics> metrics = Optional.empty();
    private volatile String deadLetterTopic;

    @Override
    public void configure(Map<String, ?> configs) {
        metrics = DetectorMetrics.from(configs);
        Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        deadLetterTopic = topic == null || topic.toString().isBlank() ? null : topic.toString();
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                Exception exception) {
        if (exception instanceof AuthenticationException || exception instanceof AuthorizationException) {
            return Response.fail();
        }
        return deadLetter(context, record, exception);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        // The record could not be turned into bytes, so there are none to keep; the source record's are.
        ProducerRecord<byte[], byte[]> source = new ProducerRecord<>(record.topic(), context.sourceRawKey(),
                context.sourceRawValue());
        return deadLetter(context, source, exception);
    }

    private Response deadLetter(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        // The exception's text names the failure, never the record's bytes.
        LOG.warn("could not write a record to {} for the input at {}-{}@{} ({}: {}); sent to the DLQ {} and skipped",
                record.topic(), context.topic(), context.partition(), context.offset(),
                exception.getClass().getName(), exception.getMessage(), deadLetterTopic);
        if (deadLetterTopic == null) {
            return Response.resume();
        }
        metrics.ifPresent(m -> m.deadLettered("production", 1));
        return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, null, record.key(), record.value(),
                headers(context, record, exception))));
    }

    private static Headers headers(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                   Exception exception) {
        Headers headers = new RecordHeaders();
        headers.add("__streams.errors.exception", utf8(exception.getClass().getName()));
        headers.add("__streams.errors.message", utf8(String.valueOf(exception.getMessage())));
        headers.add("__streams.errors.topic", utf8(context.topic()));
        headers.add("__streams.errors.partition", utf8(Integer.toString(context.partition())));
        headers.add("__streams.errors.offset", utf8(Long.toString(context.offset())));
        headers.add("tokenwatch.errors.target.topic", utf8(record.topic()));
        return headers;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
