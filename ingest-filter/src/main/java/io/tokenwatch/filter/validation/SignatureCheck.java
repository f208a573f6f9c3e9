package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.Objects;

/**
 * The verdict of the signature layer alone ({@link TokenValidator#verifySignatureOnly}): the header
 * rules held and the signature verified with a configured key bound to the header's algorithm, or
 * the reason it did not. Says nothing about the claims; never a substitute for
 * {@link TokenValidator#validate}.
 *
 * <p>Immutable.
 *
 * @param outcome {@link Outcome#ACCEPTED} when the signature verified, else the rejection reason
 * @param detail  diagnostic text for debug logs; never contains the token
 */
public record SignatureCheck(Outcome outcome, String detail) {

    static final SignatureCheck VERIFIED = new SignatureCheck(Outcome.ACCEPTED, "signature verified");

    public SignatureCheck {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }

    public boolean verified() {
        return outcome == Outcome.ACCEPTED;
    }
}
