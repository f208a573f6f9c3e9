package io.tokenwatch.filter.validation;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a token says about itself, and whether that can be believed. When {@code verified} is false
 * the claims were read from a payload whose signature did not verify: they are an attacker's words
 * and must never be acted upon against the subject they name (DESIGN.md §4).
 *
 * <p>Immutable.
 *
 * @param fingerprint lower-case hex SHA-256 of the compact token; the only identity of a token that
 *                    may be logged or emitted
 * @param verified    true when the signature verified against a configured key
 * @param alg         header {@code alg}
 * @param kid         header {@code kid}
 * @param jti         {@code jti}
 * @param subject     {@code sub}
 * @param issuer      {@code iss}
 * @param audience    {@code aud} values
 * @param issuedAt    {@code iat}
 * @param expiresAt   {@code exp}
 * @param notBefore   {@code nbf}
 */
public record TokenClaims(
        String fingerprint,
        boolean verified,
        String alg,
        String kid,
        String jti,
        String subject,
        String issuer,
        List<String> audience,
        Instant issuedAt,
        Instant expiresAt,
        Instant notBefore) {

    public TokenClaims {
        Objects.requireNonNull(fingerprint, "fingerprint");
        audience = audience == null ? List.of() : List.copyOf(audience);
    }

    /** A copy marked unverified: used when the signature held but a claim check failed afterwards. */
    TokenClaims withVerified(boolean value) {
        return new TokenClaims(fingerprint, value, alg, kid, jti, subject, issuer, audience, issuedAt, expiresAt,
                notBefore);
    }

    /** Only a fingerprint: nothing of the token could be read. */
    static TokenClaims unreadable(String fingerprint) {
        return new TokenClaims(fingerprint, false, null, null, null, null, null, List.of(), null, null, null);
    }
}
