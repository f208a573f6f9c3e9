package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import io.tokenwatch.filter.jwks.JwksKeySource;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.validation.KeyRing;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Readiness of the filter (in {@code /health} and {@code /health/readiness}): UP once the issuer's keys
 * are at hand and the revocation view has replayed {@code tokenwatch.revocations} up to the end offsets
 * it saw at start (DESIGN.md §4: report ready only when caught up). Static keys are loaded when the
 * context starts, so with them only the replay is waited for; keys from a JWKS URL count once the
 * first set was fetched, and stay counted while later refreshes fail (the last good set is kept). A
 * broker that cannot be reached, or a JWKS endpoint that never answered, is DOWN (retrying), not a
 * crash. A filter that later loses Kafka stays UP and keeps enforcing what it has.
 *
 * <p>Details ({@code endpoints.health.details-visible}): revocation entries, records applied and
 * skipped, the algorithms of the keys and, for a JWKS, its URL, key count, fetch counts and the last
 * failure. Thread-safe.
 */
@Singleton
@Readiness
@Requires(beans = RevocationListener.class)
public final class TokenwatchReadinessIndicator implements HealthIndicator {

    static final String NAME = "tokenwatch";

    private final RevocationListener listener;
    private final RevocationView view;
    private final KeyRing keys;
    private final JwksKeySource jwks;

    public TokenwatchReadinessIndicator(RevocationListener listener, RevocationView view, KeyRing keys,
                                        @Nullable JwksKeySource jwks) {
        this.listener = listener;
        this.view = view;
        this.keys = keys;
        this.jwks = jwks;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        boolean caughtUp = listener.isReady();
        boolean keysLoaded = keys.isLoaded();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("keys", keysLoaded ? "loaded" : "not loaded yet");
        details.put("algorithms", keys.algorithms());
        if (jwks != null) {
            details.put("jwksUri", jwks.uri().toString());
            details.put("jwksKeys", jwks.keyCount());
            details.put("jwksFetches", jwks.successCount());
            details.put("jwksFailures", jwks.failureCount());
            jwks.lastFailure().ifPresent(reason -> details.put("jwksLastFailure", reason));
        }
        details.put("revocations", caughtUp ? "caught up" : "replaying (or Kafka unreachable)");
        details.put("revocationEntries", view.size());
        details.put("revocationsApplied", listener.appliedCount());
        details.put("revocationsUnreadable", listener.unreadableCount());
        return Publishers.just(HealthResult.builder(NAME, caughtUp && keysLoaded ? HealthStatus.UP : HealthStatus.DOWN)
                .details(details)
                .build());
    }
}
