package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.Jwt;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.tokenwatch.schemas.Outcome;

import java.security.Key;
import java.time.Clock;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * The signature layer of one issuer's tokens: header rules first, then jjwt verifies the signature
 * with the configured key the header's {@code kid} names, provided the header's {@code alg} is the
 * one that key is bound to. {@link TokenValidator} runs it on every token; conformance tests run it
 * alone, so they test this code and not a copy.
 *
 * <p>The algorithm allow-list is a header rule here, before any signature work (RFC 8725 §3.1), not
 * a claim check afterwards: a refused algorithm never reaches its primitive.
 *
 * <p>Thread-safe: the jjwt parser is immutable.
 */
final class SignatureVerifier {

    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** Header parameters that carry or locate a key (RFC 7515 §4.1.2–4.1.6). */
    private static final List<String> KEY_HEADERS = List.of("jku", "jwk", "x5u", "x5c");

    private final Set<String> allowedAlgorithms;
    private final JwtParser parser;

    SignatureVerifier(IssuerPolicy policy, Clock clock) {
        this.allowedAlgorithms = Set.copyOf(policy.usableAlgorithms());
        this.parser = Jwts.parser()
                .keyLocator(new BoundKeyLocator(policy.keys()))
                // jjwt itself knows only the allowed algorithms: a second wall behind checkHeader.
                .sig().clear().add(allowedAlgorithms.stream().map(Jwts.SIG.get()::forKey).toList()).and()
                .clock(() -> Date.from(clock.instant()))
                .clockSkewSeconds(policy.clockSkew().toSeconds())
                .build();
    }

    /**
     * Checks the header rules and verifies the signature. For a claims payload jjwt also checks
     * {@code exp} and {@code nbf}, after the signature.
     *
     * @throws TokenRejectedException when a header rule fails
     * @throws io.jsonwebtoken.JwtException when jjwt refuses the token
     */
    Jws<?> verify(String compact) {
        checkHeader(compact);
        Jwt<?, ?> jwt = parser.parse(compact);
        if (!(jwt instanceof Jws<?> jws)) {
            throw new TokenRejectedException(Outcome.MALFORMED, "not a JWS");
        }
        return jws;
    }

    /**
     * Header rules checked before jjwt sees the token (RFC 8725 §2, §3.1): compact form only, strict
     * base64url, no {@code none}, only allowed algorithms, no key-carrying or key-locating headers, no
     * {@code crit}, {@code b64} or {@code zip}.
     */
    private void checkHeader(String token) {
        int dot = token.indexOf('.');
        // RFC 7515 §5.2 step 2: the header decodes with no line breaks, whitespace or other characters.
        if (dot <= 0 || !Base64Url.isCanonical(token, 0, dot)) {
            // JSON serialization (RFC 7515 §7.2), garbage, or a header in a lenient spelling.
            throw new TokenRejectedException(Outcome.MALFORMED, "not a compact JWS");
        }
        JsonNode header = decodeJson(token.substring(0, dot));
        // RFC 7515 §5.2 step 3: the header is a JSON object; duplicate names are refused (§4).
        if (header == null || !header.isObject()) {
            throw new TokenRejectedException(Outcome.MALFORMED, "header is not a JSON object");
        }
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual()) {
            throw new TokenRejectedException(Outcome.MALFORMED, "alg missing");
        }
        // Before the part count, so an unsigned "header.payload" is reported as the alg attack it is.
        if ("none".equalsIgnoreCase(alg.asText())) {
            throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED, "alg none");
        }
        int second = token.indexOf('.', dot + 1);
        if (second < 0 || token.indexOf('.', second + 1) >= 0) {
            // Two parts, JWE (five parts), or garbage.
            throw new TokenRejectedException(Outcome.MALFORMED, "not a compact JWS");
        }
        // RFC 7515 §5.2 steps 6-7: payload and signature decode with no additional characters either;
        // jjwt's decoder would skip them, and a MAC covers the characters, not the decoded bytes.
        if (!Base64Url.isCanonical(token, dot + 1, second) || !Base64Url.isCanonical(token, second + 1,
                token.length())) {
            throw new TokenRejectedException(Outcome.MALFORMED, "payload or signature is not unpadded base64url");
        }
        // RFC 7518 §3.6: only an unsecured JWS ("none", refused above) has an empty signature.
        if (second + 1 == token.length()) {
            throw new TokenRejectedException(Outcome.MALFORMED, "signature missing");
        }
        // RFC 8725 §3.1: only algorithms this issuer allows and some configured key is bound to;
        // anything else is refused before jjwt sees it, whatever jjwt would make of it.
        if (!allowedAlgorithms.contains(alg.asText())) {
            throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED, "alg not allowed");
        }
        // RFC 8725 §3.10: keys are never fetched or trusted from the token itself (DESIGN.md §4).
        for (String forbidden : KEY_HEADERS) {
            if (header.has(forbidden)) {
                throw new TokenRejectedException(Outcome.MALFORMED, "header " + forbidden + " not accepted");
            }
        }
        // RFC 7515 §4.1.11: a recipient MUST reject a JWS with a crit extension it does not understand.
        if (header.has("crit")) {
            throw new TokenRejectedException(Outcome.MALFORMED, "crit extensions not supported");
        }
        // RFC 7797 §3: b64=false changes what the signature covers; unencoded payloads are not accepted.
        if (header.has("b64")) {
            throw new TokenRejectedException(Outcome.MALFORMED, "b64 header not supported");
        }
        // RFC 7516 §4.1.3 defines zip for JWE only; a JWS asking for decompression gets none.
        if (header.has("zip")) {
            throw new TokenRejectedException(Outcome.MALFORMED, "zip header not supported");
        }
    }

    /** The JSON of a base64url part, or {@code null} when it is not valid base64url JSON. */
    static JsonNode decodeJson(String base64Url) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(base64Url);
            return STRICT_JSON.readTree(bytes);
        } catch (IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }

    /** Picks the configured key for the header's kid and refuses any algorithm but the key's own. */
    private static final class BoundKeyLocator extends LocatorAdapter<Key> {

        private final KeyRing keys;

        BoundKeyLocator(KeyRing keys) {
            this.keys = keys;
        }

        @Override
        protected Key locate(JwsHeader header) {
            KeyBinding binding = keys.find(header.getKeyId())
                    .orElseThrow(() -> new TokenRejectedException(Outcome.UNKNOWN_KEY, "no key for kid"));
            // RFC 8725 §3.1: the algorithm comes from the key's configuration, not from the token.
            if (!binding.algorithm().equals(header.getAlgorithm())) {
                throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED,
                        "alg " + header.getAlgorithm() + " not allowed for this key");
            }
            return binding.key();
        }
    }
}
