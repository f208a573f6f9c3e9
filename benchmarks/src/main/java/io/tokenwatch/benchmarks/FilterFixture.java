package io.tokenwatch.benchmarks;

import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.JwtParserBuilder;
import io.jsonwebtoken.Jwts;
import io.tokenwatch.filter.core.FilterDecision;
import io.tokenwatch.filter.core.FilterRequest;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Limit;
import io.tokenwatch.filter.ratelimit.RateLimiter;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.KeyBinding;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.filter.validation.VerifiedTokenCache;
import io.tokenwatch.schemas.Revocation;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

import javax.crypto.SecretKey;
import java.security.Key;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Everything one algorithm's benchmarks share, built once: a fresh key, {@code count} distinct valid
 * tokens signed with it, and the verifiers under test — a bare jjwt parser, the tokenwatch filter
 * pipeline (twice: without and with the verified-token cache), and Spring Security's Nimbus decoder —
 * each trusting exactly that key and (all but jjwt) checking the same {@code iss}, {@code aud} and
 * {@code exp}.
 *
 * <p>The filter is the production {@link TokenFilter} with every layer on: a {@link RevocationView}
 * holding {@value #UNRELATED_REVOCATIONS} live revocations that match none of the tokens, a
 * {@link RateLimiter} that charges every request but never refuses one, the default security headers,
 * and a {@link QueueSink} standing in for the Kafka publisher. The two filters differ only in their
 * validator: {@link #coldFilter()} verifies every token afresh (no cache, so cycling through the
 * tokens measures verification, not the cache's eviction policy), {@link #cachingFilter()} consults
 * a {@link VerifiedTokenCache} of the default size.
 *
 * <p>Thread-safe once built, as every verifier in it is; {@link #close()} stops the sink's thread.
 */
final class FilterFixture implements AutoCloseable {

    static final String ISSUER = "https://id.tokenwatch.example";
    static final String AUDIENCE = "tokenwatch-api";
    static final String ROUTE = "/api/{id}";
    static final int UNRELATED_REVOCATIONS = 10_000;
    /** As {@code KafkaUsagePublisher.DEFAULT_CAPACITY}. */
    static final int EVENT_BUFFER = 10_000;

    private final SigningAlgorithm alg;
    private final String[] tokens;
    private final String[] clientIps;
    private final JwtParser bareJjwt;
    private final TokenFilter coldFilter;
    private final TokenFilter cachingFilter;
    private final VerifiedTokenCache cache;
    private final RevocationView revocations;
    private final QueueSink sink;
    private final Optional<JwtDecoder> nimbus;

    private FilterFixture(SigningAlgorithm alg, String[] tokens, String[] clientIps, JwtParser bareJjwt,
                          TokenFilter coldFilter, TokenFilter cachingFilter, VerifiedTokenCache cache,
                          RevocationView revocations, QueueSink sink, Optional<JwtDecoder> nimbus) {
        this.alg = alg;
        this.tokens = tokens;
        this.clientIps = clientIps;
        this.bareJjwt = bareJjwt;
        this.coldFilter = coldFilter;
        this.cachingFilter = cachingFilter;
        this.cache = cache;
        this.revocations = revocations;
        this.sink = sink;
        this.nimbus = nimbus;
    }

    /** A fixture with a fresh key and {@code count} distinct tokens valid for the next hour. */
    static FilterFixture create(SigningAlgorithm alg, int count) {
        Clock clock = Clock.systemUTC();
        SecureRandom random = new SecureRandom();
        String kid = alg.jwsName().toLowerCase(java.util.Locale.ROOT) + "-2026-1";
        Key signingKey;
        Key verificationKey;
        if (alg.symmetric()) {
            SecretKey secret = alg.newSecret(random);
            signingKey = secret;
            verificationKey = secret;
        } else {
            KeyPair pair = alg.newKeyPair(random);
            signingKey = pair.getPrivate();
            verificationKey = pair.getPublic();
        }

        Instant now = clock.instant();
        String[] tokens = new String[count];
        String[] clientIps = new String[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = sign(alg, kid, signingKey, i, now);
            clientIps[i] = "10.1." + (i >> 8 & 0xff) + "." + (i & 0xff);
        }

        JwtParserBuilder jjwt = Jwts.parser();
        if (verificationKey instanceof SecretKey secret) {
            jjwt.verifyWith(secret);
        } else {
            jjwt.verifyWith((PublicKey) verificationKey);
        }

        KeyBinding binding = alg.symmetric()
                ? KeyBinding.hmac(kid, alg.jwsName(), verificationKey.getEncoded())
                : KeyBinding.publicKey(kid, alg.jwsName(), (PublicKey) verificationKey);
        IssuerPolicy policy = IssuerPolicy.of(ISSUER, Set.of(AUDIENCE), new KeyRing(List.of(binding)));
        VerifiedTokenCache cache = new VerifiedTokenCache(clock);
        RevocationView revocations = unrelatedRevocations(clock);
        QueueSink sink = new QueueSink(EVENT_BUFFER);
        TokenFilter coldFilter = filter(new TokenValidator(policy, clock), revocations, sink, clock);
        TokenFilter cachingFilter = filter(new TokenValidator(policy, clock, cache), revocations, sink, clock);

        Optional<JwtDecoder> nimbus = SpringNimbusDecoders.create(alg, kid, verificationKey, ISSUER, AUDIENCE);
        return new FilterFixture(alg, tokens, clientIps, jjwt.build(), coldFilter, cachingFilter, cache, revocations,
                sink, nimbus);
    }

    private static TokenFilter filter(TokenValidator validator, RevocationView revocations, QueueSink sink,
                                      Clock clock) {
        return TokenFilter.builder(new TokenFilter.Settings("bench-filter-1", "bench-api", "tokenwatch"),
                        validator, revocations, sink, clock)
                .rateLimiter(new RateLimiter(neverRefusingLimits(), clock))
                .build();
    }

    /**
     * A realistic access token: the registered claims an OAuth 2.0 authorization server issues
     * (RFC 9068 §2.2) plus scope and client id.
     */
    private static String sign(SigningAlgorithm alg, String kid, Key key, int i, Instant now) {
        return Jwts.builder()
                .header().keyId(kid).type("JWT").and()
                .issuer(ISSUER)
                .subject(String.format("user-%06d", i))
                .audience().add(AUDIENCE).and()
                .id(UUID.randomUUID().toString())
                .issuedAt(Date.from(now.minusSeconds(30)))
                .expiration(Date.from(now.plus(Duration.ofHours(1))))
                .claim("client_id", "tokenwatch-mobile-app")
                .claim("scope", "accounts:read transfers:read transfers:write")
                .signWith(key, alg.jjwt())
                .compact();
    }

    /**
     * Limits on {@value #ROUTE}'s rule for both scopes, set so high that no request is ever refused:
     * each request pays for finding and charging its bucket (and the {@code RateLimit} headers of
     * the answer), which is the cost to measure, while every decision stays an accept.
     */
    private static RateLimitPolicy neverRefusingLimits() {
        return RateLimitPolicy.builder()
                .route("api", "/api/**", Limit.perSecond(1_000_000_000L), Limit.perSecond(1_000_000_000L))
                .build();
    }

    /**
     * Live revocations of other tokens, other subjects and other addresses, in the mix the detector
     * produces (mostly single tokens): each request's lookups hit a populated map and miss.
     */
    private static RevocationView unrelatedRevocations(Clock clock) {
        RevocationView view = new RevocationView(clock);
        long now = clock.millis();
        long expires = now + Duration.ofHours(2).toMillis();
        for (int i = 0; i < UNRELATED_REVOCATIONS; i++) {
            Revocation revocation;
            if (i % 10 < 8) {
                revocation = Revocation.blockToken(ISSUER, UUID.randomUUID().toString(), expires,
                        "benchmark", "benchmark", now);
            } else if (i % 10 == 8) {
                revocation = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, ISSUER,
                        "revoked-user-" + i, Revocation.Action.BLOCK, now, expires, "benchmark", "benchmark", now);
            } else {
                revocation = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null,
                        "172.16." + (i >> 8 & 0xff) + "." + (i & 0xff), Revocation.Action.BLOCK, null, expires,
                        "benchmark", "benchmark", now);
            }
            if (!view.apply(revocation.key(), revocation)) {
                throw new IllegalStateException("revocation not applied: " + revocation.key());
            }
        }
        return view;
    }

    SigningAlgorithm alg() {
        return alg;
    }

    int size() {
        return tokens.length;
    }

    String token(int i) {
        return tokens[i];
    }

    String clientIp(int i) {
        return clientIps[i];
    }

    JwtParser bareJjwt() {
        return bareJjwt;
    }

    /** The filter whose validator verifies every token afresh. */
    TokenFilter coldFilter() {
        return coldFilter;
    }

    /** The same filter with a {@link VerifiedTokenCache} of the default size in its validator. */
    TokenFilter cachingFilter() {
        return cachingFilter;
    }

    /** The caching filter's cache. */
    VerifiedTokenCache cache() {
        return cache;
    }

    /** Spring's Nimbus decoder; absent for EdDSA when Tink is not on the class path. */
    Optional<JwtDecoder> nimbus() {
        return nimbus;
    }

    QueueSink sink() {
        return sink;
    }

    int revocationCount() {
        return revocations.size();
    }

    /** The filter request an adapter would build for token {@code i}. */
    FilterRequest request(int i) {
        return FilterRequest.bearer("GET", ROUTE, tokens[i], clientIps[i]);
    }

    /**
     * Fails unless every token passes every verifier: a benchmark of rejections would measure the
     * wrong thing, and quietly.
     */
    void requireEveryPathAccepts() {
        for (int i = 0; i < tokens.length; i++) {
            String token = tokens[i];
            if (!ISSUER.equals(bareJjwt.parseSignedClaims(token).getPayload().getIssuer())) {
                throw new IllegalStateException(alg + ": jjwt read another issuer");
            }
            for (TokenFilter filter : List.of(coldFilter, cachingFilter)) {
                FilterDecision decision = filter.check(request(i));
                if (!decision.accepted()) {
                    throw new IllegalStateException(alg + ": the filter refused a valid token: " + decision.outcome());
                }
            }
            if (nimbus.isPresent()) {
                Jwt jwt = nimbus.get().decode(token);
                if (!jwt.getAudience().contains(AUDIENCE)) {
                    throw new IllegalStateException(alg + ": Nimbus lost the audience");
                }
            }
        }
        if (revocations.size() != UNRELATED_REVOCATIONS) {
            throw new IllegalStateException("expected " + UNRELATED_REVOCATIONS + " revocations, have "
                    + revocations.size());
        }
    }

    @Override
    public void close() {
        sink.close();
    }
}
