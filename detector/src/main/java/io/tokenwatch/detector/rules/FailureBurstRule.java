package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.IncidentPolicy;
import io.tokenwatch.schemas.Outcome;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the failure-burst rule: at least {@code threshold} rejections with one of
 * {@code outcomes} for one verified subject within {@code window} raise an alert. A client with a
 * live session refreshes its token after one or two refusals; a burst means a client (or someone
 * holding a pile of the subject's old tokens) keeps presenting tokens that cannot work.
 *
 * <p>Only outcomes reached after the signature verified belong here: forgery signals
 * ({@code bad_signature}, {@code alg_not_allowed}, {@code unknown_key}, {@code malformed}) name no
 * trustworthy subject and are the forged-token burst rule's, and {@code accepted} is no failure.
 *
 * @param threshold rejections within the window that make a burst (at least 2)
 * @param window    how far back rejections count (a sliding window)
 * @param outcomes  which rejections count
 * @param incidents how repeats are grouped into one incident and how often it is re-reported
 */
public record FailureBurstRule(int threshold, Duration window, Set<Outcome> outcomes, IncidentPolicy incidents) {

    public static final String NAME = "verified_failure_burst";
    public static final String VERSION = "1";

    public FailureBurstRule {
        if (threshold < 2) {
            throw new IllegalArgumentException("threshold must be at least 2");
        }
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive");
        }
        Objects.requireNonNull(outcomes, "outcomes");
        if (outcomes.isEmpty()) {
            throw new IllegalArgumentException("at least one outcome must count");
        }
        for (Outcome outcome : outcomes) {
            if (outcome == Outcome.ACCEPTED || outcome.isForgerySignal() || outcome == Outcome.MISSING_TOKEN
                    || outcome == Outcome.KEYS_UNAVAILABLE) {
                throw new IllegalArgumentException(outcome.wire() + " is not a rejection of a verified token");
            }
        }
        outcomes = Set.copyOf(outcomes);
        Objects.requireNonNull(incidents, "incidents");
    }

    /**
     * 20 within 5 minutes of {@code expired}, {@code not_yet_valid}, {@code audience}, {@code type},
     * {@code lifetime_exceeded}, {@code missing_claim}, {@code revoked} or {@code rate_limited}.
     */
    public static FailureBurstRule defaults() {
        return new FailureBurstRule(20, Duration.ofMinutes(5),
                EnumSet.of(Outcome.EXPIRED, Outcome.NOT_YET_VALID, Outcome.AUDIENCE, Outcome.TYPE,
                        Outcome.LIFETIME_EXCEEDED, Outcome.MISSING_CLAIM, Outcome.REVOKED, Outcome.RATE_LIMITED),
                IncidentPolicy.defaults());
    }

    public FailureBurstRule withThreshold(int value) {
        return new FailureBurstRule(value, window, outcomes, incidents);
    }

    public FailureBurstRule withWindow(Duration value) {
        return new FailureBurstRule(threshold, value, outcomes, incidents);
    }

    public FailureBurstRule withOutcomes(Set<Outcome> value) {
        return new FailureBurstRule(threshold, window, value, incidents);
    }

    public FailureBurstRule withIncidents(IncidentPolicy value) {
        return new FailureBurstRule(threshold, window, outcomes, value);
    }

    /** Width of one counting slot: the window split in {@link ForgedTokenBurstRule#SLOTS_PER_WINDOW}, at least 1 s. */
    long slotMillis() {
        return Math.max(1000, window.toMillis() / ForgedTokenBurstRule.SLOTS_PER_WINDOW);
    }
}
