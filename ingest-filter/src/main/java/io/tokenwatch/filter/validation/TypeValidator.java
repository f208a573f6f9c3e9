package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.Locale;

/**
 * Requires the header {@code typ} to name one media type, so a token of another kind (an ID token,
 * a logout token) signed by the same issuer cannot pass as this kind (RFC 8725 §3.11, §3.12). Media
 * types compare case-insensitively, and {@code application/} may be left out (RFC 7515 §4.1.9), so
 * {@code at+jwt}, {@code AT+JWT} and {@code application/at+jwt} are the same type (RFC 9068 §2.1).
 * Thread-safe.
 */
public final class TypeValidator implements ClaimValidator {

    private final String expected;

    public TypeValidator(String mediaType) {
        this.expected = normalise(mediaType);
    }

    @Override
    public Result validate(VerifiedJwt jwt) {
        // RFC 8725 §3.11: explicit typing means the type is there and is the one expected; RFC 9068 §4:
        // a resource server rejects access tokens carrying any other typ.
        if (jwt.type() == null) {
            return Result.failure(Outcome.TYPE, "typ is required, expected " + expected);
        }
        if (!expected.equals(normalise(jwt.type()))) {
            return Result.failure(Outcome.TYPE, "typ is not " + expected);
        }
        return Result.success();
    }

    /**
     * RFC 7515 §4.1.9: a typ without '/' is read as if "application/" were prepended; media types are
     * case-insensitive (RFC 2045 §5.1).
     */
    private static String normalise(String mediaType) {
        String lower = mediaType.toLowerCase(Locale.ROOT);
        return lower.indexOf('/') < 0 ? "application/" + lower : lower;
    }
}
