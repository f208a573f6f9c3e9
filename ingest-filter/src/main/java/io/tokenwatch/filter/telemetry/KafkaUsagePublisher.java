package io.tokenwatch.filter.telemetry;

import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes token-usage events to {@code tokenwatch.token-usage} through a bounded in-memory buffer.
 * {@link #offer} is a non-blocking queue insert; a dedicated thread hands events to an idempotent,
 * compressed Kafka producer. When the buffer is full (Kafka slow or down) events are dropped and
 * counted rather than slowing requests: {@code KafkaProducer.send} itself may block on metadata.
 *
 * <p>Thread-safe: any number of request threads may call {@link #offer}.
 */
public final class KafkaUsagePublisher implements UsageEventSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaUsagePublisher.class);
    public static final int DEFAULT_CAPACITY = 10_000;
    private final BoundedEventBuffer<TokenUsageEvent> buffer;
    private final KafkaProducer<String, TokenUsageEvent> producer;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();

    /**
     * @param producerProperties connection settings (bootstrap servers, TLS/SASL); serializers and
     *                           delivery settings are set here
     * @param capacity           events buffered before new ones are dropped
     */
    public KafkaUsagePublisher(Properties producerProperties, int capacity) {
        Properties props = new Properties();
        props.putAll(producerProperties);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // A small linger batches bursts without adding noticeable detection latency.
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-usage");
        // With Kafka down, send() blocks on metadata for up to this long; the buffer absorbs that
        // time and then drops, so keep it short rather than Kafka's default minute.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        this.producer = new KafkaProducer<>(props, new StringSerializer(),
                Topics.TOKEN_USAGE.valueSerde().serializer());
        this.buffer = new BoundedEventBuffer<>(capacity, "tokenwatch-usage-publisher", this::send);
    }

    @Override
    public boolean offer(TokenUsageEvent event) {
        return buffer.offer(event);
    }

    /** Events dropped because the buffer was full or the publisher closed. */
    public long droppedCount() {
        return buffer.droppedCount();
    }

    /** Events Kafka refused after retries. */
    public long failedCount() {
        return failed.get() + buffer.failedCount();
    }

    /** Events acknowledged by Kafka. */
    public long sentCount() {
        return sent.get();
    }

    private void send(TokenUsageEvent event) {
        producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), event.key(), event), (metadata, error) -> {
            if (error == null) {
                sent.incrementAndGet();
            } else {
                failed.incrementAndGet();
                LOG.warn("usage event {} not delivered: {}", event.eventId(), error.toString());
            }
        });
    }

    /** Stops accepting events, sends what is buffered (up to 10 s), and closes the producer. */
    @Override
    public void close() {
        buffer.close(Duration.ofSeconds(10));
        producer.close(Duration.ofSeconds(5));
    }
}
