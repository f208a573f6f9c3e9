package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Rejects a token issued in the future, beyond the allowed clock skew. RFC 7519 §4.1.6 defines
 * {@code iat} as the time the token was issued; a time still to come is either an issuer with a
 * broken clock or a token made to outlive its lifetime check. Whether {@code iat} must be present
 * is {@link RequiredClaimsValidator}'s business. Thread-safe.
 */
public final class IssuedAtValidator implements ClaimValidator {

    private final Clock clock;
    private final Duration clockSkew;

    public IssuedAtValidator(Clock clock, Duration clockSkew) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        Instant iat = jwt.claims().issuedAt();
        // RFC 7519 §4.1.6: iat is when the token was issued, which cannot be after now (plus skew).
        if (iat != null && iat.isAfter(clock.instant().plus(clockSkew))) {
            return Result.failure(Outcome.NOT_YET_VALID, "issued in the future, at " + iat);
        }
        return Result.success();
    }
}
