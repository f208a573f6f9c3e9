package io.tokenwatch.filter.micronaut;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.jwks.JwksKeySource;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.telemetry.KafkaUsagePublisher;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.filter.validation.VerifiedTokenCache;
import io.tokenwatch.schemas.Outcome;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The filter's Micrometer meters (exposed at {@code /prometheus} by
 * micronaut-micrometer-registry-prometheus, with Prometheus names in brackets):
 * <ul>
 *   <li>{@code tokenwatch.requests{outcome}} counter [{@code tokenwatch_requests_total}]: every request
 *       the filter decided, by outcome wire name ({@code accepted}, {@code expired}, {@code revoked},
 *       {@code rate_limited}, ...) plus {@code not_ready} for requests refused with 503 before the
 *       revocation view had caught up. Excluded paths are not counted.</li>
 *   <li>{@code tokenwatch.validation.latency} timer with a percentile histogram
 *       [{@code tokenwatch_validation_latency_seconds_bucket}]: the time of one
 *       {@code TokenFilter.check}, i.e. validation plus revocation check, rate limit, headers and event
 *       enqueue; the core does not time validation alone.</li>
 *   <li>{@code tokenwatch.events.dropped}, {@code .failed}, {@code .sent} function counters
 *       [{@code tokenwatch_events_dropped_total}, ...]: usage events dropped because the bounded memory
 *       buffer or the disk spool was full, refused by Kafka for good, acknowledged by Kafka. Counters, not gauges: they only grow, and
 *       Prometheus' {@code rate()} wants counters.</li>
 *   <li>{@code tokenwatch.revocations.size} gauge: entries held by the revocation view.</li>
 *   <li>{@code tokenwatch.revocations.lag} gauge: revocation records on the topic this filter has not
 *       applied yet, summed over partitions from the last fetch ({@link RevocationListener#lag()});
 *       {@code -1} while unknown. Readiness says whether the replay at start has caught up; this says
 *       how far behind the live view is. It keeps its last value while Kafka is unreachable, so alert on
 *       staleness too. {@code tokenwatch.revocations.applied} and {@code .unreadable} count the records
 *       applied and skipped; an unreadable record changes nothing in the view (the entry it stood for, if
 *       any, stays as it was).</li>
 *   <li>{@code tokenwatch.revocations.staleness} gauge [{@code tokenwatch_revocations_staleness_seconds}]:
 *       seconds since the broker last answered the listener's fetches ({@link RevocationListener#staleness()});
 *       under a second while Kafka is reachable, growing while it is not.</li>
 *   <li>{@code tokenwatch.events.spooled}, {@code .expired} function counters: usage events written to the
 *       disk spool while Kafka was unreachable, and spooled events dropped as older than the spool's max
 *       age; {@code tokenwatch.events.spool.bytes} gauge [{@code tokenwatch_events_spool_bytes}], bytes the
 *       spool holds; {@code tokenwatch.events.spooling} gauge, 1 while new events go to the spool.</li>
 *   <li>With {@code keys.jwks-uri}: {@code tokenwatch.jwks.fetches{result}} function counter
 *       [{@code tokenwatch_jwks_fetches_total}], {@code result} = {@code success} or {@code failure} (error
 *       status, timeout, unreadable body, no usable key); {@code tokenwatch.jwks.refreshes.rate_limited}
 *       counter of unknown-kid refreshes the rate limit refused; {@code tokenwatch.jwks.keys} gauge, keys in
 *       the current set (0 until the first fetch); {@code tokenwatch.jwks.age} gauge, seconds since the
 *       current set was fetched (NaN before), to alert on a set that stopped refreshing.</li>
 * </ul>
 * With the verified-token cache on ({@code cache.enabled}, the default): {@code tokenwatch.cache.lookups{result}}
 * function counter [{@code tokenwatch_cache_lookups_total}], {@code result} = {@code hit} or {@code miss},
 * and {@code tokenwatch.cache.size{kind}} gauge, {@code kind} = {@code verified} or {@code rejected}.
 *
 * <p>Created at start-up so the meters exist (at zero) before the first request. Thread-safe.
 */
@Context
@Requires(beans = {TokenFilter.class, MeterRegistry.class})
public final class TokenwatchMetrics {

    /** The {@code outcome} tag of requests refused before the revocation view caught up. */
    public static final String NOT_READY = "not_ready";

    private final Map<Outcome, Counter> requests = new EnumMap<>(Outcome.class);
    private final Counter notReady;
    private final Timer latency;

    public TokenwatchMetrics(MeterRegistry registry, KafkaUsagePublisher publisher, RevocationView view,
                             RevocationListener listener, @Nullable JwksKeySource jwks, TokenValidator validator) {
        if (jwks != null) {
            registerJwks(registry, jwks);
        }
        validator.cache().ifPresent(cache -> registerCache(registry, cache));
        for (Outcome outcome : Outcome.values()) {
            requests.put(outcome, requestCounter(registry, outcome.wire()));
        }
        notReady = requestCounter(registry, NOT_READY);
        latency = Timer.builder("tokenwatch.validation.latency")
                .description("Time of one filter decision: validation, revocation check, rate limit, event enqueue")
                .publishPercentileHistogram()
                .register(registry);
        FunctionCounter.builder("tokenwatch.events.dropped", publisher, KafkaUsagePublisher::droppedCount)
                .description("Usage events dropped: memory buffer or disk spool full, or the publisher closed")
                .register(registry);
        FunctionCounter.builder("tokenwatch.events.failed", publisher, KafkaUsagePublisher::failedCount)
                .description("Usage events Kafka refused after retries")
                .register(registry);
        FunctionCounter.builder("tokenwatch.events.sent", publisher, KafkaUsagePublisher::sentCount)
                .description("Usage events acknowledged by Kafka")
                .register(registry);
        FunctionCounter.builder("tokenwatch.events.spooled", publisher, KafkaUsagePublisher::spooledCount)
                .description("Usage events written to the disk spool while Kafka was unreachable")
                .register(registry);
        FunctionCounter.builder("tokenwatch.events.expired", publisher, KafkaUsagePublisher::expiredCount)
                .description("Spooled usage events dropped as older than the spool's max age")
                .register(registry);
        Gauge.builder("tokenwatch.events.spool", publisher, KafkaUsagePublisher::spoolBytes)
                .description("Bytes held by the usage-event disk spool")
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        Gauge.builder("tokenwatch.events.spooling", publisher, p -> p.isSpooling() ? 1 : 0)
                .description("1 while new usage events go to the disk spool rather than straight to Kafka")
                .strongReference(true)
                .register(registry);
        Gauge.builder("tokenwatch.revocations.size", view, RevocationView::size)
                .description("Entries held by the revocation view")
                .strongReference(true)
                .register(registry);
        Gauge.builder("tokenwatch.revocations.lag", listener, RevocationListener::lag)
                .description("Revocation records not yet applied by this filter (-1 while unknown)")
                .strongReference(true)
                .register(registry);
        Gauge.builder("tokenwatch.revocations.staleness", listener, l -> l.staleness().toMillis() / 1000.0)
                .description("Seconds since the broker last answered the revocation listener; grows while Kafka"
                        + " is unreachable")
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder("tokenwatch.revocations.applied", listener, RevocationListener::appliedCount)
                .description("Revocation records applied to the view")
                .register(registry);
        FunctionCounter.builder("tokenwatch.revocations.unreadable", listener, RevocationListener::unreadableCount)
                .description("Revocation records skipped because they could not be read or applied")
                .register(registry);
    }

    private static void registerJwks(MeterRegistry registry, JwksKeySource jwks) {
        FunctionCounter.builder("tokenwatch.jwks.fetches", jwks, JwksKeySource::successCount)
                .description("JWKS fetches, by result")
                .tag("result", "success")
                .register(registry);
        FunctionCounter.builder("tokenwatch.jwks.fetches", jwks, JwksKeySource::failureCount)
                .description("JWKS fetches, by result")
                .tag("result", "failure")
                .register(registry);
        FunctionCounter.builder("tokenwatch.jwks.refreshes.rate_limited", jwks, JwksKeySource::rateLimitedCount)
                .description("Unknown-kid JWKS refreshes refused by the minimum refresh interval")
                .register(registry);
        Gauge.builder("tokenwatch.jwks.keys", jwks, JwksKeySource::keyCount)
                .description("Keys in the current JWKS key set, 0 before the first fetch")
                .strongReference(true)
                .register(registry);
        Gauge.builder("tokenwatch.jwks.age", jwks, j -> j.age().map(a -> a.toMillis() / 1000.0).orElse(Double.NaN))
                .description("Seconds since the current JWKS key set was fetched")
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry);
    }

    private static void registerCache(MeterRegistry registry, VerifiedTokenCache cache) {
        FunctionCounter.builder("tokenwatch.cache.lookups", cache, VerifiedTokenCache::hitCount)
                .tag("result", "hit")
                .description("Verified-token cache lookups, by result; hit / (hit + miss) is the hit ratio")
                .register(registry);
        FunctionCounter.builder("tokenwatch.cache.lookups", cache, VerifiedTokenCache::missCount)
                .tag("result", "miss")
                .description("Verified-token cache lookups, by result; hit / (hit + miss) is the hit ratio")
                .register(registry);
        Gauge.builder("tokenwatch.cache.size", cache, VerifiedTokenCache::verifiedSize)
                .tag("kind", "verified")
                .description("Tokens held by the verified-token cache, by kind")
                .strongReference(true)
                .register(registry);
        Gauge.builder("tokenwatch.cache.size", cache, VerifiedTokenCache::rejectedSize)
                .tag("kind", "rejected")
                .description("Tokens held by the verified-token cache, by kind")
                .strongReference(true)
                .register(registry);
    }

    private static Counter requestCounter(MeterRegistry registry, String outcome) {
        return Counter.builder("tokenwatch.requests")
                .description("Requests decided by the tokenwatch filter, by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    /** Counts one decision and records how long it took. */
    void record(Outcome outcome, long nanos) {
        requests.get(outcome).increment();
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts one request refused because the revocation view had not caught up. */
    void recordNotReady() {
        notReady.increment();
    }
}
