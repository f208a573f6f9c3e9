package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.IncidentPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the anomalous-token rule: tokens that should not exist. A token whose signature
 * verified yet lives longer than {@code maxLifetime} ({@code exp - iat}), or whose {@code iat} lies
 * more than {@code maxFutureSkew} after the request, was minted against policy (a misconfigured or
 * compromised signer, a token forged with a leaked key) even if some filter let it through. And a
 * request refused for its issuer ({@code issuer}) carries a token from an issuer the filters do not
 * accept, when {@code issuerRejections} is on.
 *
 * @param maxLifetime      the longest {@code exp - iat} policy allows; the filters' default is 24 h
 * @param maxFutureSkew    how far after the request {@code iat} may lie (clock skew); the filters
 *                         allow at most 5 min
 * @param issuerRejections whether {@code issuer} rejections raise an alert
 * @param incidents        how repeats are grouped into one incident and how often it is re-reported
 */
public record AnomalousTokenRule(Duration maxLifetime, Duration maxFutureSkew, boolean issuerRejections,
                                 IncidentPolicy incidents) {

    public static final String NAME = "anomalous_token";
    public static final String VERSION = "1";

    public AnomalousTokenRule {
        Objects.requireNonNull(maxLifetime, "maxLifetime");
        if (maxLifetime.isNegative() || maxLifetime.isZero()) {
            throw new IllegalArgumentException("max lifetime must be positive");
        }
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        if (maxFutureSkew.isNegative()) {
            throw new IllegalArgumentException("max future skew must not be negative");
        }
        Objects.requireNonNull(incidents, "incidents");
    }

    /** Lifetimes up to 24 h, {@code iat} up to 5 min ahead, issuer rejections alerted. */
    public static AnomalousTokenRule defaults() {
        return new AnomalousTokenRule(Duration.ofHours(24), Duration.ofMinutes(5), true, IncidentPolicy.defaults());
    }

    public AnomalousTokenRule withMaxLifetime(Duration value) {
        return new AnomalousTokenRule(value, maxFutureSkew, issuerRejections, incidents);
    }

    public AnomalousTokenRule withMaxFutureSkew(Duration value) {
        return new AnomalousTokenRule(maxLifetime, value, issuerRejections, incidents);
    }

    public AnomalousTokenRule withIssuerRejections(boolean value) {
        return new AnomalousTokenRule(maxLifetime, maxFutureSkew, value, incidents);
    }

    public AnomalousTokenRule withIncidents(IncidentPolicy value) {
        return new AnomalousTokenRule(maxLifetime, maxFutureSkew, issuerRejections, value);
    }
}
