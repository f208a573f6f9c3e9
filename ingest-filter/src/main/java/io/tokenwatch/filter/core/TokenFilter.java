package io.tokenwatch.filter.core;

import io.tokenwatch.filter.geo.GeoResolver;
import io.tokenwatch.filter.headers.SecurityHeaders;
import io.tokenwatch.filter.ratelimit.RateLimitDecision;
import io.tokenwatch.filter.ratelimit.RateLimiter;
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
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The framework-free filter core: for each request, extract the bearer token, validate it, refuse
 * it if revoked or over its rate limit, and emit exactly one {@link TokenUsageEvent} whatever the
 * outcome. The raw token is never logged or emitted; events carry its SHA-256 fingerprint.
 *
 * <p>The order of checks, cheapest and most decisive first:
 * <ol>
 *   <li>a blocked client address is refused before anything of the request is read;</li>
 *   <li>requests without a verified subject are charged to the client address's bucket: missing or
 *       malformed credentials at once, token-bearing requests after they fail validation or are found
 *       revoked. An address whose bucket is empty is refused with 429 <em>before</em> its token is
 *       decoded, so a forged-token flood stops costing signature checks once its budget is gone;</li>
 *   <li>validation;</li>
 *   <li>revocation;</li>
 *   <li>the verified subject's bucket;</li>
 *   <li>accept.</li>
 * </ol>
 * A refused request answers 429 with {@code Retry-After} and {@code RateLimit-Policy}/{@code RateLimit}
 * (RFC 6585 §4) and emits a {@code rate_limited} event. A refused address also refuses valid tokens
 * from that address until its bucket refills; that is the price of not verifying them. Signals from
 * unverified tokens act on the sending address only, never on the subject they name (DESIGN.md §4).
 *
 * <p>Every decision carries the route's security headers ({@link FilterDecision#securityHeaders()});
 * {@code Cache-Control: no-store} only when accepted. Without a {@link RateLimiter} nothing is limited.
 *
 * <p>Thread-safe: all collaborators are thread-safe and the filter holds no per-request state.
 */
public final class TokenFilter {

    /** {@code Retry-After} of a 503 for {@code keys_unavailable}: the key source retries within seconds. */
    public static final long DEFAULT_KEYS_RETRY_AFTER_SECONDS = 5;
    private static final String BEARER = "Bearer";
    /** RFC 6750 §2.1 {@code b64token}: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" padding. */
    private static final boolean[] B64TOKEN_CHARS = b64TokenChars();

    private final Settings settings;
    private final TokenValidator validator;
    private final RevocationView revocations;
    private final UsageEventSink events;
    private final Clock clock;
    private final Supplier<UUID> ids;
    private final RateLimiter rateLimiter;
    private final SecurityHeaders securityHeaders;
    private final GeoResolver geoResolver;
    private final int keysUnavailableStatus;
    private final long keysUnavailableRetryAfter;

    /**
     * A filter with the default security headers and no rate limits; see {@link #builder} for more.
     *
     * @param settings    identity of this filter and the realm of its challenges
     * @param validator   validates tokens of the configured issuer
     * @param revocations the live revocation view
     * @param events      where usage events go; must not block
     * @param clock       time source for event timestamps
     */
    public TokenFilter(Settings settings, TokenValidator validator, RevocationView revocations,
                       UsageEventSink events, Clock clock) {
        this(builder(settings, validator, revocations, events, clock));
    }

    TokenFilter(Settings settings, TokenValidator validator, RevocationView revocations, UsageEventSink events,
                Clock clock, Supplier<UUID> ids) {
        this(builder(settings, validator, revocations, events, clock).eventIds(ids));
    }

    private TokenFilter(Builder builder) {
        this.settings = Objects.requireNonNull(builder.settings, "settings");
        this.validator = Objects.requireNonNull(builder.validator, "validator");
        this.revocations = Objects.requireNonNull(builder.revocations, "revocations");
        this.events = Objects.requireNonNull(builder.events, "events");
        this.clock = Objects.requireNonNull(builder.clock, "clock");
        this.ids = Objects.requireNonNull(builder.ids, "ids");
        this.rateLimiter = builder.rateLimiter;
        this.securityHeaders = Objects.requireNonNull(builder.securityHeaders, "securityHeaders");
        this.geoResolver = builder.geoResolver;
        this.keysUnavailableStatus = builder.keysUnavailableStatus;
        this.keysUnavailableRetryAfter = builder.keysUnavailableRetryAfter;
        if (rateLimiter != null) {
            rateLimiter.followThrottles(revocations);
        }
    }

    /** A builder with the required collaborators; rate limiter and header policy are optional. */
    public static Builder builder(Settings settings, TokenValidator validator, RevocationView revocations,
                                  UsageEventSink events, Clock clock) {
        return new Builder(settings, validator, revocations, events, clock);
    }

    /** Decides one request and emits its usage event. */
    public FilterDecision check(FilterRequest request) {
        // A blocked address is refused before any decoding or crypto: a forged-token flood costs nothing.
        if (revocations.isBlocked(request.clientIp())) {
            return finish(request, FilterDecision.invalidToken(Outcome.REVOKED, settings.realm()), null);
        }
        List<String> credentials = request.authorization();
        if (credentials.isEmpty()) {
            return refuseWithoutSubject(request, FilterDecision.missingToken(settings.realm()), null);
        }
        Optional<String> token = bearerToken(credentials);
        if (token.isEmpty()) {
            // RFC 6750 §2: one method, one token; several credentials or a non-Bearer scheme is malformed.
            return refuseWithoutSubject(request, FilterDecision.invalidRequest(settings.realm()), null);
        }
        Optional<RateLimitDecision> addressBudget = probeAddress(request);
        if (addressBudget.isPresent() && !addressBudget.get().allowed()) {
            return finish(request, FilterDecision.rateLimited(addressBudget.get()), null);
        }
        ValidationResult result = validator.validate(token.get());
        TokenClaims claims = result.claims();
        if (!result.isValid()) {
            if (result.outcome() == Outcome.KEYS_UNAVAILABLE) {
                // We could not check; the client did nothing to be charged for.
                return finish(request, FilterDecision.keysUnavailable(settings.realm(), keysUnavailableStatus,
                        keysUnavailableRetryAfter), claims);
            }
            FilterDecision refusal = FilterDecision.invalidToken(result.outcome(), settings.realm());
            return refuseWithoutSubject(request, refusal, claims);
        }
        if (revocations.check(claims, request.clientIp()).isPresent()) {
            // Charged to the address, not the subject: a stolen, revoked token must not drain its victim's budget.
            return refuseWithoutSubject(request, FilterDecision.invalidToken(Outcome.REVOKED, settings.realm()),
                    claims);
        }
        Optional<RateLimitDecision> limit = chargeSubject(request, claims);
        if (limit.isPresent() && !limit.get().allowed()) {
            return finish(request, FilterDecision.rateLimited(limit.get()), claims);
        }
        return finish(request, FilterDecision.accept(claims).withHeaders(headersOf(limit)), claims);
    }

    /** Charges a request that has no verified subject to its address; 429 once the address's budget is gone. */
    private FilterDecision refuseWithoutSubject(FilterRequest request, FilterDecision refusal, TokenClaims claims) {
        Optional<RateLimitDecision> charge = rateLimiter == null ? Optional.empty()
                : rateLimiter.tryConsumeForIp(request.clientIp(), request.route());
        if (charge.isPresent() && !charge.get().allowed()) {
            return finish(request, FilterDecision.rateLimited(charge.get()), claims);
        }
        return finish(request, refusal.withHeaders(headersOf(charge)), claims);
    }

    private Optional<RateLimitDecision> probeAddress(FilterRequest request) {
        return rateLimiter == null ? Optional.empty() : rateLimiter.probeIp(request.clientIp(), request.route());
    }

    private Optional<RateLimitDecision> chargeSubject(FilterRequest request, TokenClaims claims) {
        if (rateLimiter == null) {
            return Optional.empty();
        }
        if (claims.issuer() == null || claims.subject() == null) {
            // A verified token naming no subject has no subject bucket: its address pays.
            return rateLimiter.tryConsumeForIp(request.clientIp(), request.route());
        }
        return rateLimiter.tryConsumeForSubject(claims.issuer(), claims.subject(), request.route());
    }

    private static Map<String, String> headersOf(Optional<RateLimitDecision> limit) {
        return limit.map(RateLimitDecision::headers).orElse(Map.of());
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
        // RFC 9110 §11.1: the scheme name is case-insensitive.
        if (space != BEARER.length() || !value.regionMatches(true, 0, BEARER, 0, space)) {
            return Optional.empty();
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty() || !isB64Token(token)) {
            return Optional.empty();
        }
        return Optional.of(token);
    }

    /**
     * A random (version 4) UUID for an event id. Event ids need to be unique, not unguessable, so
     * this draws from {@link java.util.concurrent.ThreadLocalRandom} instead of the SecureRandom behind
     * {@link UUID#randomUUID()}, which costs more than the rest of a cached request.
     */
    static UUID randomEventId() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    private static boolean isB64Token(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            // One table lookup per character: this scan runs over every token of every request.
            if (c >= B64TOKEN_CHARS.length || !B64TOKEN_CHARS[c]) {
                return false;
            }
        }
        return true;
    }

    private static boolean[] b64TokenChars() {
        boolean[] table = new boolean[128];
        for (int c = 0; c < table.length; c++) {
            table[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
        }
        return table;
    }

    /** Adds the route's security headers and emits the usage event: the one exit of {@link #check}. */
    private FilterDecision finish(FilterRequest request, FilterDecision decision, TokenClaims claims) {
        FilterDecision answer = decision.withSecurityHeaders(
                securityHeaders.headersFor(request.route(), request.secure(), decision.accepted()));
        TokenUsageEvent event = new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, ids.get().toString(),
                clock.millis(), settings.filterId(), settings.service(), answer.outcome(), facts(claims),
                new TokenUsageEvent.RequestFacts(request.method(), request.route(), answer.status(),
                        request.clientIp(), request.userAgent(), request.deviceId(), geoOf(request)));
        events.offer(event);
        return answer;
    }

    /** The resolver's answer, or none; geo is telemetry and never fails a request (DESIGN.md §4). */
    private TokenUsageEvent.Geo geoOf(FilterRequest request) {
        if (geoResolver == null) {
            return null;
        }
        try {
            return geoResolver.resolve(request.clientIp(), request.peerTrusted(), request.headers()).orElse(null);
        } catch (RuntimeException e) {
            // A resolver bug; the contract says it never throws, and the request must not pay for it.
            return null;
        }
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

    /** Assembles a {@link TokenFilter}. Not thread-safe. */
    public static final class Builder {

        private final Settings settings;
        private final TokenValidator validator;
        private final RevocationView revocations;
        private final UsageEventSink events;
        private final Clock clock;
        private Supplier<UUID> ids = TokenFilter::randomEventId;
        private RateLimiter rateLimiter;
        private SecurityHeaders securityHeaders = SecurityHeaders.defaults();
        private GeoResolver geoResolver;
        private int keysUnavailableStatus = 503;
        private long keysUnavailableRetryAfter = DEFAULT_KEYS_RETRY_AFTER_SECONDS;

        private Builder(Settings settings, TokenValidator validator, RevocationView revocations,
                        UsageEventSink events, Clock clock) {
            this.settings = settings;
            this.validator = validator;
            this.revocations = revocations;
            this.events = events;
            this.clock = clock;
        }

        /**
         * Enforces these rate limits. The filter subscribes the limiter to the view's throttle commands
         * ({@link RateLimiter#followThrottles(RevocationView)}). Default: none.
         */
        public Builder rateLimiter(RateLimiter limiter) {
            this.rateLimiter = Objects.requireNonNull(limiter, "rateLimiter");
            return this;
        }

        /** The security-header policy; default {@link SecurityHeaders#defaults()}. */
        public Builder securityHeaders(SecurityHeaders headers) {
            this.securityHeaders = Objects.requireNonNull(headers, "securityHeaders");
            return this;
        }

        /**
         * Fills the {@code geo} of every usage event from this resolver, asked once per request with the
         * client address, whether the peer is a trusted proxy, and the headers. Default: none, no geo.
         */
        public Builder geoResolver(GeoResolver resolver) {
            this.geoResolver = Objects.requireNonNull(resolver, "geoResolver");
            return this;
        }

        /**
         * The answer when the issuer's keys could not be obtained ({@code keys_unavailable}): {@code 503}
         * with {@code Retry-After} (the default: the service, not the token, is at fault), or {@code 401}
         * {@code invalid_token} to fail closed like any bad token.
         */
        public Builder keysUnavailableStatus(int status, long retryAfterSeconds) {
            if (status != 503 && status != 401) {
                throw new IllegalArgumentException("keys-unavailable status must be 503 or 401, was " + status);
            }
            if (retryAfterSeconds < 0) {
                throw new IllegalArgumentException("Retry-After must not be negative");
            }
            this.keysUnavailableStatus = status;
            this.keysUnavailableRetryAfter = retryAfterSeconds;
            return this;
        }

        /** Where event ids come from; tests pin them. */
        Builder eventIds(Supplier<UUID> eventIds) {
            this.ids = Objects.requireNonNull(eventIds, "ids");
            return this;
        }

        public TokenFilter build() {
            return new TokenFilter(this);
        }
    }
}
