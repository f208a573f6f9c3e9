package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tokenwatch.schemas.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Validates one compact JWS against one issuer's policy: size cap, the signature layer
 * ({@link SignatureVerifier}: header rules, then the signature with a key bound to the header's
 * algorithm), the claims set read once ({@link ClaimsReader}), the token's time window, then the
 * claim checks of {@link ClaimValidators#createDefault}. Every failure becomes a stable
 * {@link Outcome} here, in one place.
 *
 * <p>For a token that fails before its signature verifies, the payload is still decoded (never
 * trusted) so telemetry can show what the attacker claimed; such claims are marked unverified.
 *
 * <p>Thread-safe: the verifier and the claim validators are immutable.
 */
public final class TokenValidator {

    private static final Logger LOG = LoggerFactory.getLogger(TokenValidator.class);
    /** Lenient reading of unverified parts, for telemetry only. */
    private static final ObjectMapper TELEMETRY_JSON = JsonMapper.builder().build();
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    });

    private final IssuerPolicy policy;
    private final Clock clock;
    private final Duration clockSkew;
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
        this.clock = Objects.requireNonNull(clock, "clock");
        this.clockSkew = policy.clockSkew();
        this.signatures = new SignatureVerifier(policy);
        this.claimValidator = ClaimValidators.createDefault(policy, clock);
        this.cache = cache;
    }

    /** A validator without a cache: every token is verified afresh. */
    public TokenValidator(IssuerPolicy policy, Clock clock) {
        this(policy, clock, null);
    }

    /** Validates {@code token}, the compact serialization taken from the bearer credential. */
    public ValidationResult validate(String token) {
        // Capped before any decoding, so an oversized token costs nothing but this and its fingerprint.
        if (token.length() > policy.maxTokenBytes()) {
            return ValidationResult.failure(Outcome.MALFORMED, TokenClaims.unreadable(fingerprint(token)),
                    List.of("token longer than " + policy.maxTokenBytes() + " bytes"));
        }
        byte[] ascii = ascii(token);
        String fingerprint = fingerprint(ascii);
        if (cache == null) {
            return validateAfresh(ascii, fingerprint);
        }
        ValidationResult remembered = cache.find(fingerprint);
        if (remembered != null) {
            return remembered;
        }
        ValidationResult result = validateAfresh(ascii, fingerprint);
        cache.remember(result);
        return result;
    }

    /** The cache this validator consults, if any. */
    public Optional<VerifiedTokenCache> cache() {
        return Optional.ofNullable(cache);
    }

    private ValidationResult validateAfresh(byte[] ascii, String fingerprint) {
        SignatureVerifier.Verified jws;
        ClaimsReader.Read read;
        try {
            jws = signatures.verify(ascii, ascii.length);
            read = ClaimsReader.read(jws.payload(), fingerprint, jws.header().alg(), jws.header().kid());
        } catch (TokenRejectedException e) {
            // Before the claims could be believed: whatever they say is recorded as unverified.
            return reject(e.outcome(), e.getMessage(), readUnverified(ascii, fingerprint));
        }
        TokenClaims verified = read.claims();
        ClaimValidator.Failure window = timeWindow(verified);
        if (window != null) {
            // The signature held: these are the issuer's claims, just not valid now.
            return reject(window.reason(), window.detail(), verified);
        }
        ClaimValidator.Result result = claimValidator.validate(
                new VerifiedJwt(verified, jws.header().typ(), read.names()));
        if (!result.isSuccess()) {
            List<String> errors = result.failures().stream().map(ClaimValidator.Failure::detail).toList();
            LOG.debug("token {} rejected: {}", shortId(fingerprint), errors);
            return ValidationResult.failure(result.failures().get(0).reason(), verified, errors);
        }
        return ValidationResult.success(verified);
    }

    /**
     * {@code exp}, then {@code nbf}, right after the signature and before the other claim checks,
     * each with the policy's clock skew; an absent claim passes here ({@link ExpirationValidator}
     * requires {@code exp}).
     */
    private ClaimValidator.Failure timeWindow(TokenClaims claims) {
        long now = clock.millis();
        long skew = clockSkew.toMillis();
        // RFC 7519 §4.1.4: MUST NOT be accepted on or after exp.
        if (claims.expiresAt() != null && now - skew >= claims.expiresAt().toEpochMilli()) {
            return new ClaimValidator.Failure(Outcome.EXPIRED, "expired");
        }
        // RFC 7519 §4.1.5: MUST NOT be accepted before nbf.
        if (claims.notBefore() != null && now + skew < claims.notBefore().toEpochMilli()) {
            return new ClaimValidator.Failure(Outcome.NOT_YET_VALID, "not yet valid");
        }
        return null;
    }

    /**
     * Runs the signature layer alone, exactly as {@link #validate} does, on a compact JWS whose payload
     * need not be a claims set: the size cap, the header rules, and signature verification with a
     * configured key bound to the header's algorithm; for a payload that is a claims set, also its
     * time window ({@code exp}, {@code nbf}). For conformance tests and diagnostics; a verified
     * signature says nothing about issuer, audience or lifetime.
     */
    public SignatureCheck verifySignatureOnly(String compact) {
        if (compact.length() > policy.maxTokenBytes()) {
            return new SignatureCheck(Outcome.MALFORMED, "token longer than " + policy.maxTokenBytes() + " bytes");
        }
        byte[] ascii = ascii(compact);
        SignatureVerifier.Verified jws;
        try {
            jws = signatures.verify(ascii, ascii.length);
        } catch (TokenRejectedException e) {
            return new SignatureCheck(e.outcome(), e.getMessage());
        }
        TokenClaims claims;
        try {
            claims = ClaimsReader.read(jws.payload(), "0".repeat(64), null, null).claims();
        } catch (TokenRejectedException notClaims) {
            // Content other than a claims set: the signature is all there is to check.
            return SignatureCheck.VERIFIED;
        }
        ClaimValidator.Failure window = timeWindow(claims);
        return window == null ? SignatureCheck.VERIFIED : new SignatureCheck(window.reason(), window.detail());
    }

    private static ValidationResult reject(Outcome outcome, String detail, TokenClaims claims) {
        LOG.debug("token {} rejected ({}): {}", shortId(claims.fingerprint()), outcome.wire(), detail);
        return ValidationResult.failure(outcome, claims, List.of(detail));
    }

    /** Best-effort read of header and payload without trusting them, for telemetry only. */
    private static TokenClaims readUnverified(byte[] ascii, String fingerprint) {
        int first = SignatureVerifier.indexOf(ascii, 0, ascii.length);
        int second = first < 0 ? -1 : SignatureVerifier.indexOf(ascii, first + 1, ascii.length);
        if (second < 0 || SignatureVerifier.indexOf(ascii, second + 1, ascii.length) >= 0) {
            return TokenClaims.unreadable(fingerprint);
        }
        JsonNode header = decodeJson(ascii, 0, first);
        JsonNode payload = decodeJson(ascii, first + 1, second);
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

    /** The JSON of a base64url part, or {@code null} when it is not valid base64url JSON. */
    private static JsonNode decodeJson(byte[] ascii, int from, int to) {
        byte[] bytes = Base64Url.decode(ascii, from, to);
        if (bytes == null) {
            return null;
        }
        try {
            return TELEMETRY_JSON.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
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

    /**
     * The token's characters as bytes. A compact JWS is ASCII; anything else becomes {@code '?'},
     * which no base64url part may contain, so such a token is refused as malformed.
     */
    private static byte[] ascii(String token) {
        return token.getBytes(StandardCharsets.US_ASCII);
    }

    /** Lower-case hex SHA-256 of the compact token: the only identity of a token we emit or log. */
    public static String fingerprint(String token) {
        return fingerprint(ascii(token));
    }

    private static String fingerprint(byte[] ascii) {
        byte[] digest = SHA256.get().digest(ascii);
        byte[] hex = new byte[digest.length * 2];
        for (int i = 0; i < digest.length; i++) {
            hex[2 * i] = HEX[(digest[i] >> 4) & 0xf];
            hex[2 * i + 1] = HEX[digest[i] & 0xf];
        }
        return new String(hex, StandardCharsets.ISO_8859_1);
    }

    private static String shortId(String fingerprint) {
        return fingerprint.substring(0, 12);
    }
}
