package io.tokenwatch.filter.telemetry;

import io.tokenwatch.schemas.TokenUsageEvent;

/**
 * Where a filter hands its token-usage events. Implementations never block and never throw into the
 * request path (DESIGN.md §4: telemetry never blocks or fails a request).
 */
@FunctionalInterface
public interface UsageEventSink {

    /**
     * Hands over one event.
     *
     * @return false if the event was dropped (buffer full or sink closed)
     */
    boolean offer(TokenUsageEvent event);
}
