package io.tokenwatch.detector.incident;

import java.time.Duration;
import java.util.Objects;

/**
 * How a rule groups repeated findings into one incident: occurrences closer together than
 * {@code cooldown} belong to one incident, and while it is open the SIEM hears about it at most once
 * per {@code updateInterval} (as an OCSF Update of the same finding) rather than once per event.
 *
 * @param cooldown       quiet time after the last occurrence that closes an incident; the next
 *                       occurrence opens a new one with a new finding uid
 * @param updateInterval least time between two reports of one open incident
 */
public record IncidentPolicy(Duration cooldown, Duration updateInterval) {

    public IncidentPolicy {
        Objects.requireNonNull(cooldown, "cooldown");
        Objects.requireNonNull(updateInterval, "updateInterval");
        if (cooldown.isNegative() || cooldown.isZero()) {
            throw new IllegalArgumentException("cooldown must be positive");
        }
        if (updateInterval.isNegative() || updateInterval.isZero()) {
            throw new IllegalArgumentException("update interval must be positive");
        }
        if (updateInterval.compareTo(cooldown) > 0) {
            throw new IllegalArgumentException("update interval must not exceed the cooldown");
        }
    }

    /** A 10 minute cooldown, at most one update a minute. */
    public static IncidentPolicy defaults() {
        return new IncidentPolicy(Duration.ofMinutes(10), Duration.ofMinutes(1));
    }

    public IncidentPolicy withCooldown(Duration value) {
        return new IncidentPolicy(value, updateInterval);
    }

    public IncidentPolicy withUpdateInterval(Duration value) {
        return new IncidentPolicy(cooldown, value);
    }
}
