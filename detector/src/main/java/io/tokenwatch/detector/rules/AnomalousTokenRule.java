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
 * @param outliers         lifetime and freshness outliers against each issuer's learned distribution
 */
public record AnomalousTokenRule(Duration maxLifetime, Duration maxFutureSkew, boolean issuerRejections,
                                 IncidentPolicy incidents, LifetimeOutliers outliers) {

    /**
     * Lifetime outliers per issuer: once an issuer's {@code exp − iat} and age-at-first-use
     * distributions rest on at least {@code minTokens} tokens, a verified token of a subject never seen
     * before that lives longer than {@code factor} × the issuer's {@code quantile} lifetime (a 6–20 h
     * token where the issuer mints 1 h ones), or was first used more than {@code factor} × the
     * issuer's {@code quantile} age and at least {@code minStaleAge} after its {@code iat} (minted long
     * before anyone used it), is alerted. Alert only, whatever the response policy says.
     *
     * @param enabled     whether the outlier checks run
     * @param minTokens   tokens an issuer's distributions need before they judge (the learning minimum)
     * @param quantile    the issuer's normal upper end, e.g. 0.99
     * @param factor      how far above it an outlier lies (at least 1)
     * @param minStaleAge the least age at first use that is ever "not fresh"
     */
    public record LifetimeOutliers(boolean enabled, int minTokens, double quantile, double factor,
                                   Duration minStaleAge) {

        public LifetimeOutliers {
            if (minTokens < 1) {
                throw new IllegalArgumentException("min tokens must be positive");
            }
            if (!(quantile > 0 && quantile < 1)) {
                throw new IllegalArgumentException("quantile must be in (0, 1)");
            }
            if (!(factor >= 1)) {
                throw new IllegalArgumentException("factor must be at least 1");
            }
            Objects.requireNonNull(minStaleAge, "minStaleAge");
        }

        /** On; 1,000 tokens to learn; outliers beyond 2 × the 99th percentile; stale from 30 min. */
        public static LifetimeOutliers defaults() {
            return new LifetimeOutliers(true, 1000, 0.99, 2.0, Duration.ofMinutes(30));
        }
    }

    public static final String NAME = "anomalous_token";
    public static final String VERSION = "2";

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
        Objects.requireNonNull(outliers, "outliers");
    }

    /** The settings before lifetime outliers, with those at their defaults. */
    public AnomalousTokenRule(Duration maxLifetime, Duration maxFutureSkew, boolean issuerRejections,
                              IncidentPolicy incidents) {
        this(maxLifetime, maxFutureSkew, issuerRejections, incidents, LifetimeOutliers.defaults());
    }

    /** Lifetimes up to 24 h, {@code iat} up to 5 min ahead, issuer rejections alerted, outliers per issuer. */
    public static AnomalousTokenRule defaults() {
        return new AnomalousTokenRule(Duration.ofHours(24), Duration.ofMinutes(5), true, IncidentPolicy.defaults());
    }

    public AnomalousTokenRule withMaxLifetime(Duration value) {
        return new AnomalousTokenRule(value, maxFutureSkew, issuerRejections, incidents, outliers);
    }

    public AnomalousTokenRule withMaxFutureSkew(Duration value) {
        return new AnomalousTokenRule(maxLifetime, value, issuerRejections, incidents, outliers);
    }

    public AnomalousTokenRule withIssuerRejections(boolean value) {
        return new AnomalousTokenRule(maxLifetime, maxFutureSkew, value, incidents, outliers);
    }

    public AnomalousTokenRule withIncidents(IncidentPolicy value) {
        return new AnomalousTokenRule(maxLifetime, maxFutureSkew, issuerRejections, value, outliers);
    }

    public AnomalousTokenRule withOutliers(LifetimeOutliers value) {
        return new AnomalousTokenRule(maxLifetime, maxFutureSkew, issuerRejections, incidents, value);
    }
}
