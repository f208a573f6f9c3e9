package io.tokenwatch.detector.rules;

import java.util.Locale;

/** What the detector does about a profile finding, from watching to revoking ({@link ResponsePolicy}). */
public enum ResponseAction {
    /** Nothing leaves the detector: the finding is only logged (at debug), e.g. to try a rule out. */
    OBSERVE,
    /** An alert for the SIEM. */
    ALERT,
    /**
     * Ask the subject to authenticate again: a subject-scope {@code step_up} with {@code not_before} =
     * now. Not containment: allowed on a single signal.
     */
    STEP_UP_SUBJECT,
    /** Slow the subject down: a subject-scope {@code throttle} with {@code not_before} = now. */
    THROTTLE_SUBJECT,
    /** Block the token of the triggering request ({@code jti} scope), when it has a {@code jti}. */
    REVOKE_TOKEN,
    /** Block every token of the subject issued until now (subject scope, {@code not_before} = now). */
    REVOKE_SUBJECT;

    /**
     * Whether this action locks the subject out or slows it down (throttle, token or subject
     * revocation): for the profile rules these need corroboration, two independent signals.
     */
    public boolean isContainment() {
        return this == THROTTLE_SUBJECT || this == REVOKE_TOKEN || this == REVOKE_SUBJECT;
    }

    /** Lower-case name as written in alerts, e.g. {@code throttle_subject}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
