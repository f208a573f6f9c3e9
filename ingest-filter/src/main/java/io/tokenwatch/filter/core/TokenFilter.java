package io.tokenwatch.filter.core;

import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.telemetry.UsageEventSink;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.filter.validation.ValidationResult;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The framework-free filter core: for each request, extract the bearer token, validate it, refuse
 * it if revoked, and emit exactly one {@link TokenUsageEvent} whatever the outcome. The raw token is
 * never logged or emitted; events carry its SHA-256 fingerprint.
 *
 * <p>Thread-safe: all collaborators are thread-safe and the filter holds no per-request state.
 */
public final class TokenFilter {

    private final Settings settings;
    private final TokenValidator validator;
    private final RevocationView revocations;
    private final UsageEventSink events;
    private final Clock clock;
    private final Supplier<UUID> ids;

    /**
     * @param settings    identity of this filter and the realm of its challenges
     * @param validator   validates tokens of the configured issuer
     * @param revocations the live revocation view
     * @param events      where usage events go; must not block
     * @param clock       time source for event timestamps
     */
    public TokenFilter(Settings settings, TokenValidator validator, RevocationView revocations,
                       UsageEventSink events, Clock clock) {
        this(settings, validator, revocations, events, clock, UUID::randomUUID);
    }

    TokenFilter(Settings settings, TokenValidator validator, RevocationView revocations, UsageEventSink events,
                Clock clock, Supplier<UUID> ids) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.revocations = Objects.requireNonNull(revocations, "revocations");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = ids;
    }

    /** Decides one request and emits its usage event. */
    public FilterDecision check(FilterRequest request) {
        // A blocked address is refused before any decoding or crypto: a forged-token flood costs nothing.
        if (revocations.isBlocked(request.clientIp())) {
            return emit(request, FilterDecision.invalidToken(Outcome.REVOKED, settings.realm()), null);
        }
        List<String> credentials = request.authorization();
        if (credentials.isEmpty()) {
            return emit(request, FilterDecision.missingToken(settings.realm()), null);
        }
        Optional<String> token = bearerToken(credentials);
        if (token.isEmpty()) {
            // RFC 6750 §2: one method, one token; several credentials or a non-Bearer scheme is malformed.
            return emit(request, FilterDecision.invalidRequest(settings.realm()), null);
        }
        ValidationResult result = validator.validate(token.get());
        TokenClaims claims = result.claims();
        if (!result.isValid()) {
            return emit(request, FilterDecision.invalidToken(result.outcome(), settings.realm()), claims);
        }
        if (revocations.check(claims, request.clientIp()).isPresent()) {
            return emit(request, FilterDecision.invalidToken(Outcome.REVOKED, settings.realm()), claims);
        }
        return emit(request, FilterDecision.accept(claims), claims);
    }

    /**
     * The single bearer token of a request, if it has exactly one {@code Authorization: Bearer} value
     * holding exactly one token (RFC 6750 §2.1: {@code b64token} has no spaces or commas).
     */
    static Optional<String> bearerToken(List<String> authorization) {
        if (authorization.size() != 1) {
            return Optional.empty();
        }
        String value = authorization.get(0).strip();
        int space = value.indexOf(' ');
        if (space <= 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
            return Optional.empty();
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty() || !token.chars().allMatch(TokenFilter::isB64TokenChar)) {
            return Optional.empty();
        }
        return Optional.of(token);
    }

    private static boolean isB64TokenChar(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
    }

    private FilterDecision emit(FilterRequest request, FilterDecision decision, TokenClaims claims) {
        TokenUsageEvent event = new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, ids.get().toString(),
                clock.millis(), settings.filterId(), settings.service(), decision.outcome(), facts(claims),
                new TokenUsageEvent.RequestFacts(request.method(), request.route(), decision.status(),
                        request.clientIp(), request.userAgent(), request.deviceId(), null));
        events.offer(event);
        return decision;
    }

    private static TokenUsageEvent.TokenFacts facts(TokenClaims c) {
        if (c == null) {
            return null;
        }
        return new TokenUsageEvent.TokenFacts(c.fingerprint(), c.verified(), c.jti(), c.subject(), c.issuer(),
                c.audience(), millis(c.issuedAt()), millis(c.expiresAt()), millis(c.notBefore()), c.kid(), c.alg());
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }

    /**
     * Identity of one filter instance.
     *
     * @param filterId this instance, e.g. a host name
     * @param service  the protected service
     * @param realm    the realm named in {@code WWW-Authenticate} challenges
     */
    public record Settings(String filterId, String service, String realm) {
        public Settings {
            Objects.requireNonNull(filterId, "filterId");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(realm, "realm");
        }
    }
}
