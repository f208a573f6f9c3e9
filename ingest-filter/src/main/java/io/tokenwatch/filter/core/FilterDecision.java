package io.tokenwatch.filter.core;

import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Outcome;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The filter's answer for one request: let it through with verified claims, or refuse it with a
 * status and the headers RFC 6750 §3 asks for. The client-facing text is generic; the precise
 * reason is in {@link #outcome()} for telemetry and logs only. Immutable.
 *
 * @param outcome {@link Outcome#ACCEPTED} or the rejection reason
 * @param status  HTTP status: 200 when accepted (the service decides the real one), else 400/401/...
 * @param claims  the verified claims when accepted; empty otherwise
 * @param headers response headers to add when refusing (e.g. {@code WWW-Authenticate})
 */
public record FilterDecision(Outcome outcome, int status, Optional<TokenClaims> claims, Map<String, String> headers) {

    public FilterDecision {
        Objects.requireNonNull(outcome, "outcome");
        claims = claims == null ? Optional.empty() : claims;
        headers = Map.copyOf(headers);
    }

    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
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
}
