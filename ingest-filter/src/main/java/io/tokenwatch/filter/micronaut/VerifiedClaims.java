package io.tokenwatch.filter.micronaut;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.context.ServerRequestContext;
import io.tokenwatch.filter.validation.TokenClaims;

import java.util.Optional;

/**
 * How application code reads the verified claims of the current request. The
 * {@link TokenwatchServerFilter} puts them into the request attribute {@link #ATTRIBUTE} once the core
 * accepted the request; a refused request never reaches a controller. Three equivalent ways:
 *
 * <pre>{@code
 * @Get("/me")
 * String me(TokenClaims claims) { ... }                            // TokenClaimsArgumentBinder
 *
 * @Get("/me")
 * String me(@RequestAttribute(VerifiedClaims.ATTRIBUTE) TokenClaims claims) { ... }
 *
 * @Get("/me")
 * String me(HttpRequest<?> request) {
 *     TokenClaims claims = VerifiedClaims.require(request);        // or VerifiedClaims.of(request)
 * }
 * }</pre>
 *
 * and from code further down the call, on the request's thread or a propagated context,
 * {@link #current()}. On an excluded path ({@code tokenwatch.filter.excluded-paths}) there are no
 * claims: a plain {@code TokenClaims} parameter then makes Micronaut answer 400 for the missing
 * argument; declare it {@code @Nullable} there.
 *
 * <p>The claims are always verified ({@link TokenClaims#verified()} is true). Stateless and thread-safe.
 */
public final class VerifiedClaims {

    /** The request attribute holding the verified {@link TokenClaims}. */
    public static final String ATTRIBUTE = "tokenwatch.claims";

    private VerifiedClaims() {
    }

    /** The verified claims of {@code request}, if the filter accepted it on the strength of a token. */
    public static Optional<TokenClaims> of(HttpRequest<?> request) {
        return request.getAttribute(ATTRIBUTE, TokenClaims.class);
    }

    /**
     * The verified claims of {@code request}.
     *
     * @throws IllegalStateException if there are none (an excluded path, or no tokenwatch filter)
     */
    public static TokenClaims require(HttpRequest<?> request) {
        return of(request).orElseThrow(() -> new IllegalStateException(
                "no verified token claims on this request: excluded path, or the tokenwatch filter is not installed"));
    }

    /** The verified claims of the request being served now, if any. */
    public static Optional<TokenClaims> current() {
        return ServerRequestContext.currentRequest().flatMap(VerifiedClaims::of);
    }
}
