package io.tokenwatch.filter.revocation;

import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Revocation;

import java.util.Objects;

/**
 * A live {@code throttle} command from the revocation topic: the subject or client address named here
 * gets tightened rate limits until {@link #expiresAt()}. What "tightened" means is the rate limiter's
 * configuration; the topic only says who and until when. Immutable.
 *
 * @param key       the canonical scope key it was published under ({@code sub|iss|sub} or {@code ip|addr})
 * @param scope     {@link Revocation.Scope#SUBJECT} or {@link Revocation.Scope#IP}
 * @param issuer    the token issuer for subject scope, else null
 * @param value     the subject, or the client address (an exact address, never a CIDR)
 * @param expiresAt epoch ms; from this instant on the throttle no longer applies
 */
public record Throttle(String key, Revocation.Scope scope, String issuer, String value, long expiresAt) {

    public Throttle {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(value, "value");
        switch (scope) {
            case SUBJECT -> Objects.requireNonNull(issuer, "issuer");
            case IP -> {
                if (Keys.requireIpOrCidr(value).indexOf('/') >= 0) {
                    throw new IllegalArgumentException("address throttles are exact addresses: " + value);
                }
            }
            case JTI -> throw new IllegalArgumentException("rate limits are per subject or address, not per token");
        }
    }

    static Throttle of(Revocation revocation) {
        return new Throttle(revocation.key(), revocation.scope(), revocation.issuer(), revocation.value(),
                revocation.expiresAt());
    }

    /** True while the throttle applies at {@code nowMillis}. */
    public boolean isLiveAt(long nowMillis) {
        return nowMillis < expiresAt;
    }
}
