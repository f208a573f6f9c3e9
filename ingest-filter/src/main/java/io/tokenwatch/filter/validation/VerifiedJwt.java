package io.tokenwatch.filter.validation;

import java.util.Objects;
import java.util.Set;

/**
 * A token whose signature verified, as the claim checks see it: the {@link TokenClaims} every
 * caller gets, plus the header {@code typ} and the names of all claims present, which only some
 * checks need.
 *
 * <p>Immutable.
 *
 * @param claims     the verified claims
 * @param type       header {@code typ}, or {@code null}
 * @param claimNames every claim name with a non-null value
 */
public record VerifiedJwt(TokenClaims claims, String type, Set<String> claimNames) {

    public VerifiedJwt {
        Objects.requireNonNull(claims, "claims");
        claimNames = Set.copyOf(claimNames);
    }

    /** True when the payload carries {@code name} with a non-null value. */
    public boolean has(String name) {
        return claimNames.contains(name);
    }
}
