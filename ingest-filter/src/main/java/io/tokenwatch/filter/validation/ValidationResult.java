package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.List;
import java.util.Objects;

/**
 * The verdict on one token: valid with its verified claims, or invalid with a stable reason. Results,
 * not booleans, so the caller can emit the precise reason and answer with the right status.
 *
 * <p>Immutable.
 *
 * @param outcome {@link Outcome#ACCEPTED} or the first rejection reason
 * @param claims  what the token says; {@code verified} tells whether it can be believed. Never null:
 *                at least the fingerprint is known once a token was presented
 * @param errors  every failed check, for debug logs (never shown to clients, never containing the token)
 */
public record ValidationResult(Outcome outcome, TokenClaims claims, List<String> errors) {

    public ValidationResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(claims, "claims");
        errors = List.copyOf(errors);
    }

    public static ValidationResult success(TokenClaims claims) {
        if (!claims.verified()) {
            throw new IllegalArgumentException("a valid result needs verified claims");
        }
        return new ValidationResult(Outcome.ACCEPTED, claims, List.of());
    }

    public static ValidationResult failure(Outcome reason, TokenClaims claims, List<String> errors) {
        if (reason == Outcome.ACCEPTED) {
            throw new IllegalArgumentException("a failure needs a rejection reason");
        }
        return new ValidationResult(reason, claims, errors);
    }

    public boolean isValid() {
        return outcome == Outcome.ACCEPTED;
    }
}
