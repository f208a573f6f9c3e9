package io.tokenwatch.filter.ratelimit;

import io.github.bucket4j.TimeMeter;

import java.time.Clock;
import java.util.Objects;

/**
 * Bucket4j's time source, read from an injected {@link Clock} so tests pin and move time instead of
 * sleeping. Millisecond resolution is plenty for request rates. Thread-safe if the clock is.
 */
final class ClockTimeMeter implements TimeMeter {

    private final Clock clock;

    ClockTimeMeter(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public long currentTimeNanos() {
        return clock.millis() * 1_000_000L;
    }

    @Override
    public boolean isWallClockBased() {
        // A java.time.Clock tells wall time (epoch based), unlike System.nanoTime.
        return true;
    }
}
