package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Tells the forged-token burst rule which verified subjects an address carries: for an accepted
 * request with a verified subject, forwards the event re-keyed {@code ip|<addr>} (for the repartition
 * topic in front of {@link ForgedTokenBurstProcessor}), at most once per (subject, address) pair per
 * quarter of {@link ForgedTokenBurstRule.KeyRotation#populationWindow()} (6 h by default). So the
 * repartition carries a few records per user and address a day, not every request.
 *
 * <p>The "already sent" memory is an in-memory LRU map ({@link LinkedHashMap} in access order,
 * at most {@link #MAX_PAIRS} pairs per task) rather than a state store: it only thins out the
 * sightings, and losing it on a restart or eviction merely sends a pair again, which the receiving
 * {@link DistinctSightings} counts once. A store would cost a read on every accepted request.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class VerifiedAddressSightings implements Processor<String, TokenUsageEvent, String, TokenUsageEvent> {

    /** Most (subject, address) pairs remembered per task; about 100 bytes each. */
    static final int MAX_PAIRS = 20_000;

    private final boolean enabled;
    private final long resendAfterMillis;
    private final Map<String, Long> sentAt = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_PAIRS;
        }
    };
    private ProcessorContext<String, TokenUsageEvent> context;

    private VerifiedAddressSightings(ForgedTokenBurstRule rule) {
        this.enabled = rule.rotation().enabled();
        this.resendAfterMillis = Math.max(1, rule.rotation().populationWindow().toMillis() / 4);
    }

    public static ProcessorSupplier<String, TokenUsageEvent, String, TokenUsageEvent> supplier(
            ForgedTokenBurstRule rule) {
        Objects.requireNonNull(rule, "rule");
        return () -> new VerifiedAddressSightings(rule);
    }

    @Override
    public void init(ProcessorContext<String, TokenUsageEvent> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (!enabled || event == null || event.outcome() != Outcome.ACCEPTED || !event.hasVerifiedSubject()) {
            return;
        }
        String address = event.request().clientIp();
        String pair = event.key() + "|" + address;
        long now = event.eventTime();
        Long last = sentAt.get(pair);
        if (last != null && now - last < resendAfterMillis && now >= last) {
            return;
        }
        sentAt.put(pair, now);
        context.forward(record.withKey(Keys.ip(address)));
    }
}
