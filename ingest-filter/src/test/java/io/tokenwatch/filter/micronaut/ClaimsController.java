package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.RequestAttribute;
import io.tokenwatch.filter.validation.TokenClaims;

/** A small protected service for the filter tests: it answers with what it was told about the caller. */
@Controller("/api")
@Requires(property = "test.claims-controller", value = "true")
@Produces(MediaType.TEXT_PLAIN)
class ClaimsController {

    /** Claims by argument binding. */
    @Get("/me")
    String me(TokenClaims claims) {
        return describe(claims);
    }

    /** Claims by request attribute. */
    @Get("/attribute")
    String attribute(@RequestAttribute(VerifiedClaims.ATTRIBUTE) TokenClaims claims) {
        return describe(claims);
    }

    /** Claims through the helper, from the request and from the request context. */
    @Get("/helper")
    String helper(HttpRequest<?> request) {
        TokenClaims fromRequest = VerifiedClaims.require(request);
        TokenClaims current = VerifiedClaims.current().orElseThrow();
        return describe(fromRequest) + (fromRequest.equals(current) ? " same" : " different");
    }

    @Get("/things/{id}")
    String thing(@PathVariable String id, TokenClaims claims) {
        return id + " for " + claims.subject();
    }

    @Get("/boom")
    String boom() {
        throw new IllegalStateException("controller failure");
    }

    private static String describe(TokenClaims claims) {
        return claims.subject() + "|" + claims.issuer() + "|" + claims.jti() + "|verified=" + claims.verified();
    }
}
