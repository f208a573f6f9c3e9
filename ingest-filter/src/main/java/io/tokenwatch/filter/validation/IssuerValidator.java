package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.Objects;

/** Requires {@code iss} to equal the configured issuer exactly (RFC 7519 §4.1.1). Thread-safe. */
public final class IssuerValidator implements ClaimValidator {

    private final String issuer;

    public IssuerValidator(String issuer) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
    }

    @Override
    public Result validate(TokenClaims claims) {
        if (claims.issuer() == null) {
            return Result.failure(Outcome.MISSING_CLAIM, "iss is required");
        }
        if (!issuer.equals(claims.issuer())) {
            return Result.failure(Outcome.ISSUER, "issuer not accepted");
        }
        return Result.success();
    }
}
