package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Requires {@code exp} and rejects tokens at or after it, allowing a bounded clock skew. RFC 7519
 * leaves {@code exp} optional, but a token without it never expires: a stolen one works forever.
 * RFC 9068 §2.2 makes it required for access tokens, and so does DESIGN.md §4. Thread-safe.
 */
public final class ExpirationValidator implements ClaimValidator {

    private final Clock clock;
    private final Duration clockSkew;

    public ExpirationValidator(Clock clock, Duration clockSkew) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        Instant exp = jwt.claims().expiresAt();
        if (exp == null) {
            // RFC 9068 §2.2: exp is REQUIRED.
            return Result.failure(Outcome.MISSING_CLAIM, "exp is required");
        }
        // RFC 7519 §4.1.4: the token MUST NOT be accepted on or after exp (plus the allowed skew).
        if (!clock.instant().isBefore(exp.plus(clockSkew))) {
            return Result.failure(Outcome.EXPIRED, "expired at " + exp);
        }
        return Result.success();
    }
}
