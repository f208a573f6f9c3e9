package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.convert.ArgumentConversionContext;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.bind.binders.PostponedRequestArgumentBinder;
import io.micronaut.http.bind.binders.TypedRequestArgumentBinder;
import io.tokenwatch.filter.validation.TokenClaims;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * Lets a controller method declare a {@link TokenClaims} parameter and receive the verified claims
 * of the request (see {@link VerifiedClaims}). Postponed until after the filters ran: the claims only
 * exist once {@link TokenwatchServerFilter} accepted the request.
 *
 * <p>Stateless and thread-safe.
 */
@Singleton
@Requires(property = TokenwatchFilterConfiguration.PREFIX + ".enabled", notEquals = "false")
public final class TokenClaimsArgumentBinder implements TypedRequestArgumentBinder<TokenClaims>,
        PostponedRequestArgumentBinder<TokenClaims> {

    private static final Argument<TokenClaims> TYPE = Argument.of(TokenClaims.class);

    @Override
    public Argument<TokenClaims> argumentType() {
        return TYPE;
    }

    /** Called after the filters ran ({@link PostponedRequestArgumentBinder#bindPostponed}). */
    @Override
    public BindingResult<TokenClaims> bind(ArgumentConversionContext<TokenClaims> context, HttpRequest<?> source) {
        Optional<TokenClaims> claims = VerifiedClaims.of(source);
        return claims.isPresent() ? () -> claims : BindingResult.unsatisfied();
    }
}
