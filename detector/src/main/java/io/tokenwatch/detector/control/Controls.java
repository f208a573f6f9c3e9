package io.tokenwatch.detector.control;

import java.util.Objects;

/**
 * What operators say about the detector's output: the mode (audit or enforce), per-rule responses,
 * and what is normal (allow-listed networks, service accounts and issuers). Suppressions by rule and
 * subject are not here: they change at run time and arrive on {@code tokenwatch.suppressions}
 * ({@link Suppressions}). Applied by the {@link ControlGate}; the responses of policy-driven rules
 * are also written into the rules' response policy ({@link ResponseOverrides#applyTo}). Immutable.
 *
 * @param mode      audit or enforce
 * @param responses per-rule responses
 * @param networks  allow-listed networks
 * @param subjects  allow-listed service accounts and issuers
 */
public record Controls(DetectorMode mode, ResponseOverrides responses, NetworkAllowList networks,
                       SubjectAllowList subjects) {

    public Controls {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(responses, "responses");
        Objects.requireNonNull(networks, "networks");
        Objects.requireNonNull(subjects, "subjects");
    }

    /** Enforce, nothing overridden, nothing allow-listed: the detector as it was before these controls. */
    public static Controls enforcing() {
        return new Controls(DetectorMode.ENFORCE, ResponseOverrides.none(), NetworkAllowList.none(),
                SubjectAllowList.none());
    }

    /** Audit, nothing overridden, nothing allow-listed: what {@code tokenwatch detector} starts with. */
    public static Controls audit() {
        return enforcing().withMode(DetectorMode.AUDIT);
    }

    public Controls withMode(DetectorMode value) {
        return new Controls(value, responses, networks, subjects);
    }

    public Controls withResponses(ResponseOverrides value) {
        return new Controls(mode, value, networks, subjects);
    }

    public Controls withNetworks(NetworkAllowList value) {
        return new Controls(mode, responses, value, subjects);
    }

    public Controls withSubjects(SubjectAllowList value) {
        return new Controls(mode, responses, networks, value);
    }

    /** One line for the start-up message and logs. */
    public String summary() {
        return "mode " + mode.wire() + ", " + responses.entries().size() + " response override(s), "
                + networks.entries().size() + " allow-listed network(s), " + subjects.entries().size()
                + " allow-listed service account/issuer entr" + (subjects.entries().size() == 1 ? "y" : "ies");
    }
}
