package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.Objects;

/** Requires {@code iss} to equal the configured issuer exactly (RFC 7519 §4.1.1, RFC 8725 §3.8). Thread-safe. */
public final class IssuerValidator implements ClaimValidator {

    private final String issuer;

    public IssuerValidator(String issuer) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        String iss = jwt.claims().issuer();
        if (iss == null) {
            return Result.failure(Outcome.MISSING_CLAIM, "iss is required");
        }
        // RFC 8725 §3.8: the issuer must be one whose keys these are; compared exactly, no normalising.
        if (!issuer.equals(iss)) {
            return Result.failure(Outcome.ISSUER, "issuer not accepted");
        }
        return Result.success();
    }
}
