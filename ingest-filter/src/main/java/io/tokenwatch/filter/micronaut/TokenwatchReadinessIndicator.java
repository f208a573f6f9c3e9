package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.validation.KeyRing;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Readiness of the filter (in {@code /health} and {@code /health/readiness}): UP once the keys are
 * loaded and the revocation view has replayed {@code tokenwatch.revocations} up to the end offsets it
 * saw at start (DESIGN.md §4: report ready only when caught up). Keys are loaded when the context
 * starts, so a running filter always has them; what this indicator waits for is the replay, which
 * also covers a broker that cannot be reached (DOWN, retrying, not a crash). A filter that later loses
 * Kafka stays UP and keeps enforcing what it has.
 *
 * <p>Details ({@code endpoints.health.details-visible}): revocation entries, records applied and
 * skipped, and the algorithms of the loaded keys. Thread-safe.
 */
@Singleton
@Readiness
@Requires(beans = RevocationListener.class)
public final class TokenwatchReadinessIndicator implements HealthIndicator {

    static final String NAME = "tokenwatch";

    private final RevocationListener listener;
    private final RevocationView view;
    private final KeyRing keys;

    public TokenwatchReadinessIndicator(RevocationListener listener, RevocationView view, KeyRing keys) {
        this.listener = listener;
        this.view = view;
        this.keys = keys;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        boolean caughtUp = listener.isReady();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("keys", "loaded");
        details.put("algorithms", keys.algorithms());
        details.put("revocations", caughtUp ? "caught up" : "replaying (or Kafka unreachable)");
        details.put("revocationEntries", view.size());
        details.put("revocationsApplied", listener.appliedCount());
        details.put("revocationsUnreadable", listener.unreadableCount());
        return Publishers.just(HealthResult.builder(NAME, caughtUp ? HealthStatus.UP : HealthStatus.DOWN)
                .details(details)
                .build());
    }
}
