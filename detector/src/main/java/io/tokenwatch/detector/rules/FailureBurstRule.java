package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.IncidentPolicy;
import io.tokenwatch.schemas.Outcome;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the failure-burst rule: at least {@code threshold} <em>distinct tokens</em> of one
 * verified subject refused with one of {@code outcomes} within {@code window} raise an alert. A client
 * with a live session refreshes its token after one or two refusals, and a client stuck retrying one
 * expired token presents that one token however often it retries; many different refused tokens in
 * one window mean someone is working through a stash of the subject's old tokens. The window is long
 * (45 min by default) because such a stash is tried at a human or scripted pace over many minutes.
 *
 * <p>Only outcomes reached after the signature verified belong here: forgery signals
 * ({@code bad_signature}, {@code alg_not_allowed}, {@code unknown_key}, {@code malformed}) name no
 * trustworthy subject and are the forged-token burst rule's, and {@code accepted} is no failure.
 *
 * @param threshold distinct refused tokens within the window that make a burst (at least 2)
 * @param window    how far back rejections count (a sliding window)
 * @param outcomes  which rejections count
 * @param incidents how repeats are grouped into one incident and how often it is re-reported
 */
public record FailureBurstRule(int threshold, Duration window, Set<Outcome> outcomes, IncidentPolicy incidents) {

    public static final String NAME = "verified_failure_burst";
    public static final String VERSION = "2";

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
     * 10 distinct tokens within 45 minutes refused as {@code expired}, {@code not_yet_valid},
     * {@code audience}, {@code type}, {@code lifetime_exceeded}, {@code missing_claim} or
     * {@code revoked}. Not {@code rate_limited}: a rate-limited token is a good token sent too often,
     * and a service whose workers each hold their own token would otherwise look like a stash.
     */
    public static FailureBurstRule defaults() {
        return new FailureBurstRule(10, Duration.ofMinutes(45),
                EnumSet.of(Outcome.EXPIRED, Outcome.NOT_YET_VALID, Outcome.AUDIENCE, Outcome.TYPE,
                        Outcome.LIFETIME_EXCEEDED, Outcome.MISSING_CLAIM, Outcome.REVOKED),
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

    /**
     * Most tokens remembered per subject: a few beyond the threshold, so a stash of any size costs the
     * same bounded state and the alert can still say how far past the threshold it went.
     */
    int tokenCap() {
        return threshold + 16;
    }
}
