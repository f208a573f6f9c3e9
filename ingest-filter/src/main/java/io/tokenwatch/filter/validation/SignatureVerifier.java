package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tokenwatch.schemas.Outcome;

import java.io.IOException;
import java.util.Objects;
import java.util.Set;

/**
 * The signature layer of one issuer's tokens, in one pass over the compact JWS: the token is split
 * once, each part decoded once with strict base64url, the header parsed once, then the signature
 * checked over the signing input as received with the configured key the header's {@code kid}
 * names, provided the header's {@code alg} is the one that key is bound to. {@link TokenValidator}
 * runs it on every token; conformance tests run it alone, so they test this code and not a copy.
 *
 * <p>The algorithm allow-list is a header rule here, before any signature work (RFC 8725 §3.1), not
 * a claim check afterwards: a refused algorithm never reaches its primitive. The rules run in a fixed
 * order, so a token breaking several always gets the same reason.
 *
 * <p>The key is looked up in the policy's key ring for every token, never remembered: the ring may
 * change at run time. Per-key primitives come from {@link KeyVerifier}.
 *
 * <p>Thread-safe: immutable; the per-thread state lives in {@link KeyVerifier}.
 */
final class SignatureVerifier {

    /** Strict JSON: duplicate member names are an error (RFC 7515 §4, RFC 7519 §4). */
    static final JsonFactory STRICT_JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Header members that make us refuse the token, each with one bit in {@link JoseHeader#refused}. */
    private static final String[] REFUSED_HEADERS = {"jku", "jwk", "x5u", "x5c", "crit", "b64", "zip", "enc"};

    private final IssuerPolicy policy;
    private final Set<String> allowedAlgorithms;

    SignatureVerifier(IssuerPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        // The policy's own allow-list; which keys exist is asked of the ring per token.
        this.allowedAlgorithms = Set.copyOf(policy.algorithms());
    }

    /**
     * A compact JWS whose signature verified.
     *
     * @param header  the protected header's members we use
     * @param payload the decoded payload, not yet interpreted
     */
    record Verified(JoseHeader header, byte[] payload) {
    }

    /**
     * What the protected header says, as far as the verifier and telemetry use it. A {@code kid} or
     * {@code typ} that is present but not a string is recorded, not thrown at once, so the header
     * rules run in their fixed order first.
     *
     * @param alg     {@code alg}, or null when absent or not a string
     * @param kid     {@code kid}, or null
     * @param typ     {@code typ}, or null
     * @param refused one bit per member of {@link #REFUSED_HEADERS} present
     * @param badType the name of a member with a value of the wrong type, or null
     */
    record JoseHeader(String alg, String kid, String typ, int refused, String badType) {
    }

    /**
     * Checks the header rules and verifies the signature of {@code ascii[0, length)}, the token's
     * characters as bytes.
     *
     * @throws TokenRejectedException with the reason when any rule or the signature fails
     */
    Verified verify(byte[] ascii, int length) {
        int dot = indexOf(ascii, 0, length);
        // RFC 7515 §5.2 step 2: the header decodes with no line breaks, whitespace or other characters.
        byte[] headerJson = dot <= 0 ? null : Base64Url.decode(ascii, 0, dot);
        if (headerJson == null) {
            // JSON serialization (RFC 7515 §7.2), garbage, or a header in a lenient spelling.
            throw new TokenRejectedException(Outcome.MALFORMED, "not a compact JWS");
        }
        // RFC 7515 §5.2 step 3: the header is a JSON object; duplicate names are refused (§4).
        JoseHeader header = parseHeader(headerJson);
        if (header == null) {
            throw new TokenRejectedException(Outcome.MALFORMED, "header is not a JSON object");
        }
        String alg = header.alg();
        if (alg == null) {
            throw new TokenRejectedException(Outcome.MALFORMED, "alg missing");
        }
        // Before the part count, so an unsigned "header.payload" is reported as the alg attack it is.
        if ("none".equalsIgnoreCase(alg)) {
            throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED, "alg none");
        }
        int second = indexOf(ascii, dot + 1, length);
        if (second < 0 || indexOf(ascii, second + 1, length) >= 0) {
            // Two parts, JWE (five parts), or garbage.
            throw new TokenRejectedException(Outcome.MALFORMED, "not a compact JWS");
        }
        // RFC 7515 §5.2 steps 6-7: payload and signature decode with no additional characters either;
        // a MAC covers the characters, not the decoded bytes.
        byte[] payload = Base64Url.decode(ascii, dot + 1, second);
        byte[] signature = payload == null ? null : Base64Url.decode(ascii, second + 1, length);
        if (signature == null) {
            throw new TokenRejectedException(Outcome.MALFORMED, "payload or signature is not unpadded base64url");
        }
        // RFC 7518 §3.6: only an unsecured JWS ("none", refused above) has an empty signature.
        if (signature.length == 0) {
            throw new TokenRejectedException(Outcome.MALFORMED, "signature missing");
        }
        // RFC 8725 §3.1: only algorithms this issuer allows; anything else never reaches a primitive.
        if (!allowedAlgorithms.contains(alg)) {
            throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED, "alg not allowed");
        }
        checkRefusedMembers(header.refused());
        if (header.badType() != null) {
            // RFC 7515 §4.1.4, §4.1.9: kid and typ are strings.
            throw new TokenRejectedException(Outcome.MALFORMED, "header " + header.badType() + " is not a string");
        }
        KeyBinding binding = policy.keys().find(header.kid())
                .orElseThrow(() -> new TokenRejectedException(Outcome.UNKNOWN_KEY, "no key for kid"));
        // RFC 8725 §3.1: the algorithm comes from the key's configuration, not from the token.
        if (!binding.algorithm().equals(alg)) {
            throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED, "alg " + alg + " not allowed for this key");
        }
        KeyVerifier verifier;
        try {
            verifier = KeyVerifier.of(binding);
        } catch (IllegalArgumentException e) {
            throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED, "key does not fit the algorithm");
        }
        // RFC 7515 §5.2 step 8: the signature is over ASCII(header '.' payload) exactly as received.
        if (!verifier.verify(ascii, second, signature)) {
            throw new TokenRejectedException(Outcome.BAD_SIGNATURE, "signature did not verify");
        }
        return new Verified(header, payload);
    }

    /**
     * Refuses, in a fixed order, header members that carry or locate keys or change what is signed.
     */
    private static void checkRefusedMembers(int refused) {
        if (refused == 0) {
            return;
        }
        for (int i = 0; i < 4; i++) {
            if ((refused & 1 << i) != 0) {
                // RFC 8725 §3.10: keys are never fetched or trusted from the token itself (DESIGN.md §4).
                throw new TokenRejectedException(Outcome.MALFORMED, "header " + REFUSED_HEADERS[i] + " not accepted");
            }
        }
        // RFC 7515 §4.1.11: a recipient MUST reject a JWS with a crit extension it does not understand.
        if ((refused & 1 << 4) != 0) {
            throw new TokenRejectedException(Outcome.MALFORMED, "crit extensions not supported");
        }
        // RFC 7797 §3: b64=false changes what the signature covers; unencoded payloads are not accepted.
        if ((refused & 1 << 5) != 0) {
            throw new TokenRejectedException(Outcome.MALFORMED, "b64 header not supported");
        }
        // RFC 7516 §4.1.3 defines zip for JWE only; a JWS asking for decompression gets none.
        if ((refused & 1 << 6) != 0) {
            throw new TokenRejectedException(Outcome.MALFORMED, "zip header not supported");
        }
        // RFC 7516 §4.1.2: enc belongs to a JWE; three parts with it are neither a JWS nor a JWE.
        throw new TokenRejectedException(Outcome.MALFORMED, "enc header: not a JWS");
    }

    /** The header members we use, or null when the bytes are not one strict JSON object. */
    static JoseHeader parseHeader(byte[] json) {
        String alg = null;
        String kid = null;
        String typ = null;
        String badType = null;
        int refused = 0;
        try (JsonParser parser = STRICT_JSON.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "alg" -> alg = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "kid" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            kid = parser.getText();
                        } else {
                            badType = "kid";
                        }
                    }
                    case "typ" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            typ = parser.getText();
                        } else {
                            badType = "typ";
                        }
                    }
                    default -> refused |= refusedBit(name);
                }
                parser.skipChildren();
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                // Not closed, or something after the object.
                return null;
            }
        } catch (IOException e) {
            // Not JSON, a duplicate member name, or bytes that are not text.
            return null;
        }
        return new JoseHeader(alg, kid, typ, refused, badType);
    }

    private static int refusedBit(String name) {
        for (int i = 0; i < REFUSED_HEADERS.length; i++) {
            if (REFUSED_HEADERS[i].equals(name)) {
                return 1 << i;
            }
        }
        return 0;
    }

    /** The index of the next '.' in {@code bytes[from, to)}, or -1. */
    static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == '.') {
                return i;
            }
        }
        return -1;
    }
}
