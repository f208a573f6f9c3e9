package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.tokenwatch.filter.clientip.Cidr;
import io.tokenwatch.filter.clientip.ClientIpResolver;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.geo.GeoResolver;
import io.tokenwatch.filter.headers.SecurityHeaders;
import io.tokenwatch.filter.jwks.JwksKeySource;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy;
import io.tokenwatch.filter.ratelimit.RateLimiter;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.telemetry.KafkaUsagePublisher;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.filter.validation.VerifiedTokenCache;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Properties;

/**
 * Builds the framework-free filter core from {@link TokenwatchFilterConfiguration}: keys (static, or a
 * {@link JwksKeySource} that starts fetching with the context), validator,
 * revocation view and its listener, usage publisher, optional rate limiter, header policy, client-IP
 * resolver, and the {@link TokenFilter} over them. The Kafka clients and the filter are created when
 * the context starts ({@code @Context}), so a bad key or a missing setting stops the start-up with a
 * message naming the property, and the revocation replay begins at once rather than on the first
 * request. The listener and the publisher are closed when the context stops.
 *
 * <p>The Kafka clients are plain Kafka clients, not micronaut-kafka: a broker that cannot be reached
 * is not a start-up failure; the listener retries and the readiness indicator stays DOWN.
 */
@Factory
@Requires(property = TokenwatchFilterConfiguration.PREFIX + ".enabled", notEquals = "false")
public class TokenwatchFilterFactory {

    private static final Clock CLOCK = Clock.systemUTC();

    /**
     * The JWKS source of {@code keys.jwks-uri}, fetching from the moment the context starts and
     * refreshing in the background until it stops.
     */
    @Context
    @Bean(preDestroy = "close")
    @Requires(property = TokenwatchFilterConfiguration.PREFIX + ".keys.jwks-uri")
    JwksKeySource tokenwatchJwksSource(TokenwatchFilterConfiguration config) {
        return KeySources.jwks(config.getKeys(), config.getAlgorithms(), CLOCK).start();
    }

    @Singleton
    KeyRing tokenwatchKeyRing(TokenwatchFilterConfiguration config, @Nullable JwksKeySource jwks) {
        return jwks != null ? KeyRing.of(jwks) : KeySources.load(config.getKeys());
    }

    @Singleton
    TokenValidator tokenwatchValidator(TokenwatchFilterConfiguration config, KeyRing keys) {
        String issuer = required(config.getIssuer(), "issuer");
        if (config.getAudiences().stream().allMatch(String::isBlank)) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX
                    + ".audiences is required: the aud values this service accepts (RFC 7519 §4.1.3)");
        }
        IssuerPolicy.Builder policy = IssuerPolicy.builder(issuer,
                        new LinkedHashSet<>(config.getAudiences().stream().map(String::strip)
                                .filter(a -> !a.isEmpty()).toList()), keys)
                .clockSkew(config.getClockSkew())
                .maxTokenBytes(config.getMaxTokenBytes())
                .algorithms(config.getAlgorithms().stream().map(String::strip).toArray(String[]::new))
                .requiredClaims(config.getRequiredClaims().stream().map(String::strip).toArray(String[]::new));
        if (config.getType() != null && !config.getType().isBlank()) {
            policy.type(config.getType().strip());
        }
        if (config.getMaxLifetime() != null) {
            policy.maxLifetime(config.getMaxLifetime());
        }
        try {
            TokenwatchFilterConfiguration.Cache cache = config.getCache();
            if (!cache.isEnabled()) {
                return new TokenValidator(policy.build(), CLOCK);
            }
            if (cache.getMaximumTokens() < 1 || cache.getMaximumRejected() < 1 || cache.getRejectedTtl() == null
                    || cache.getRejectedTtl().isNegative() || cache.getRejectedTtl().isZero()) {
                throw new IllegalArgumentException("cache.maximum-tokens and cache.maximum-rejected must be at least 1"
                        + " and cache.rejected-ttl positive");
            }
            return new TokenValidator(policy.build(), CLOCK, new VerifiedTokenCache(CLOCK, cache.getMaximumTokens(),
                    cache.getMaximumRejected(), cache.getRejectedTtl()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + ": " + e.getMessage(), e);
        }
    }

    @Singleton
    RevocationView tokenwatchRevocationView() {
        return new RevocationView(CLOCK);
    }

    /** Replays {@code tokenwatch.revocations} from offset 0 and follows it. */
    @Context
    @Bean(preDestroy = "close")
    RevocationListener tokenwatchRevocationListener(TokenwatchFilterConfiguration config, RevocationView view) {
        Properties consumer = kafkaClient(config);
        consumer.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwatch-revocations-" + config.getFilterId());
        return new RevocationListener(view, consumer, CLOCK).start();
    }

    @Context
    @Bean(preDestroy = "close")
    KafkaUsagePublisher tokenwatchUsagePublisher(TokenwatchFilterConfiguration config) {
        Properties producer = kafkaClient(config);
        producer.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tokenwatch-usage-" + config.getFilterId());
        TokenwatchFilterConfiguration.Kafka kafka = config.getKafka();
        KafkaUsagePublisher.Spool spool = null;
        if (kafka.getEventSpoolDir() != null && !kafka.getEventSpoolDir().isBlank()) {
            try {
                spool = new KafkaUsagePublisher.Spool(Path.of(kafka.getEventSpoolDir().strip()),
                        kafka.getEventSpoolMaxBytes(), kafka.getEventSpoolMaxAge(),
                        KafkaUsagePublisher.Spool.DEFAULT_STALL_TIMEOUT);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + ".kafka.event-spool: "
                        + e.getMessage(), e);
            }
        }
        try {
            return new KafkaUsagePublisher(producer, kafka.getEventBuffer(), spool, CLOCK);
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + ".kafka.event-spool-dir: "
                    + e.getMessage(), e);
        }
    }

    @Singleton
    ClientIpResolver tokenwatchClientIpResolver(TokenwatchFilterConfiguration config) {
        try {
            return new ClientIpResolver(Cidr.parseAll(config.getTrustedProxies().stream().map(String::strip)
                    .filter(c -> !c.isEmpty()).toList()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + ".trusted-proxies: "
                    + e.getMessage(), e);
        }
    }

    @Singleton
    SecurityHeaders tokenwatchSecurityHeaders(TokenwatchFilterConfiguration config) {
        TokenwatchFilterConfiguration.HeaderPolicy policy = config.getSecurityHeaders();
        if (!policy.isEnabled()) {
            return SecurityHeaders.none();
        }
        return SecurityHeaders.builder().hstsAlways(policy.isHstsAlways()).build();
    }

    @Singleton
    @Requires(property = TokenwatchFilterConfiguration.PREFIX + ".rate-limit.rules")
    RateLimiter tokenwatchRateLimiter(TokenwatchFilterConfiguration config) {
        TokenwatchFilterConfiguration.RateLimit limits = config.getRateLimit();
        try {
            RateLimitPolicy policy = RateLimitRules.parse(limits.getRules());
            return RateLimiter.builder(policy, CLOCK)
                    .throttleFactor(limits.getThrottleFactor())
                    .maximumBuckets(limits.getMaximumBuckets())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + ".rate-limit: "
                    + e.getMessage(), e);
        }
    }

    @Singleton
    PathRules tokenwatchPathRules(TokenwatchFilterConfiguration config) {
        return new PathRules(config.getExcludedPaths(), config.getRouteTemplates());
    }

    @Context
    TokenFilter tokenwatchTokenFilter(TokenwatchFilterConfiguration config, TokenValidator validator,
                                      RevocationView view, KafkaUsagePublisher publisher, SecurityHeaders headers,
                                      @Nullable RateLimiter rateLimiter, @Nullable GeoResolver geoResolver) {
        TokenFilter.Settings settings = new TokenFilter.Settings(required(config.getFilterId(), "filter-id"),
                required(config.getService(), "service"), config.getRealm());
        TokenFilter.Builder builder = TokenFilter.builder(settings, validator, view, publisher, CLOCK)
                .securityHeaders(headers);
        try {
            builder.keysUnavailableStatus(config.getKeysUnavailableStatus(), TokenFilter.DEFAULT_KEYS_RETRY_AFTER_SECONDS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + ".keys-unavailable-status: "
                    + e.getMessage(), e);
        }
        if (rateLimiter != null) {
            builder.rateLimiter(rateLimiter);
        }
        if (geoResolver != null) {
            builder.geoResolver(geoResolver);
        }
        return builder.build();
    }

    /** The shared connection settings: the configured client properties, then the bootstrap servers. */
    private static Properties kafkaClient(TokenwatchFilterConfiguration config) {
        Properties props = new Properties();
        props.putAll(config.getKafka().getProperties());
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                required(config.getKafka().getBootstrapServers(), "kafka.bootstrap-servers"));
        return props;
    }

    private static String required(String value, String property) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(TokenwatchFilterConfiguration.PREFIX + "." + property + " is required");
        }
        return value.strip();
    }
}
