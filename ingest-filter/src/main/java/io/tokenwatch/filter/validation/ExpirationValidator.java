package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Requires {@code exp} and rejects tokens at or after it, allowing a bounded clock skew. A token
 * without {@code exp} never expires, which RFC 8725 §3.10 advises against; here it is refused.
 * Thread-safe.
 */
public final class ExpirationValidator implements ClaimValidator {

    private final Clock clock;
    private final Duration clockSkew;

    public ExpirationValidator(Clock clock, Duration clockSkew) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
    }

    @Override
    public Result validate(TokenClaims claims) {
        Instant exp = claims.expiresAt();
        if (exp == null) {
            return Result.failure(Outcome.MISSING_CLAIM, "exp is required");
        }
        // RFC 7519 §4.1.4: the token MUST NOT be accepted on or after exp (plus the allowed skew).
        if (!clock.instant().isBefore(exp.plus(clockSkew))) {
            return Result.failure(Outcome.EXPIRED, "expired at " + exp);
        }
        return Result.success();
    }
}
