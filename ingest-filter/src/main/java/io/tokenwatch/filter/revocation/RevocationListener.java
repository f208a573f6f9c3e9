package io.tokenwatch.filter.revocation;

import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a {@link RevocationView} in step with {@code tokenwatch.revocations}. Every filter reads
 * every partition from offset 0 with no consumer group (each filter needs the whole topic, not a
 * share of it), and reports {@link #isReady() ready} once it has read up to the end offsets it saw
 * at start. After that it follows the topic live. While Kafka is unreachable the consumer retries
 * and the view keeps enforcing what it has.
 *
 * <p>A record that cannot be read is logged by partition and offset, counted and skipped: one poison
 * pill must not stop every later revocation from arriving.
 *
 * <p>Thread-safe: runs its own thread; {@link #isReady()} and counters may be read from any thread.
 */
public final class RevocationListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RevocationListener.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration TOPIC_RETRY = Duration.ofMillis(500);

    private final RevocationView view;
    private final KafkaConsumer<String, Revocation> consumer;
    private final String topic;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    /** Records behind the end of the topic after the last poll; -1 until every partition is known. */
    private final AtomicLong lag = new AtomicLong(-1);
    private volatile List<TopicPartition> assigned = List.of();
    private final Clock clock;
    /** When the broker last answered a fetch of this consumer (or when the listener was created). */
    private volatile Instant lastHeard;
    /** The consumer's count of fetch responses, once found among its metrics; null until then. */
    private Metric fetchResponses;
    private double fetchResponsesSeen = -1;
    private volatile boolean running = true;

    /**
     * @param consumerProperties connection settings (bootstrap servers, TLS/SASL); group and offset
     *                           settings are set here and must not be given
     */
    public RevocationListener(RevocationView view, Properties consumerProperties) {
        this(view, consumerProperties, Clock.systemUTC());
    }

    /**
     * @param consumerProperties connection settings (bootstrap servers, TLS/SASL); group and offset
     *                           settings are set here and must not be given
     * @param clock              measures {@link #staleness()}
     */
    public RevocationListener(RevocationView view, Properties consumerProperties, Clock clock) {
        this.view = Objects.requireNonNull(view, "view");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lastHeard = clock.instant();
        this.topic = Topics.REVOCATIONS.name();
        Properties props = new Properties();
        props.putAll(consumerProperties);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The detector writes under exactly-once: only committed revocations are real.
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-revocations");
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                Topics.REVOCATIONS.valueSerde().deserializer());
        this.thread = new Thread(this::run, "tokenwatch-revocation-listener");
        this.thread.setDaemon(true);
    }

    /** Starts following the topic in the background. */
    public RevocationListener start() {
        thread.start();
        return this;
    }

    /** True once every revocation present at start has been applied. */
    public boolean isReady() {
        return caughtUp.getCount() == 0;
    }

    /** Waits until {@link #isReady()}; returns whether it became ready in time. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Records applied to the view so far. */
    public long appliedCount() {
        return applied.get();
    }

    /**
     * Revocation records this filter has not yet applied: the sum over every partition of the distance
     * between the consumer's position and the end of the partition (the last stable offset under
     * {@code read_committed}), as of the last fetch. {@code -1} while that is not yet known (topic not
     * found, or no fetch answered yet). While Kafka is unreachable it keeps the last known value.
     */
    public long lag() {
        return lag.get();
    }

    /**
     * How long since the broker last answered this listener's fetches: near zero while Kafka is
     * reachable (a fetch is answered at least every {@code fetch.max.wait.ms}, 50 ms here, even with
     * nothing new), growing while it is not. Unlike {@link #lag()}, which keeps its last value through
     * an outage, this says how out of date the view may be. Before the first answer it counts from
     * the listener's creation.
     */
    public Duration staleness() {
        Duration since = Duration.between(lastHeard, clock.instant());
        return since.isNegative() ? Duration.ZERO : since;
    }

    /** Records skipped because they could not be deserialized. */
    public long unreadableCount() {
        return unreadable.get();
    }

    private void run() {
        Map<TopicPartition, Long> target = null;
        try {
            while (running) {
                try {
                    if (target == null) {
                        target = assignAll();
                        if (!running) {
                            // Closed while waiting for the topic: nothing is assigned, nothing to poll.
                            break;
                        }
                    }
                    for (ConsumerRecord<String, Revocation> record : consumer.poll(POLL)) {
                        apply(record);
                    }
                    updateLag();
                    noteFetchResponses();
                    if (!isReady() && reached(target)) {
                        LOG.info("revocation view caught up: {} entries", view.size());
                        caughtUp.countDown();
                    }
                } catch (RecordDeserializationException e) {
                    skip(e);
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException e) {
                    // Broker lost mid-catch-up or mid-follow: keep the view, retry, never give up.
                    LOG.warn("revocation listener retrying after: {}", e.toString());
                    pauseBeforeRetry();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("revocation listener woken unexpectedly; the view keeps enforcing what it has", e);
            }
        } catch (RuntimeException e) {
            LOG.error("revocation listener stopped; the view keeps enforcing what it has", e);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /** Assigns every partition, seeks to the start, and returns the end offsets to catch up to. */
    private Map<TopicPartition, Long> assignAll() {
        List<PartitionInfo> partitions = null;
        while (running && (partitions == null || partitions.isEmpty())) {
            try {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warn("waiting for topic {}: {}", topic, e.getMessage());
            }
            if (partitions == null || partitions.isEmpty()) {
                // A missing topic is answered at once with no partitions: without a pause this loop
                // would spin, flooding the broker with metadata requests until the topic is created.
                pauseBeforeRetry();
            }
        }
        if (partitions == null) {
            // Closed before the topic was found.
            return Map.of();
        }
        List<TopicPartition> assigned = partitions.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        this.assigned = assigned;
        return new HashMap<>(consumer.endOffsets(assigned));
    }

    /**
     * {@link KafkaConsumer#currentLag} answers from the last fetch response, without a request to the
     * broker, so this costs nothing per poll. A partition with no answer yet leaves the total unknown.
     */
    private void updateLag() {
        List<TopicPartition> partitions = assigned;
        if (partitions.isEmpty()) {
            return;
        }
        long total = 0;
        for (TopicPartition tp : partitions) {
            java.util.OptionalLong behind = consumer.currentLag(tp);
            if (behind.isEmpty()) {
                return;
            }
            total += behind.getAsLong();
        }
        lag.set(total);
    }

    /**
     * Moves {@link #lastHeard} when the consumer's {@code fetch-total} (fetch responses received, from
     * {@code consumer-fetch-manager-metrics}) has grown since the last poll. A poll returning nothing
     * cannot tell an idle topic from an absent broker; this metric can, and costs a map lookup.
     */
    private void noteFetchResponses() {
        if (fetchResponses == null) {
            for (Map.Entry<MetricName, ? extends Metric> m : consumer.metrics().entrySet()) {
                if (m.getKey().name().equals("fetch-total") && m.getKey().group().equals("consumer-fetch-manager-metrics")
                        && !m.getKey().tags().containsKey("topic")) {
                    fetchResponses = m.getValue();
                    break;
                }
            }
            if (fetchResponses == null) {
                return;
            }
        }
        Object value = fetchResponses.metricValue();
        if (value instanceof Number n && n.doubleValue() != fetchResponsesSeen) {
            fetchResponsesSeen = n.doubleValue();
            lastHeard = clock.instant();
        }
    }

    private void pauseBeforeRetry() {
        try {
            Thread.sleep(TOPIC_RETRY.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private boolean reached(Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> end : target.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void apply(ConsumerRecord<String, Revocation> record) {
        if (record.key() == null) {
            unreadable.incrementAndGet();
            LOG.warn("revocation without key at {}-{} offset {} skipped", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        try {
            if (view.apply(record.key(), record.value())) {
                applied.incrementAndGet();
            }
        } catch (RuntimeException e) {
            // A value that deserialized but cannot be applied must not stop later revocations.
            unreadable.incrementAndGet();
            LOG.error("revocation at {}-{} offset {} not applied: {}", record.topic(), record.partition(),
                    record.offset(), e.toString());
        }
    }

    private void skip(RecordDeserializationException e) {
        unreadable.incrementAndGet();
        TopicPartition tp = e.topicPartition();
        LOG.error("unreadable revocation at {} offset {} skipped: {}", tp, e.offset(), e.getMessage());
        consumer.seek(tp, e.offset() + 1);
    }

    @Override
    public void close() {
        running = false;
        if (!thread.isAlive()) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            return;
        }
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
