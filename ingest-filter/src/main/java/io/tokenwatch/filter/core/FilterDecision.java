package io.tokenwatch.filter.core;

import io.tokenwatch.filter.ratelimit.RateLimitDecision;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Outcome;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The filter's answer for one request: let it through with verified claims, or refuse it with a
 * status and the headers RFC 6750 §3 asks for. The client-facing text is generic; the precise
 * reason is in {@link #outcome()} for telemetry and logs only. Immutable.
 *
 * <p>Headers come in two parts, and adapters should write {@link #responseHeaders()}, which is both:
 * <ul>
 *   <li>{@link #headers()}: what this decision itself says: the {@code WWW-Authenticate} challenge of a
 *       refusal, {@code Retry-After} of a 429, and {@code RateLimit-Policy} / {@code RateLimit} whenever a
 *       rate limit was applied (accepted requests included)</li>
 *   <li>{@link #securityHeaders()}: the security-header policy for this route, on every decision,
 *       accepted or refused (for an accepted request they belong on the service's response)</li>
 * </ul>
 * They are kept apart so a caller can tell "why refused" from "always sent", and so the security
 * headers, the same prebuilt map for every request of a route, are shared rather than copied.
 *
 * @param outcome         {@link Outcome#ACCEPTED} or the rejection reason
 * @param status          HTTP status: 200 when accepted (the service decides the real one), else 400/401/429...
 * @param claims          the verified claims when accepted; empty otherwise
 * @param headers         decision-specific response headers (challenge, rate-limit fields)
 * @param securityHeaders security headers for the response, per the route's policy
 */
public record FilterDecision(Outcome outcome, int status, Optional<TokenClaims> claims, Map<String, String> headers,
                             Map<String, String> securityHeaders) {

    public FilterDecision {
        Objects.requireNonNull(outcome, "outcome");
        claims = claims == null ? Optional.empty() : claims;
        headers = Map.copyOf(headers);
        securityHeaders = securityHeaders == null ? Map.of() : Map.copyOf(securityHeaders);
    }

    /** A decision without security headers. */
    public FilterDecision(Outcome outcome, int status, Optional<TokenClaims> claims, Map<String, String> headers) {
        this(outcome, status, claims, headers, Map.of());
    }

    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
    }

    /**
     * Every header to put on the response: {@link #securityHeaders()} and then {@link #headers()}
     * (which win on a clash). Unmodifiable.
     */
    public Map<String, String> responseHeaders() {
        if (headers.isEmpty()) {
            return securityHeaders;
        }
        if (securityHeaders.isEmpty()) {
            return headers;
        }
        Map<String, String> all = new HashMap<>(securityHeaders);
        all.putAll(headers);
        return Map.copyOf(all);
    }

    FilterDecision withSecurityHeaders(Map<String, String> security) {
        return new FilterDecision(outcome, status, claims, headers, security);
    }

    /** This decision with {@code extra} added to {@link #headers()}. */
    FilterDecision withHeaders(Map<String, String> extra) {
        if (extra.isEmpty()) {
            return this;
        }
        if (headers.isEmpty()) {
            // Usually so (an accept, with its RateLimit fields): no merge, and no copy of an immutable map.
            return new FilterDecision(outcome, status, claims, extra, securityHeaders);
        }
        Map<String, String> all = new HashMap<>(headers);
        all.putAll(extra);
        return new FilterDecision(outcome, status, claims, all, securityHeaders);
    }

    static FilterDecision accept(TokenClaims claims) {
        return new FilterDecision(Outcome.ACCEPTED, 200, Optional.of(claims), Map.of());
    }

    /** RFC 6750 §3.1: no credentials at all gets a bare challenge without an error code. */
    static FilterDecision missingToken(String realm) {
        return new FilterDecision(Outcome.MISSING_TOKEN, 401, Optional.empty(),
                Map.of("WWW-Authenticate", "Bearer realm=\"" + realm + "\""));
    }

    /** RFC 6750 §3.1 {@code invalid_request}: a malformed request, e.g. several credentials. */
    static FilterDecision invalidRequest(String realm) {
        return new FilterDecision(Outcome.MALFORMED, 400, Optional.empty(),
                Map.of("WWW-Authenticate", "Bearer realm=\"" + realm + "\", error=\"invalid_request\", "
                        + "error_description=\"The request is malformed\""));
    }

    /** RFC 6750 §3.1 {@code invalid_token}: expired, revoked, malformed or otherwise invalid. */
    static FilterDecision invalidToken(Outcome reason, String realm) {
        return new FilterDecision(reason, 401, Optional.empty(),
                Map.of("WWW-Authenticate", "Bearer realm=\"" + realm + "\", error=\"invalid_token\", "
                        + "error_description=\"The access token is invalid\""));
    }

    /**
     * The keys to check the token with could not be obtained ({@link Outcome#KEYS_UNAVAILABLE}): the
     * client did nothing wrong. {@code 503} with {@code Retry-After} (RFC 9110 §15.6.4, §10.2.3) and no
     * challenge, or, failing closed, the same {@code 401 invalid_token} as any bad token.
     *
     * @param status            503 or 401
     * @param retryAfterSeconds the {@code Retry-After} of a 503
     */
    static FilterDecision keysUnavailable(String realm, int status, long retryAfterSeconds) {
        if (status == 401) {
            return invalidToken(Outcome.KEYS_UNAVAILABLE, realm);
        }
        return new FilterDecision(Outcome.KEYS_UNAVAILABLE, 503, Optional.empty(),
                Map.of("Retry-After", Long.toString(retryAfterSeconds)));
    }

    /**
     * RFC 6585 §4: 429 Too Many Requests, with {@code Retry-After} and the rate-limit fields. No
     * challenge: the credentials are not what is wrong.
     */
    static FilterDecision rateLimited(RateLimitDecision limit) {
        return new FilterDecision(Outcome.RATE_LIMITED, 429, Optional.empty(), limit.headers());
    }
}
