package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Requires each configured claim to be present with a non-null value, one failure per missing claim.
 * Which claims a token must carry is the application's choice (RFC 7519 §4); RFC 9068 §2.2 lists
 * those of an OAuth access token ({@code iss}, {@code exp}, {@code aud}, {@code sub},
 * {@code client_id}, {@code iat}, {@code jti}). Thread-safe.
 */
public final class RequiredClaimsValidator implements ClaimValidator {

    /** Sorted, so failures come in a stable order. */
    private final List<String> required;

    public RequiredClaimsValidator(Set<String> required) {
        this.required = List.copyOf(new TreeSet<>(required));
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        List<Failure> missing = new ArrayList<>();
        for (String name : required) {
            if (!jwt.has(name)) {
                missing.add(new Failure(Outcome.MISSING_CLAIM, name + " is required"));
            }
        }
        return missing.isEmpty() ? Result.success() : new Result(missing);
    }
}
