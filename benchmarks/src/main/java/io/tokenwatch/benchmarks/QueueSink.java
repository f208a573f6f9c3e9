package io.tokenwatch.benchmarks;

import io.tokenwatch.filter.telemetry.UsageEventSink;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A usage-event sink with the request-side cost of {@code KafkaUsagePublisher} and no Kafka: a
 * non-blocking insert into a bounded {@link ArrayBlockingQueue}, drained in batches by a background
 * thread that discards what it takes. So a benchmark pays the enqueue, the lock hand-off and the
 * consumer thread's share of the CPU, as the filter does in production, but not the producer's
 * serialization, which happens off the request thread there too.
 *
 * <p>Thread-safe: any number of threads may {@link #offer}.
 */
final class QueueSink implements UsageEventSink, AutoCloseable {

    private final BlockingQueue<TokenUsageEvent> buffer;
    private final Thread drainer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong drained = new AtomicLong();
    private volatile boolean running = true;

    /** @param capacity events buffered before new ones are dropped */
    QueueSink(int capacity) {
        this.buffer = new ArrayBlockingQueue<>(capacity);
        this.drainer = new Thread(this::drain, "benchmark-usage-drainer");
        this.drainer.setDaemon(true);
        this.drainer.start();
    }

    @Override
    public boolean offer(TokenUsageEvent event) {
        Objects.requireNonNull(event, "event");
        if (running && buffer.offer(event)) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    /** Events refused because the buffer was full: a non-zero count means the drainer fell behind. */
    long droppedCount() {
        return dropped.get();
    }

    long drainedCount() {
        return drained.get();
    }

    // The same loop as KafkaUsagePublisher's sender, minus the send.
    private void drain() {
        List<TokenUsageEvent> batch = new ArrayList<>(512);
        while (running) {
            try {
                TokenUsageEvent first = buffer.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                buffer.drainTo(batch, 511);
                drained.addAndGet(batch.size());
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        drainer.interrupt();
        try {
            drainer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
