package io.tokenwatch.filter.telemetry;

import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes token-usage events to {@code tokenwatch.token-usage} through a bounded in-memory buffer
 * and, when configured, a bounded disk spool that carries events across a broker outage.
 *
 * <p><b>Request path.</b> {@link #offer} is a non-blocking queue insert (DESIGN.md §4: telemetry never
 * blocks or fails a request). Everything else, Kafka and disk alike, happens on the buffer's one
 * background thread.
 *
 * <p><b>While Kafka answers</b> each event goes straight to an idempotent, compressed producer.
 *
 * <p><b>When it stops answering</b>, that is when {@code send} throws (metadata unavailable, the
 * producer's own memory full), when records sent wait {@link Spool#stallTimeout} without any
 * acknowledgement, or when Kafka fails a record with a retriable error, the publisher starts
 * <em>spooling</em>: every new event, and every one Kafka gave back, is appended to the
 * {@link SpoolLog} on disk. Meanwhile the spool is shipped in order in windows of up to
 * {@value #WINDOW} records: a window's position is committed once all of it is acknowledged; if any
 * of it fails, the window is read again after a pause. Once a window has been acknowledged whole and
 * the reader reaches the end of the spool, new events go straight to Kafka again while the last
 * window follows (so events of that last window and the first direct ones may interleave; each part
 * is in order). Delivery is at-least-once: a window that fails part way is
 * sent again whole, so an event may reach the topic twice (consumers key on {@code event_id}).
 * Records already handed to the producer before the switch stay there and are delivered when the
 * broker returns, or come back as failures within {@code delivery.timeout.ms} and are spooled.
 *
 * <p><b>What is dropped, and counted.</b> An event that finds the memory buffer full, or the spool at
 * its byte bound ({@link #droppedCount()}); a spooled event older than {@link Spool#maxAge} when its
 * turn comes, since the detector's windows no longer cover it ({@link #expiredCount()}); an event
 * Kafka refuses for good, such as a record too large ({@link #failedCount()}). Without a spool a
 * retriable failure is counted as failed too, as before. A record Kafka gives back may nonetheless
 * have been written (its acknowledgement lost with the broker), so after an outage these counters
 * can exceed the events truly missing by the few that were in flight when it began.
 *
 * <p>Thread-safe: any number of request threads may call {@link #offer}; counters may be read from any
 * thread.
 */
public final class KafkaUsagePublisher implements UsageEventSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaUsagePublisher.class);
    public static final int DEFAULT_CAPACITY = 10_000;
    /** Records shipped from the spool before waiting for their acknowledgements. */
    static final int WINDOW = 1_000;
    private static final long SYNC_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Pause before a failed window is tried again. */
    private static final long RETRY_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Longer pause when {@code send} itself failed: each attempt may block up to max.block.ms. */
    private static final long BLOCKED_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Where and how much to spool while Kafka is unreachable.
     *
     * @param directory    the spool's directory, created if missing; one filter per directory
     * @param maxBytes     the most the spool may hold on disk; events beyond it are dropped and counted
     * @param maxAge       spooled events older than this when shipped are dropped and counted (the
     *                     detector's window: it would no longer use them)
     * @param stallTimeout how long sent records may wait without any acknowledgement before the
     *                     publisher stops sending directly and spools
     */
    public record Spool(Path directory, long maxBytes, Duration maxAge, Duration stallTimeout) {

        public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
        public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
        public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(2);

        public Spool {
            Objects.requireNonNull(directory, "directory");
            Objects.requireNonNull(maxAge, "maxAge");
            Objects.requireNonNull(stallTimeout, "stallTimeout");
            if (maxBytes < 64 * 1024) {
                throw new IllegalArgumentException("spool max bytes must be at least 64 KiB, was " + maxBytes);
            }
            if (maxAge.isNegative() || maxAge.isZero() || stallTimeout.isNegative() || stallTimeout.isZero()) {
                throw new IllegalArgumentException("spool max age and stall timeout must be positive");
            }
        }

        /** A spool in {@code directory} with the default bound, age and stall timeout. */
        public static Spool in(Path directory) {
            return new Spool(directory, DEFAULT_MAX_BYTES, DEFAULT_MAX_AGE, DEFAULT_STALL_TIMEOUT);
        }

        /** Segment size: a sixteenth of the bound, so freeing acknowledged segments tracks the bound closely. */
        long segmentBytes() {
            return Math.max(16 * 1024, Math.min(64L * 1024 * 1024, maxBytes / 16));
        }
    }

    /** An event as it is sent and spooled: its time, key and serialized value. */
    private record Pending(long eventTime, String key, byte[] value) {
    }

    private final BoundedEventBuffer<TokenUsageEvent> buffer;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<TokenUsageEvent> serializer = Topics.TOKEN_USAGE.valueSerde().serializer();
    private final String topic = Topics.TOKEN_USAGE.name();
    private final Clock clock;
    private final SpoolLog spool;
    private final long maxAgeMillis;
    private final long stallNanos;

    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong spoolDropped = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();

    /** Direct sends not yet answered, and when one was last answered (or the first one sent). */
    private final AtomicLong inFlight = new AtomicLong();
    private volatile long lastProgressNanos = System.nanoTime();
    /** Events Kafka gave back with a retriable error, to be spooled by the publisher thread. */
    private final Queue<Pending> givenBack = new ConcurrentLinkedQueue<>();

    // Publisher-thread state (read by metrics only through the volatile flag).
    private volatile boolean spooling;
    /** The spool holds events not yet acknowledged; outlives {@link #spooling} by the last window. */
    private boolean draining;
    /** Whether the last window closed was acknowledged whole: Kafka is demonstrably back. */
    private boolean lastWindowAcknowledged;
    private boolean windowOpen;
    private SpoolLog.Position windowEnd;
    private long windowExpired;
    private int windowSends;
    private final AtomicInteger windowOutstanding = new AtomicInteger();
    private volatile boolean windowFailed;
    private long pauseUntilNanos;
    private long lastSyncNanos = System.nanoTime();

    /**
     * A publisher without a disk spool: events that cannot be delivered are dropped and counted.
     *
     * @param producerProperties connection settings (bootstrap servers, TLS/SASL); serializers and
     *                           delivery settings are set here
     * @param capacity           events buffered in memory before new ones are dropped
     */
    public KafkaUsagePublisher(Properties producerProperties, int capacity) {
        this(producerProperties, capacity, null, Clock.systemUTC());
    }

    /**
     * @param producerProperties connection settings (bootstrap servers, TLS/SASL); serializers and
     *                           delivery settings are set here
     * @param capacity           events buffered in memory before new ones are dropped
     * @param spool              the disk spool, or null for none
     * @param clock              decides which spooled events are too old to ship
     * @throws UncheckedIOException if the spool directory cannot be opened
     */
    public KafkaUsagePublisher(Properties producerProperties, int capacity, Spool spool, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        Properties props = new Properties();
        props.putAll(producerProperties);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // A small linger batches bursts without adding noticeable detection latency.
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-usage");
        // With Kafka down, send() blocks on metadata for up to this long; keep it short rather than
        // Kafka's default minute, since it holds up the publisher thread.
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "1000");
        // Reconnect within a second of the broker's return, so the spool starts draining promptly.
        props.putIfAbsent(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        if (spool != null) {
            // A record handed to the producer during an outage can stay stuck there after the broker
            // returns (its request timed out, so the idempotent producer holds the partition until the
            // batch expires): with the default two minutes the spool would wait that long to drain.
            // With a spool a failed record is not lost but spooled and sent again, so fail it sooner.
            props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
            props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
            this.spool = new SpoolLog(spool.directory(), spool.maxBytes(), spool.segmentBytes());
            this.maxAgeMillis = spool.maxAge().toMillis();
            this.stallNanos = spool.stallTimeout().toNanos();
        } else {
            this.spool = null;
            this.maxAgeMillis = Long.MAX_VALUE;
            this.stallNanos = Long.MAX_VALUE;
        }
        try {
            this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        } catch (RuntimeException e) {
            closeSpoolQuietly();
            throw e;
        }
        if (this.spool != null && !this.spool.isEmpty()) {
            LOG.info("event spool {} holds {} bytes from an earlier run; shipping them first",
                    this.spool.directory(), this.spool.bytes());
            spooling = true;
            draining = true;
        }
        this.buffer = new BoundedEventBuffer<>(capacity, "tokenwatch-usage-publisher", this::handle, this::tick);
    }

    @Override
    public boolean offer(TokenUsageEvent event) {
        return buffer.offer(event);
    }

    /** Events dropped: memory buffer full or publisher closed, or the disk spool at its bound. */
    public long droppedCount() {
        return buffer.droppedCount() + spoolDropped.get();
    }

    /** Events Kafka refused for good (or, without a spool, after retries). */
    public long failedCount() {
        return failed.get() + buffer.failedCount();
    }

    /** Events acknowledged by Kafka, directly or from the spool. */
    public long sentCount() {
        return sent.get();
    }

    /** Events written to the disk spool. */
    public long spooledCount() {
        return spooled.get();
    }

    /** Spooled events dropped because they were older than the spool's max age when shipped. */
    public long expiredCount() {
        return expired.get();
    }

    /** Bytes held by the spool's segment files (0 without a spool). */
    public long spoolBytes() {
        return spool == null ? 0 : spool.bytes();
    }

    /** Spool segments whose tail was found corrupt and skipped. */
    public long spoolCorruptCount() {
        return spool == null ? 0 : spool.corruptSegments();
    }

    /** Whether new events currently go to the disk spool rather than straight to Kafka. */
    public boolean isSpooling() {
        return spooling;
    }

    /** Whether the spool holds events Kafka has not acknowledged yet. */
    public boolean hasBacklog() {
        return spool != null && !spool.isEmptyForReaders();
    }

    /** Whether this publisher has a disk spool. */
    public boolean hasSpool() {
        return spool != null;
    }

    // ---- publisher thread ----

    private void handle(TokenUsageEvent event) {
        Pending pending;
        try {
            pending = new Pending(event.eventTime(), event.key(), serializer.serialize(topic, event));
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            LOG.warn("usage event {} not serializable: {}", event.eventId(), e.toString());
            return;
        }
        if (spooling) {
            spill(pending);
        } else {
            sendDirect(pending);
        }
    }

    private void sendDirect(Pending pending) {
        if (inFlight.getAndIncrement() == 0) {
            lastProgressNanos = System.nanoTime();
        }
        try {
            producer.send(record(pending), (metadata, error) -> directAnswered(pending, error));
            if (spool != null && !givenBack.isEmpty()) {
                // A failure answered on this thread (a metadata timeout after max.block.ms): each further
                // send would block as long, so spool from here on.
                startSpooling("metadata unavailable");
            }
        } catch (KafkaException e) {
            inFlight.decrementAndGet();
            if (spool == null) {
                failed.incrementAndGet();
                LOG.warn("usage event not sent: {}", e.toString());
                return;
            }
            startSpooling("send failed: " + e.getMessage());
            spill(pending);
        }
    }

    /** On the producer's I/O thread. */
    private void directAnswered(Pending pending, Exception error) {
        lastProgressNanos = System.nanoTime();
        inFlight.decrementAndGet();
        if (error == null) {
            sent.incrementAndGet();
        } else if (spool != null && retriable(error)) {
            givenBack.add(pending);
        } else {
            failed.incrementAndGet();
            LOG.warn("usage event not delivered: {}", error.toString());
        }
    }

    /**
     * A refusal that sending again cannot cure (a record too large, a timestamp the broker will never
     * accept, no authorization) would block the spool's head forever; anything else, including the
     * producer being closed under the record, is kept for another try.
     */
    private static boolean retriable(Exception error) {
        return !(error instanceof ApiException) || error instanceof RetriableException;
    }

    private void spill(Pending pending) {
        try {
            if (spool.append(pending.eventTime(), pending.key(), pending.value())) {
                spooled.incrementAndGet();
            } else {
                spoolDropped.incrementAndGet();
            }
        } catch (UncheckedIOException | IllegalArgumentException e) {
            spoolDropped.incrementAndGet();
            LOG.warn("usage event not spooled: {}", e.getMessage());
        }
    }

    private void startSpooling(String why) {
        draining = true;
        lastWindowAcknowledged = false;
        if (!spooling) {
            spooling = true;
            LOG.warn("Kafka unreachable ({}); spooling usage events to {}", why, spool.directory());
        }
    }

    /** Background work between batches: spool what came back, detect a stall, ship the spool. */
    private void tick() {
        if (spool == null) {
            return;
        }
        Pending back = givenBack.poll();
        if (back != null) {
            startSpooling("delivery failed");
            do {
                spill(back);
                back = givenBack.poll();
            } while (back != null);
        }
        if (!spooling && inFlight.get() > 0 && System.nanoTime() - lastProgressNanos > stallNanos) {
            startSpooling("no acknowledgement for " + TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms");
        }
        if (!draining) {
            return;
        }
        try {
            ship();
        } catch (IOException e) {
            throw new UncheckedIOException("event spool: " + e.getMessage(), e);
        }
    }

    private void ship() throws IOException {
        long now = System.nanoTime();
        spool.flush();
        if (now - lastSyncNanos > SYNC_INTERVAL_NANOS) {
            spool.sync();
            lastSyncNanos = now;
        }
        if (windowOpen && !closeWindow()) {
            return;
        }
        if (now - pauseUntilNanos < 0) {
            return;
        }
        List<SpoolLog.Entry> entries = spool.read(WINDOW);
        if (entries.isEmpty()) {
            // Every window before this read was committed, so all that was read is acknowledged;
            // committing the read position also frees a segment the reader has just left.
            spool.commit(spool.readPosition());
            if (spool.isEmpty()) {
                draining = false;
                stopSpooling();
                LOG.info("event spool shipped");
            }
            return;
        }
        if (entries.size() < WINDOW && lastWindowAcknowledged) {
            // The reader has reached the end of the spool and Kafka acknowledges again. Under steady
            // load the spool would never be seen empty (events keep arriving during each window's
            // round trip), so new events go straight to Kafka from here while this last window follows.
            stopSpooling();
        }
        openWindow(entries);
    }

    private void stopSpooling() {
        if (spooling) {
            spooling = false;
            lastProgressNanos = System.nanoTime();
            LOG.info("Kafka reachable again; sending usage events directly");
        }
    }

    /** Sends one window from the spool; its records answer {@link #windowAnswered}. */
    private void openWindow(List<SpoolLog.Entry> entries) {
        long oldest = clock.millis() - maxAgeMillis;
        List<SpoolLog.Entry> fresh = entries.stream().filter(e -> e.eventTime() >= oldest).toList();
        windowOpen = true;
        windowFailed = false;
        windowEnd = entries.get(entries.size() - 1).next();
        windowExpired = entries.size() - fresh.size();
        windowSends = fresh.size();
        windowOutstanding.set(fresh.size());
        Callback answered = (metadata, error) -> windowAnswered(error);
        for (int i = 0; i < fresh.size(); i++) {
            SpoolLog.Entry entry = fresh.get(i);
            try {
                producer.send(new ProducerRecord<>(topic, entry.key(), entry.value()), answered);
            } catch (KafkaException e) {
                windowFailed = true;
                windowOutstanding.addAndGet(-(fresh.size() - i));
                pauseUntilNanos = System.nanoTime() + BLOCKED_PAUSE_NANOS;
                break;
            }
            if (windowFailed) {
                // send() answers a metadata timeout (after blocking max.block.ms) through the callback,
                // on this thread: every further send would block as long, so the rest waits for the next try.
                windowOutstanding.addAndGet(-(fresh.size() - i - 1));
                pauseUntilNanos = System.nanoTime() + BLOCKED_PAUSE_NANOS;
                break;
            }
        }
    }

    /** On the producer's I/O thread. */
    private void windowAnswered(Exception error) {
        if (error == null) {
            sent.incrementAndGet();
        } else if (retriable(error)) {
            windowFailed = true;
        } else {
            failed.incrementAndGet();
            LOG.warn("spooled usage event refused: {}", error.toString());
        }
        windowOutstanding.decrementAndGet();
    }

    /** True once the open window is settled: committed if all of it went, rewound otherwise. */
    private boolean closeWindow() throws IOException {
        if (windowOutstanding.get() > 0) {
            return false;
        }
        windowOpen = false;
        // A window of expired events only proves nothing about Kafka.
        lastWindowAcknowledged = !windowFailed && windowSends > 0;
        if (windowFailed) {
            spool.rewind();
            pauseUntilNanos = Math.max(pauseUntilNanos, System.nanoTime() + RETRY_PAUSE_NANOS);
        } else {
            expired.addAndGet(windowExpired);
            spool.commit(windowEnd);
        }
        return true;
    }

    private ProducerRecord<String, byte[]> record(Pending pending) {
        return new ProducerRecord<>(topic, pending.key(), pending.value());
    }

    /**
     * Stops accepting events, hands what is buffered on (up to 10 s), closes the producer (up to 5 s),
     * and keeps whatever Kafka did not acknowledge in the spool for the next start.
     */
    @Override
    public void close() {
        buffer.close(Duration.ofSeconds(10));
        producer.close(Duration.ofSeconds(5));
        if (spool == null) {
            return;
        }
        // The buffer's thread has ended: the spool is this thread's now.
        try {
            for (Pending back = givenBack.poll(); back != null; back = givenBack.poll()) {
                spill(back);
            }
            if (windowOpen) {
                closeWindow();
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("event spool not settled at close: {}", e.getMessage());
        } finally {
            closeSpoolQuietly();
        }
    }

    private void closeSpoolQuietly() {
        if (spool == null) {
            return;
        }
        try {
            spool.close();
        } catch (IOException e) {
            LOG.warn("event spool not closed cleanly: {}", e.getMessage());
        }
    }
}
