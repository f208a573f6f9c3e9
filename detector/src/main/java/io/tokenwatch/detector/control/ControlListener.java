package io.tokenwatch.detector.control;

import io.tokenwatch.schemas.Revocation;

import java.util.List;

/**
 * Told what the {@link ControlGate} did, e.g. to count it. Called on stream threads (the global thread
 * for {@link #suppressionRejected}): implementations must be thread-safe and must not block. Every
 * method does nothing by default.
 */
public interface ControlListener {

    /** The gate decided {@code outcome} about a finding of {@code rule}. */
    default void gated(String rule, GateOutcome outcome) {
    }

    /** In audit mode, the gate withheld containment that enforce mode would have published. */
    default void wouldIssue(String rule, List<Revocation> withheld) {
    }

    /** A record on {@code tokenwatch.suppressions} was ignored (unreadable, or not under its own key). */
    default void suppressionRejected() {
    }
}
