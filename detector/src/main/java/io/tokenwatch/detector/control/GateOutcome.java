package io.tokenwatch.detector.control;

import java.util.Locale;

/** What the {@link ControlGate} did with one finding; counted by outcome and rule. */
public enum GateOutcome {
    /** Published as an alert, with whatever containment the mode and the controls let through. */
    PUBLISHED,
    /** The rule's response is observe: counted only. */
    OBSERVED,
    /** A live suppression covers the rule and subject: counted only. */
    SUPPRESSED,
    /** The subject is an allow-listed service account, or its issuer is allow-listed, for this rule. */
    ALLOW_LISTED_SUBJECT,
    /** A network-dependent finding whose cited networks are allow-listed. */
    ALLOW_LISTED_NETWORK;

    /** Lower-case name, the metrics tag. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
