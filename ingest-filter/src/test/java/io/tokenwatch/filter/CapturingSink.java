package io.tokenwatch.filter;

import io.tokenwatch.filter.telemetry.UsageEventSink;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link UsageEventSink} that keeps every event it is offered, for assertions. Thread-safe. */
public final class CapturingSink implements UsageEventSink {

    private final List<TokenUsageEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public boolean offer(TokenUsageEvent event) {
        events.add(event);
        return true;
    }

    public List<TokenUsageEvent> events() {
        return List.copyOf(events);
    }

    /** The only event offered since the last {@link #clear()}; fails if there is not exactly one. */
    public TokenUsageEvent single() {
        if (events.size() != 1) {
            throw new AssertionError("expected exactly one event, got " + events.size() + ": " + events);
        }
        return events.get(0);
    }

    public void clear() {
        events.clear();
    }
}
