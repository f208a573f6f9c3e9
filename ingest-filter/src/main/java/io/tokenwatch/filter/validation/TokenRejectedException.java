package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.Objects;

/**
 * Internal signal that a token failed a check; translated into a {@link ValidationResult} before it
 * leaves the validation package. The message is diagnostic detail for debug logs; it never contains
 * the token.
 */
final class TokenRejectedException extends RuntimeException {

    private final Outcome outcome;

    TokenRejectedException(Outcome outcome, String detail) {
        super(detail, null, false, false);
        this.outcome = Objects.requireNonNull(outcome);
    }

    Outcome outcome() {
        return outcome;
    }
}
