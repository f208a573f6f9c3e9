package io.tokenwatch.filter.validation;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs every configured check and collects all failures, so debug logs show each problem of a token
 * at once. The first failure decides the rejection reason. Immutable and thread-safe.
 */
public final class DelegatingClaimValidator implements ClaimValidator {

    private final List<ClaimValidator> validators;

    public DelegatingClaimValidator(List<ClaimValidator> validators) {
        this.validators = List.copyOf(validators);
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        List<Failure> failures = new ArrayList<>();
        for (ClaimValidator validator : validators) {
            failures.addAll(validator.validate(jwt).failures());
        }
        return failures.isEmpty() ? Result.success() : new Result(failures);
    }
}
