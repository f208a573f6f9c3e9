package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.security.InvalidKeyException;
import io.jsonwebtoken.security.SignatureException;
import io.jsonwebtoken.security.UnsupportedKeyException;
import io.tokenwatch.schemas.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Validates one compact JWS against one issuer's policy: size cap, header rules, signature with a
 * key bound to the header's algorithm (jjwt), then the claim checks. Every jjwt exception is
 * translated here, in one place, into a stable {@link Outcome}.
 *
 * <p>For a token that fails before its signature verifies, the payload is still decoded (never
 * trusted) so telemetry can show what the attacker claimed; such claims are marked unverified.
 *
 * <p>Thread-safe: the jjwt parser and the claim validators are immutable.
 */
public final class TokenValidator {

    private static final Logger LOG = LoggerFactory.getLogger(TokenValidator.class);
    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final IssuerPolicy policy;
    private final JwtParser parser;
    private final ClaimValidator claimValidator;
    private final java.util.Set<String> allowedAlgorithms;

    public TokenValidator(IssuerPolicy policy, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clock, "clock");
        this.allowedAlgorithms = java.util.Set.copyOf(policy.keys().algorithms());
        this.parser = Jwts.parser()
                .keyLocator(new BoundKeyLocator(policy.keys()))
                .clock(() -> Date.from(clock.instant()))
                .clockSkewSeconds(policy.clockSkew().toSeconds())
                .build();
        this.claimValidator = new DelegatingClaimValidator(List.of(
                new ExpirationValidator(clock, policy.clockSkew()),
                new IssuerValidator(policy.issuer()),
                new AudienceValidator(policy.audiences())));
    }

    /** Validates {@code token}, the compact serialization taken from the bearer credential. */
    public ValidationResult validate(String token) {
        // Capped before any decoding, so an oversized token costs nothing but this comparison.
        if (token.length() > policy.maxTokenBytes()) {
            return ValidationResult.failure(Outcome.MALFORMED, TokenClaims.unreadable(fingerprint(token)),
                    List.of("token longer than " + policy.maxTokenBytes() + " bytes"));
        }
        String fingerprint = fingerprint(token);
        TokenClaims claimed = readUnverified(token, fingerprint);
        try {
            checkHeader(token, allowedAlgorithms);
            Jws<Claims> jws = parser.parseSignedClaims(token);
            TokenClaims verified = toClaims(fingerprint, true, jws.getHeader(), jws.getPayload());
            ClaimValidator.Result result = claimValidator.validate(verified);
            if (!result.isSuccess()) {
                List<String> errors = result.failures().stream().map(ClaimValidator.Failure::detail).toList();
                LOG.debug("token {} rejected: {}", shortId(fingerprint), errors);
                return ValidationResult.failure(result.failures().get(0).reason(), verified, errors);
            }
            return ValidationResult.success(verified);
        } catch (TokenRejectedException e) {
            return reject(e.outcome(), claimed, e.getMessage());
        } catch (ExpiredJwtException e) {
            // jjwt checks exp only after the signature verified: these claims are authentic.
            return reject(Outcome.EXPIRED, toClaims(fingerprint, true, e.getHeader(), e.getClaims()), "expired");
        } catch (PrematureJwtException e) {
            // RFC 7519 §4.1.5: MUST NOT be accepted before nbf; also signature-verified claims.
            return reject(Outcome.NOT_YET_VALID, toClaims(fingerprint, true, e.getHeader(), e.getClaims()),
                    "not yet valid");
        } catch (SignatureException e) {
            return reject(Outcome.BAD_SIGNATURE, claimed, "signature did not verify");
        } catch (InvalidKeyException | UnsupportedKeyException e) {
            return reject(Outcome.ALG_NOT_ALLOWED, claimed, "key does not fit the algorithm: " + e.getMessage());
        } catch (JwtException | IllegalArgumentException e) {
            // Malformed, unsupported (unsecured, JWE, not claims), undecodable.
            return reject(Outcome.MALFORMED, claimed, e.getClass().getSimpleName());
        }
    }

    private static ValidationResult reject(Outcome outcome, TokenClaims claims, String detail) {
        LOG.debug("token {} rejected ({}): {}", shortId(claims.fingerprint()), outcome.wire(), detail);
        return ValidationResult.failure(outcome, claims, List.of(detail));
    }

    /**
     * Header rules checked before jjwt sees the token (RFC 8725 §2, §3.1): compact form only, no
     * {@code none}, no key-carrying or key-locating headers, no unknown {@code crit}.
     */
    private static void checkHeader(String token, java.util.Set<String> allowedAlgorithms) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            // JSON serialization or garbage.
            throw new TokenRejectedException(Outcome.MALFORMED, "not a compact JWS");
        }
        JsonNode header = decodeJson(token.substring(0, dot));
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
        // RFC 8725 §3.1: only algorithms some configured key is bound to; anything else is refused
        // before jjwt sees it, whatever jjwt would make of it.
        if (!allowedAlgorithms.contains(alg.asText())) {
            throw new TokenRejectedException(Outcome.ALG_NOT_ALLOWED, "alg not allowed");
        }
        // Keys are never fetched or trusted from the token itself (RFC 8725 §3.10, DESIGN.md §4).
        for (String forbidden : List.of("jku", "x5u", "jwk", "x5c")) {
            if (header.has(forbidden)) {
                throw new TokenRejectedException(Outcome.MALFORMED, "header " + forbidden + " not accepted");
            }
        }
        // RFC 7515 §4.1.11: a recipient MUST reject a JWS with a crit extension it does not understand.
        if (header.has("crit")) {
            throw new TokenRejectedException(Outcome.MALFORMED, "crit extensions not supported");
        }
        if (header.has("b64")) {
            throw new TokenRejectedException(Outcome.MALFORMED, "b64 header not supported");
        }
    }

    private static JsonNode decodeJson(String base64Url) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(base64Url);
            return STRICT_JSON.readTree(bytes);
        } catch (IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }

    /** Best-effort read of header and payload without trusting them, for telemetry only. */
    private static TokenClaims readUnverified(String token, String fingerprint) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return TokenClaims.unreadable(fingerprint);
        }
        JsonNode header = decodeJson(parts[0]);
        JsonNode payload = decodeJson(parts[1]);
        if (header == null || !header.isObject()) {
            return TokenClaims.unreadable(fingerprint);
        }
        if (payload == null || !payload.isObject()) {
            payload = STRICT_JSON.createObjectNode();
        }
        List<String> audience = new ArrayList<>();
        JsonNode aud = payload.get("aud");
        if (aud != null && aud.isTextual()) {
            audience.add(aud.asText());
        } else if (aud != null && aud.isArray()) {
            aud.forEach(a -> {
                if (a.isTextual()) {
                    audience.add(a.asText());
                }
            });
        }
        return new TokenClaims(fingerprint, false, text(header, "alg"), text(header, "kid"), text(payload, "jti"),
                text(payload, "sub"), text(payload, "iss"), audience, seconds(payload, "iat"),
                seconds(payload, "exp"), seconds(payload, "nbf"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static Instant seconds(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isNumber()) {
            return null;
        }
        long s = value.asLong();
        // Outside Instant's range a forged value would throw; such a claim is simply not reported.
        // (Not Math.abs: abs(Long.MIN_VALUE), e.g. from "-1e300", is negative.)
        return s > -31_556_889_864L && s < 31_556_889_864L ? Instant.ofEpochSecond(s) : null;
    }

    private static TokenClaims toClaims(String fingerprint, boolean verified, io.jsonwebtoken.Header header,
                                        Claims claims) {
        String alg = header instanceof JwsHeader jws ? jws.getAlgorithm() : null;
        String kid = header instanceof JwsHeader jws ? jws.getKeyId() : null;
        List<String> audience = claims.getAudience() == null ? List.of() : List.copyOf(claims.getAudience());
        return new TokenClaims(fingerprint, verified, alg, kid, claims.getId(), claims.getSubject(),
                claims.getIssuer(), audience, instant(claims.getIssuedAt()), instant(claims.getExpiration()),
                instant(claims.getNotBefore()));
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }

    /** Lower-case hex SHA-256 of the compact token: the only identity of a token we emit or log. */
    public static String fingerprint(String token) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha256.digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String shortId(String fingerprint) {
        return fingerprint.substring(0, 12);
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
