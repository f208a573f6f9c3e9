package io.tokenwatch.benchmarks;

import io.tokenwatch.filter.telemetry.BoundedEventBuffer;
import io.tokenwatch.filter.telemetry.UsageEventSink;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.concurrent.atomic.LongAdder;

/**
 * A usage-event sink with the request-side cost of {@code KafkaUsagePublisher} and no Kafka: the
 * same {@link BoundedEventBuffer} the publisher uses, drained by a background thread that counts and
 * discards what it takes. So a benchmark pays the enqueue and the drainer's share of the CPU, as the
 * filter does in production, but not the producer's serialization, which happens off the request
 * thread there too.
 *
 * <p>Thread-safe: any number of threads may {@link #offer}.
 */
final class QueueSink implements UsageEventSink, AutoCloseable {

    private final LongAdder drained = new LongAdder();
    private final BoundedEventBuffer<TokenUsageEvent> buffer;

    /** @param capacity events buffered before new ones are dropped */
    QueueSink(int capacity) {
        this.buffer = new BoundedEventBuffer<>(capacity, "benchmark-usage-drainer", event -> drained.increment());
    }

    @Override
    public boolean offer(TokenUsageEvent event) {
        return buffer.offer(event);
    }

    long drainedCount() {
        return drained.sum();
    }

    long droppedCount() {
        return buffer.droppedCount();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
