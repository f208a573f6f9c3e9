package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.Set;

/**
 * Requires at least one {@code aud} value to be an accepted audience. RFC 7519 §4.1.3: if the
 * principal does not identify itself with a value in {@code aud}, the token MUST be rejected; RFC
 * 8725 §3.9 asks for {@code aud} so a token minted for one service cannot be replayed at another.
 * Thread-safe.
 */
public final class AudienceValidator implements ClaimValidator {

    private final Set<String> accepted;

    public AudienceValidator(Set<String> accepted) {
        if (accepted.isEmpty()) {
            throw new IllegalArgumentException("at least one audience is required");
        }
        this.accepted = Set.copyOf(accepted);
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        if (jwt.claims().audience().isEmpty()) {
            return Result.failure(Outcome.MISSING_CLAIM, "aud is required");
        }
        for (String aud : jwt.claims().audience()) {
            if (accepted.contains(aud)) {
                return Result.success();
            }
        }
        return Result.failure(Outcome.AUDIENCE, "audience not accepted");
    }
}
