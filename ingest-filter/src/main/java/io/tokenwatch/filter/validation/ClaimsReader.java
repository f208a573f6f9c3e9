package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tokenwatch.schemas.Outcome;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the JWT claims set of a verified JWS payload in one streaming pass (RFC 7519 §4, §7.2
 * step 10): a strict JSON object with no duplicate names, whose registered claims have the types
 * RFC 7519 §4.1 gives them. Everything else is skipped, but its name is noted for the required-claims
 * check.
 *
 * <p>Stateless and thread-safe.
 */
final class ClaimsReader {

    /** NumericDates outside ±1,000,000 years are refused, not wrapped; {@link Instant} would overflow. */
    private static final long MAX_SECONDS = 31_556_889_864L;

    private ClaimsReader() {
    }

    /**
     * A claims set and the names of its members with a non-null value.
     *
     * @param claims the claims every caller gets
     * @param names  every member name whose value is not {@code null}
     */
    record Read(TokenClaims claims, Set<String> names) {
    }

    /**
     * Reads {@code json} as a claims set.
     *
     * @throws TokenRejectedException ({@code malformed}) when it is not one
     */
    static Read read(byte[] json, String fingerprint, String alg, String kid) {
        String jti = null;
        String sub = null;
        String iss = null;
        List<String> aud = List.of();
        Instant iat = null;
        Instant exp = null;
        Instant nbf = null;
        Set<String> names = new HashSet<>();
        try (JsonParser parser = SignatureVerifier.STRICT_JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("payload is not a JSON claims set");
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    // A null claim is an absent claim: nothing a check could rely on.
                    continue;
                }
                names.add(name);
                switch (name) {
                    // RFC 7519 §4.1.1-4.1.3, §4.1.7: StringOrURI / case-sensitive strings.
                    case "iss" -> iss = string(parser, value, name);
                    case "sub" -> sub = string(parser, value, name);
                    case "jti" -> jti = string(parser, value, name);
                    case "aud" -> aud = audience(parser, value);
                    // RFC 7519 §4.1.4-4.1.6: NumericDate.
                    case "exp" -> exp = numericDate(parser, value, name);
                    case "nbf" -> nbf = numericDate(parser, value, name);
                    case "iat" -> iat = numericDate(parser, value, name);
                    default -> parser.skipChildren();
                }
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw malformed("payload is not a single JSON object");
            }
        } catch (IOException e) {
            // Not JSON, a duplicate claim name (RFC 7519 §4: may be rejected), or not text.
            throw malformed("payload is not a JSON claims set");
        }
        return new Read(new TokenClaims(fingerprint, true, alg, kid, jti, sub, iss, aud, iat, exp, nbf), names);
    }

    private static String string(JsonParser parser, JsonToken value, String name) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            throw malformed(name + " is not a string");
        }
        return parser.getText();
    }

    /** RFC 7519 §4.1.3: a single StringOrURI or an array of them. */
    private static List<String> audience(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return List.of(parser.getText());
        }
        if (value != JsonToken.START_ARRAY) {
            throw malformed("aud is neither a string nor an array");
        }
        List<String> audience = new ArrayList<>(2);
        for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
            if (item != JsonToken.VALUE_STRING) {
                throw malformed("aud holds a value that is not a string");
            }
            audience.add(parser.getText());
        }
        return List.copyOf(audience);
    }

    /** RFC 7519 §2: seconds since the epoch, possibly fractional; kept to the millisecond. */
    private static Instant numericDate(JsonParser parser, JsonToken value, String name) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT) {
            if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw malformed(name + " is out of range");
            }
            long seconds = parser.getLongValue();
            if (seconds <= -MAX_SECONDS || seconds >= MAX_SECONDS) {
                throw malformed(name + " is out of range");
            }
            return Instant.ofEpochSecond(seconds);
        }
        if (value == JsonToken.VALUE_NUMBER_FLOAT) {
            double seconds = parser.getDoubleValue();
            if (!(seconds > -MAX_SECONDS && seconds < MAX_SECONDS)) {
                throw malformed(name + " is out of range");
            }
            return Instant.ofEpochMilli((long) Math.floor(seconds * 1000));
        }
        throw malformed(name + " is not a NumericDate");
    }

    private static TokenRejectedException malformed(String detail) {
        return new TokenRejectedException(Outcome.MALFORMED, detail);
    }
}
