package io.tokenwatch.filter;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * jqwik generators for strings that look enough like a JWS to get past the first checks: base64url
 * segments of JSON headers and payloads with hostile values (every {@code alg}, odd {@code kid}s,
 * key-carrying headers, extreme and mistyped time claims), random signatures, and one to five parts.
 * Plain arbitrary strings rarely get past the part count; these reach jjwt and the claim decoding.
 * Stateless.
 */
public final class TokenArbitraries {

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private TokenArbitraries() {
    }

    /** Mostly {@code header.payload.signature} with hostile content, sometimes other part counts. */
    public static Arbitrary<String> tokenShaped() {
        Arbitrary<String> header = headerJson().map(TokenArbitraries::b64);
        Arbitrary<String> payload = payloadJson().map(TokenArbitraries::b64);
        Arbitrary<String> threeParts = Combinators.combine(header, payload, signature())
                .as((h, p, s) -> h + "." + p + "." + s);
        Arbitrary<String> anyParts = Arbitraries.oneOf(header, payload, signature())
                .list().ofMinSize(1).ofMaxSize(5)
                .map(parts -> String.join(".", parts));
        return Arbitraries.frequencyOf(Tuple.of(4, threeParts), Tuple.of(1, anyParts));
    }

    /** JSON-ish header text: usually an object with {@code alg} and {@code kid}, sometimes broken. */
    public static Arbitrary<String> headerJson() {
        Arbitrary<String> alg = Arbitraries.of("none", "NONE", "HS256", "HS384", "HS512", "RS256", "PS256",
                "ES256", "ES384", "EdDSA", "Ed25519", "RSA-OAEP", "dir", "", "HS257");
        Arbitrary<String> kid = Arbitraries.of("hs-1", "rs-1", "ps-1", "es-1", "ed-1", "unknown", "",
                "../../../../dev/null");
        Arbitrary<String> extra = Arbitraries.of("", ",\"typ\":\"JWT\"", ",\"jku\":\"https://attacker.test/k\"",
                ",\"x5u\":\"https://attacker.test/c\"", ",\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}",
                ",\"x5c\":[\"MIIB\"]", ",\"crit\":[\"exp\"]", ",\"b64\":false", ",\"kid\":123",
                ",\"alg\":\"none\"", ",\"zip\":\"DEF\"", ",\"cty\":\"JWT\"", ",\"typ\":null", ",\"kid\":[]");
        Arbitrary<String> object = Combinators.combine(alg, kid, extra)
                .as((a, k, e) -> "{\"alg\":\"" + a + "\",\"kid\":\"" + k + "\"" + e + "}");
        Arbitrary<String> oddAlg = jsonValue().map(v -> "{\"alg\":" + v + "}");
        return Arbitraries.frequencyOf(Tuple.of(6, object), Tuple.of(1, oddAlg), Tuple.of(1, jsonValue()),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40)));
    }

    /** JSON-ish payload text with every registered time and identity claim set to a hostile value. */
    public static Arbitrary<String> payloadJson() {
        Arbitrary<String> object = Combinators.combine(jsonValue(), jsonValue(), jsonValue(), jsonValue(),
                        jsonValue(), jsonValue(), jsonValue())
                .as((iss, sub, aud, iat, exp, nbf, jti) -> "{\"iss\":" + iss + ",\"sub\":" + sub + ",\"aud\":" + aud
                        + ",\"iat\":" + iat + ",\"exp\":" + exp + ",\"nbf\":" + nbf + ",\"jti\":" + jti + "}");
        return Arbitraries.frequencyOf(Tuple.of(6, object), Tuple.of(1, jsonValue()),
                Tuple.of(1, Arbitraries.strings().ofMaxLength(40)));
    }

    /** One JSON value, or sometimes text that is almost one (NaN, unquoted, out of range). */
    public static Arbitrary<String> jsonValue() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.of("null", "true", "false", "[]", "{}", "-1e300", "1e300", "1e309", "-0", "\"\"",
                        "\"https://issuer.tokenwatch.test\"", "\"tokenwatch-api\"", "[\"tokenwatch-api\",1,null]",
                        "18446744073709551616", "-9223372036854775809", "1.5e-400", "\"user-42\"", "{\"a\":[{}]}"),
                Arbitraries.strings().ofMaxLength(20).map(TokenArbitraries::quote));
    }

    private static Arbitrary<String> signature() {
        return Arbitraries.oneOf(
                Arbitraries.just(""),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(B64URL::encodeToString),
                Arbitraries.strings().withCharRange('A', 'Z').withCharRange('a', 'z').withCharRange('0', '9')
                        .withChars("-_=+/~").ofMaxLength(80));
    }

    private static String quote(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    private static String b64(String text) {
        return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
