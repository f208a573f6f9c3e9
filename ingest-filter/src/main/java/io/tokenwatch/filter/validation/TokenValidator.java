package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.databind.JsonNode;
import io.jsonwebtoken.ClaimJwtException;
import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.Header;
import io.jsonwebtoken.Jws;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.PrematureJwtException;
import io.jsonwebtoken.security.InvalidKeyException;
import io.jsonwebtoken.security.SignatureException;
import io.jsonwebtoken.security.UnsupportedKeyException;
import io.tokenwatch.schemas.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Validates one compact JWS against one issuer's policy: size cap, the signature layer
 * ({@link SignatureVerifier}: header rules, then the signature with a key bound to the header's
 * algorithm), then the claim checks of {@link ClaimValidators#createDefault}. Every jjwt exception is
 * translated here, in one place, into a stable {@link Outcome}.
 *
 * <p>For a token that fails before its signature verifies, the payload is still decoded (never
 * trusted) so telemetry can show what the attacker claimed; such claims are marked unverified.
 *
 * <p>Thread-safe: the jjwt parser and the claim validators are immutable.
 */
public final class TokenValidator {

    private static final Logger LOG = LoggerFactory.getLogger(TokenValidator.class);

    private final IssuerPolicy policy;
    private final SignatureVerifier signatures;
    private final ClaimValidator claimValidator;
    /** Remembered results, or null for a validator that verifies every time. */
    private final VerifiedTokenCache cache;

    /**
     * A validator that remembers results in {@code cache}: a repeated valid token skips the signature
     * work until its {@code exp}, a repeated forged token is refused without crypto for a short while.
     * Revocation and rate limits are not the validator's business and still apply on every request.
     */
    public TokenValidator(IssuerPolicy policy, Clock clock, VerifiedTokenCache cache) {
        this.policy = Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clock, "clock");
        this.signatures = new SignatureVerifier(policy, clock);
        this.claimValidator = ClaimValidators.createDefault(policy, clock);
        this.cache = cache;
    }

    /** A validator without a cache: every token is verified afresh. */
    public TokenValidator(IssuerPolicy policy, Clock clock) {
        this(policy, clock, null);
    }

    /** Validates {@code token}, the compact serialization taken from the bearer credential. */
    public ValidationResult validate(String token) {
        // Capped before any decoding, so an oversized token costs nothing but this comparison.
        if (token.length() > policy.maxTokenBytes()) {
            return ValidationResult.failure(Outcome.MALFORMED, TokenClaims.unreadable(fingerprint(token)),
                    List.of("token longer than " + policy.maxTokenBytes() + " bytes"));
        }
        String fingerprint = fingerprint(token);
        if (cache == null) {
            return validateAfresh(token, fingerprint);
        }
        Optional<ValidationResult> remembered = cache.lookup(fingerprint);
        if (remembered.isPresent()) {
            return remembered.get();
        }
        ValidationResult result = validateAfresh(token, fingerprint);
        cache.remember(result);
        return result;
    }

    /** The cache this validator consults, if any. */
    public Optional<VerifiedTokenCache> cache() {
        return Optional.ofNullable(cache);
    }

    private ValidationResult validateAfresh(String token, String fingerprint) {
        try {
            Jws<?> jws = signatures.verify(token);
            if (!(jws.getPayload() instanceof Claims payload)) {
                throw new TokenRejectedException(Outcome.MALFORMED, "payload is not a JSON claims set");
            }
            TokenClaims verified = toClaims(fingerprint, true, jws.getHeader(), payload);
            ClaimValidator.Result result = claimValidator.validate(
                    new VerifiedJwt(verified, jws.getHeader().getType(), presentNames(payload)));
            if (!result.isSuccess()) {
                List<String> errors = result.failures().stream().map(ClaimValidator.Failure::detail).toList();
                LOG.debug("token {} rejected: {}", shortId(fingerprint), errors);
                return ValidationResult.failure(result.failures().get(0).reason(), verified, errors);
            }
            return ValidationResult.success(verified);
        } catch (ClaimJwtException e) {
            // jjwt raises these (expired, premature) only after the signature verified: authentic claims.
            return reject(translate(e), toClaims(fingerprint, true, e.getHeader(), e.getClaims()));
        } catch (RuntimeException e) {
            return reject(translate(e), readUnverified(token, fingerprint));
        }
    }

    /**
     * Runs the signature layer alone, exactly as {@link #validate} does, on a compact JWS whose payload
     * need not be a claims set: the size cap, the header rules, and signature verification with a
     * configured key bound to the header's algorithm. For conformance tests and diagnostics; a
     * verified signature says nothing about issuer, audience or lifetime.
     */
    public SignatureCheck verifySignatureOnly(String compact) {
        if (compact.length() > policy.maxTokenBytes()) {
            return new SignatureCheck(Outcome.MALFORMED, "token longer than " + policy.maxTokenBytes() + " bytes");
        }
        try {
            signatures.verify(compact);
            return SignatureCheck.VERIFIED;
        } catch (RuntimeException e) {
            Rejection rejection = translate(e);
            return new SignatureCheck(rejection.outcome(), rejection.detail());
        }
    }

    /** A rejection reason and its diagnostic detail. */
    private record Rejection(Outcome outcome, String detail) {
    }

    /** Our own and jjwt's exceptions, translated into a stable outcome in this one place. */
    private static Rejection translate(RuntimeException e) {
        if (e instanceof TokenRejectedException rejected) {
            return new Rejection(rejected.outcome(), rejected.getMessage());
        }
        if (e instanceof ExpiredJwtException) {
            return new Rejection(Outcome.EXPIRED, "expired");
        }
        if (e instanceof PrematureJwtException) {
            // RFC 7519 §4.1.5: MUST NOT be accepted before nbf.
            return new Rejection(Outcome.NOT_YET_VALID, "not yet valid");
        }
        if (e instanceof SignatureException) {
            return new Rejection(Outcome.BAD_SIGNATURE, "signature did not verify");
        }
        if (e instanceof InvalidKeyException || e instanceof UnsupportedKeyException) {
            return new Rejection(Outcome.ALG_NOT_ALLOWED, "key does not fit the algorithm: " + e.getMessage());
        }
        if (e instanceof JwtException || e instanceof IllegalArgumentException) {
            // Malformed, unsupported (unsecured, JWE, not claims), undecodable.
            return new Rejection(Outcome.MALFORMED, e.getClass().getSimpleName());
        }
        throw e;
    }

    private static ValidationResult reject(Rejection rejection, TokenClaims claims) {
        LOG.debug("token {} rejected ({}): {}", shortId(claims.fingerprint()), rejection.outcome().wire(),
                rejection.detail());
        return ValidationResult.failure(rejection.outcome(), claims, List.of(rejection.detail()));
    }

    /** The names of claims present with a value: what {@link RequiredClaimsValidator} looks for. */
    private static Set<String> presentNames(Map<String, ?> payload) {
        return payload.entrySet().stream().filter(e -> e.getValue() != null).map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Best-effort read of header and payload without trusting them, for telemetry only. */
    private static TokenClaims readUnverified(String token, String fingerprint) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return TokenClaims.unreadable(fingerprint);
        }
        JsonNode header = SignatureVerifier.decodeJson(parts[0]);
        JsonNode payload = SignatureVerifier.decodeJson(parts[1]);
        if (header == null || !header.isObject()) {
            return TokenClaims.unreadable(fingerprint);
        }
        List<String> audience = new ArrayList<>();
        JsonNode aud = payload == null ? null : payload.get("aud");
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
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static Instant seconds(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isNumber()) {
            return null;
        }
        long s = value.asLong();
        // Outside Instant's range a forged value would throw; such a claim is simply not reported.
        // (Not Math.abs: abs(Long.MIN_VALUE), e.g. from "-1e300", is negative.)
        return s > -31_556_889_864L && s < 31_556_889_864L ? Instant.ofEpochSecond(s) : null;
    }

    private static TokenClaims toClaims(String fingerprint, boolean verified, Header header, Claims claims) {
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
}
