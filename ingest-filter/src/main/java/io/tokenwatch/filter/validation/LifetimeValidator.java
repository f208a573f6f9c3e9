package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Caps how long a token may live: {@code exp - iat} must not exceed the maximum. A token without
 * {@code iat} is held to the same cap from now: its {@code exp} may be at most the maximum (plus
 * skew) ahead, since it cannot have been issued later than now. Short lifetimes bound what a stolen
 * token is worth (RFC 6819 §5.1.5.3). Whether {@code iat} must be present is
 * {@link RequiredClaimsValidator}'s business; a missing {@code exp} is {@link ExpirationValidator}'s.
 * Thread-safe.
 */
public final class LifetimeValidator implements ClaimValidator {

    private final Duration maxLifetime;
    private final Clock clock;
    private final Duration clockSkew;

    public LifetimeValidator(Duration maxLifetime, Clock clock, Duration clockSkew) {
        this.maxLifetime = Objects.requireNonNull(maxLifetime, "maxLifetime");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        Instant exp = jwt.claims().expiresAt();
        if (exp == null) {
            return Result.success();
        }
        Instant iat = jwt.claims().issuedAt();
        // RFC 6819 §5.1.5.3: short-lived tokens; a longer life than the issuer policy allows is refused.
        if (iat != null && Duration.between(iat, exp).compareTo(maxLifetime) > 0) {
            return Result.failure(Outcome.LIFETIME_EXCEEDED,
                    "lifetime " + Duration.between(iat, exp) + " exceeds " + maxLifetime);
        }
        if (iat == null && exp.isAfter(clock.instant().plus(maxLifetime).plus(clockSkew))) {
            return Result.failure(Outcome.LIFETIME_EXCEEDED, "exp is more than " + maxLifetime + " away");
        }
        return Result.success();
    }
}
