package io.tokenwatch.schemas;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a filter decided for one request: {@link #ACCEPTED} or one distinct rejection reason.
 * The wire value is the lower-case name (e.g. {@code bad_signature}).
 */
public enum Outcome {
    ACCEPTED,
    /** No bearer token where one was required. */
    MISSING_TOKEN,
    /** Not a compact JWS, over the size cap, several tokens in one request, undecodable parts. */
    MALFORMED,
    BAD_SIGNATURE,
    ALG_NOT_ALLOWED,
    UNKNOWN_KEY,
    EXPIRED,
    NOT_YET_VALID,
    ISSUER,
    AUDIENCE,
    TYPE,
    LIFETIME_EXCEEDED,
    MISSING_CLAIM,
    REVOKED,
    RATE_LIMITED,
    /** Keys could not be obtained at all; the filter could not check the token. */
    KEYS_UNAVAILABLE;

    private static final Map<String, Outcome> BY_WIRE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(Outcome::wire, Function.identity()));

    @JsonValue
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    @JsonCreator
    public static Outcome fromWire(String wire) {
        Outcome outcome = BY_WIRE.get(wire);
        if (outcome == null) {
            throw new IllegalArgumentException("unknown outcome: " + wire);
        }
        return outcome;
    }

    /** Rejections that only someone without a valid key can cause: forged or garbage tokens. */
    public boolean isForgerySignal() {
        return this == BAD_SIGNATURE || this == ALG_NOT_ALLOWED || this == UNKNOWN_KEY || this == MALFORMED;
    }
}
