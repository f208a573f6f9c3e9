package io.tokenwatch.filter.telemetry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A bounded hand-off from request threads to one background thread. {@link #offer} never blocks:
 * when the buffer is full the item is dropped and counted (DESIGN.md §4: telemetry never blocks or
 * fails a request). The background thread drains in batches and parks briefly when there is nothing
 * to do, so request threads never have to wake it; an offer is just a queue insert.
 *
 * <p>Thread-safe: any number of threads may offer.
 *
 * @param <T> the item type
 */
public final class BoundedEventBuffer<T> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BoundedEventBuffer.class);
    /** Longest an item waits when the drainer is idle; small against the producer's 5 ms linger. */
    private static final long IDLE_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final int BATCH = 512;

    private final BlockingQueue<T> queue;
    private final Consumer<? super T> handler;
    private final Runnable tick;
    private final Thread drainer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;

    /**
     * @param capacity   items buffered before new ones are dropped
     * @param threadName name of the draining thread
     * @param handler    called on the draining thread for each item; an exception it throws is
     *                   counted as a failure and the next item is handled
     */
    public BoundedEventBuffer(int capacity, String threadName, Consumer<? super T> handler) {
        this(capacity, threadName, handler, () -> { });
    }

    /**
     * @param capacity   items buffered before new ones are dropped
     * @param threadName name of the draining thread
     * @param handler    called on the draining thread for each item; an exception it throws is
     *                   counted as a failure and the next item is handled
     * @param tick       called on the draining thread after each batch and at each idle pause (every
     *                   few milliseconds), for background work that must share the handler's thread;
     *                   an exception it throws is logged and the draining goes on
     */
    public BoundedEventBuffer(int capacity, String threadName, Consumer<? super T> handler, Runnable tick) {
        this.tick = Objects.requireNonNull(tick, "tick");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.handler = Objects.requireNonNull(handler, "handler");
        this.drainer = new Thread(this::drain, threadName);
        this.drainer.setDaemon(true);
        this.drainer.start();
    }

    /** Hands over one item; false if it was dropped (buffer full or closed). */
    public boolean offer(T item) {
        Objects.requireNonNull(item, "item");
        if (running && queue.offer(item)) {
            return true;
        }
        dropped.incrementAndGet();
        return false;
    }

    /** Items dropped because the buffer was full or closed. */
    public long droppedCount() {
        return dropped.get();
    }

    /** Items whose handler threw. */
    public long failedCount() {
        return failed.get();
    }

    private void drain() {
        List<T> batch = new ArrayList<>(BATCH);
        while (running || !queue.isEmpty()) {
            if (queue.drainTo(batch, BATCH) == 0) {
                tick();
                LockSupport.parkNanos(IDLE_PAUSE_NANOS);
                continue;
            }
            for (T item : batch) {
                try {
                    handler.accept(item);
                } catch (RuntimeException e) {
                    // One bad item must not end the drainer, nor take the rest of the batch with it.
                    failed.incrementAndGet();
                    LOG.warn("buffered item not handled: {}", e.toString());
                }
            }
            batch.clear();
            tick();
        }
    }

    private void tick() {
        try {
            tick.run();
        } catch (RuntimeException e) {
            LOG.warn("buffer background work failed: {}", e.toString());
        }
    }

    /** Stops accepting items and waits up to {@code timeout} for the buffered ones to be handled. */
    public void close(Duration timeout) {
        running = false;
        try {
            drainer.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = queue.size();
        if (left > 0) {
            dropped.addAndGet(left);
            queue.clear();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
