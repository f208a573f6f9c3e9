package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.IncidentPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the revoked-token use rule: a verified token that filters reject as
 * {@code revoked} and that is presented again anyway is being used by someone who did not get (or
 * ignores) the message — typically whoever stole it.
 *
 * @param minAttempts           rejected attempts with one token, within one incident, before the rule
 *                              fires (1: the first attempt after revocation)
 * @param revokeSubject         also revoke every token of the subject issued up to the attempt
 *                              (subject scope, {@code not_before} = the attempt's time)
 * @param subjectRevocationTtl  how long such a subject revocation lasts; must outlast the longest
 *                              token lifetime any issuer grants plus the largest clock skew, since
 *                              tokens issued before {@code not_before} live that long
 * @param incidents             how repeats are grouped into one incident and how often it is re-reported
 */
public record RevokedTokenUseRule(int minAttempts, boolean revokeSubject, Duration subjectRevocationTtl,
                                  IncidentPolicy incidents) {

    public static final String NAME = "revoked_token_use";
    public static final String VERSION = "1";

    public RevokedTokenUseRule {
        if (minAttempts < 1) {
            throw new IllegalArgumentException("min attempts must be at least 1");
        }
        Objects.requireNonNull(subjectRevocationTtl, "subjectRevocationTtl");
        if (subjectRevocationTtl.isNegative() || subjectRevocationTtl.isZero()) {
            throw new IllegalArgumentException("subject revocation ttl must be positive");
        }
        Objects.requireNonNull(incidents, "incidents");
    }

    /** Fires on the first attempt; alerts only (no subject revocation); subject revocations would last 24 h. */
    public static RevokedTokenUseRule defaults() {
        return new RevokedTokenUseRule(1, false, Duration.ofHours(24), IncidentPolicy.defaults());
    }

    public RevokedTokenUseRule withMinAttempts(int value) {
        return new RevokedTokenUseRule(value, revokeSubject, subjectRevocationTtl, incidents);
    }

    public RevokedTokenUseRule withRevokeSubject(boolean value) {
        return new RevokedTokenUseRule(minAttempts, value, subjectRevocationTtl, incidents);
    }

    public RevokedTokenUseRule withSubjectRevocationTtl(Duration value) {
        return new RevokedTokenUseRule(minAttempts, revokeSubject, value, incidents);
    }

    public RevokedTokenUseRule withIncidents(IncidentPolicy value) {
        return new RevokedTokenUseRule(minAttempts, revokeSubject, subjectRevocationTtl, value);
    }
}
