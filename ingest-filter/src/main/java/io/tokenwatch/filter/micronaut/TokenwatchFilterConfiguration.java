package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.convert.format.ReadableBytes;
import io.micronaut.core.naming.conventions.StringConvention;
import io.tokenwatch.filter.jwks.JwksKeySource;
import io.tokenwatch.filter.ratelimit.RateLimiter;
import io.tokenwatch.filter.telemetry.KafkaUsagePublisher;
import io.tokenwatch.filter.validation.IssuerPolicy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything under {@code tokenwatch.filter.*}: who this filter is, which issuer it trusts with which
 * keys, where Kafka is, and the optional rate limits and header policy. Read by
 * {@link TokenwatchFilterFactory}, which turns it into the framework-free core and refuses to start on
 * anything it cannot use (no issuer, no audience, no key, an unreadable key file).
 *
 * <p>Every property, with its default:
 * <pre>
 * tokenwatch.filter.enabled               true      false: no filter beans at all
 * tokenwatch.filter.service               service   the protected service, in usage events
 * tokenwatch.filter.filter-id             host name this instance, in usage events
 * tokenwatch.filter.realm                 = service the realm of WWW-Authenticate challenges
 * tokenwatch.filter.issuer                (required) exact iss
 * tokenwatch.filter.audiences             (required) accepted aud values, comma-separated or a list
 * tokenwatch.filter.algorithms            keys' own only these JWS algorithms (on top of each key's binding)
 * tokenwatch.filter.required-claims       none      claims beyond exp, iss, aud every token must carry
 * tokenwatch.filter.type                  any       required typ header, e.g. at+jwt
 * tokenwatch.filter.clock-skew            60s       at most 5m
 * tokenwatch.filter.max-token-bytes       8192
 * tokenwatch.filter.max-lifetime          24h       setting it explicitly also makes iat required
 * tokenwatch.filter.trusted-proxies       none      CIDRs whose X-Forwarded-For entries are believed
 * tokenwatch.filter.excluded-paths        /health/**, /prometheus   not token-checked (RoutePattern globs)
 * tokenwatch.filter.route-templates       none      templates for requests no controller route matches
 * tokenwatch.filter.device-id-header      none      request header carrying the device id for usage events
 * tokenwatch.filter.require-ready         true      503 until the revocation view has caught up
 * tokenwatch.filter.keys-unavailable-status 503    answer when no key set could be obtained (keys_unavailable):
 *                                                   503 with Retry-After, or 401 invalid_token (fail closed)
 * tokenwatch.filter.keys.jwks-uri         -         the issuer's JWKS URL (https; http only on loopback unless
 *                                                   jwks-allow-http); needs algorithms (or keys.alg); not combined
 *                                                   with the static sources below
 * tokenwatch.filter.keys.jwks-refresh-interval 5m   background refresh of the JWKS
 * tokenwatch.filter.keys.jwks-min-refresh-interval 30s  fewest seconds between fetches an unknown kid can cause
 * tokenwatch.filter.keys.jwks-timeout     2s        connect timeout and bound on one fetch; also how long a request
 *                                                   with an unknown kid waits for the shared refresh
 * tokenwatch.filter.keys.jwks-allow-http  false     plain http to a non-loopback JWKS host (loopback always allowed)
 * tokenwatch.filter.keys.jwk              -         inline JWK or JWK Set JSON
 * tokenwatch.filter.keys.jwks-file        -         path of a JWK or JWK Set file
 * tokenwatch.filter.keys.pem-file         -         path of a PEM PUBLIC KEY (needs alg)
 * tokenwatch.filter.keys.hmac-secret      -         HMAC secret, UTF-8, or base64: / base64url: prefixed (needs alg)
 * tokenwatch.filter.keys.alg              -         alg of the PEM key, the HMAC secret, and JWKs without alg
 *                                                   (for a JWKS: default = the one configured algorithm)
 * tokenwatch.filter.keys.kid              -         kid of the PEM key or the HMAC secret
 * tokenwatch.filter.kafka.bootstrap-servers (required)
 * tokenwatch.filter.kafka.properties.*    none      client properties (security.protocol, ssl.*, sasl.*) for both clients
 * tokenwatch.filter.kafka.event-buffer    10000     usage events buffered in memory before new ones are dropped
 * tokenwatch.filter.kafka.event-spool-dir none      directory of the disk spool that keeps usage events while
 *                                                   Kafka is unreachable (none: no spool; the gateway sets one)
 * tokenwatch.filter.kafka.event-spool-max-bytes 256MB  bound of the spool; events beyond it are dropped, counted
 * tokenwatch.filter.kafka.event-spool-max-age 24h   spooled events older than this are dropped, counted (the
 *                                                   detector's window would no longer use them)
 * tokenwatch.filter.rate-limit.rules      none      "id pattern per-subject per-ip", e.g. "api /api/** 100/1m 20/1m"
 * tokenwatch.filter.rate-limit.throttle-factor 0.1  share of capacity kept under a throttle command
 * tokenwatch.filter.rate-limit.maximum-buckets 100000
 * tokenwatch.filter.cache.enabled        true      verified-token cache (fingerprint → claims until exp) and
 *                                                   a short negative cache of signature-level failures
 * tokenwatch.filter.cache.maximum-tokens  100000    valid tokens remembered
 * tokenwatch.filter.cache.maximum-rejected 10000    forged or garbage tokens remembered
 * tokenwatch.filter.cache.rejected-ttl    30s       how long a signature-level failure is remembered
 * tokenwatch.filter.security-headers.enabled     true   false: no security headers at all
 * tokenwatch.filter.security-headers.hsts-always false  HSTS on plain HTTP too (TLS ends in front)
 * </pre>
 *
 * <p>Geo of usage events, under {@code tokenwatch.filter.geo.*}, is bound by {@link GeoConfiguration},
 * whose Javadoc lists its properties and defaults:
 * <pre>
 * tokenwatch.filter.geo.cdn-headers       = country-header set   believe CDN geo headers from trusted proxies
 * tokenwatch.filter.geo.country-header    CloudFront-Viewer-Country   and region-, latitude-, longitude-, asn-header
 * tokenwatch.filter.geo.table             none      CSV cidr,country,region,lat,lon,asn[,accuracy_radius_km,
 *                                                   connection_type,anonymizer]
 * tokenwatch.filter.geo.database          none      GeoIP2/GeoLite2 City or Country .mmdb
 * tokenwatch.filter.geo.asn-database      none      GeoLite2/GeoIP2 ASN .mmdb
 * tokenwatch.filter.geo.connection-type-database  none  GeoIP2 Connection-Type .mmdb
 * tokenwatch.filter.geo.anonymous-database        none  GeoIP2 Anonymous-IP (or Anonymous-Plus) .mmdb
 * tokenwatch.filter.geo.cache-size        10000     client addresses whose database answers are kept
 * </pre>
 *
 * <p>A mutable configuration bean, as Micronaut binds it; read once at start. Not thread-safe.
 */
@ConfigurationProperties(TokenwatchFilterConfiguration.PREFIX)
public class TokenwatchFilterConfiguration {

    public static final String PREFIX = "tokenwatch.filter";
    public static final List<String> DEFAULT_EXCLUDED_PATHS = List.of("/health/**", "/prometheus");

    private boolean enabled = true;
    private String service = "service";
    private String filterId = defaultFilterId();
    private String realm;
    private String issuer;
    private List<String> audiences = new ArrayList<>();
    private List<String> algorithms = new ArrayList<>();
    private List<String> requiredClaims = new ArrayList<>();
    private String type;
    private Duration clockSkew = IssuerPolicy.DEFAULT_CLOCK_SKEW;
    private int maxTokenBytes = IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES;
    private Duration maxLifetime;
    private List<String> trustedProxies = new ArrayList<>();
    private List<String> excludedPaths = new ArrayList<>(DEFAULT_EXCLUDED_PATHS);
    private List<String> routeTemplates = new ArrayList<>();
    private String deviceIdHeader;
    private boolean requireReady = true;
    private int keysUnavailableStatus = 503;
    private Keys keys = new Keys();
    private Kafka kafka = new Kafka();
    private RateLimit rateLimit = new RateLimit();
    private Cache cache = new Cache();
    private HeaderPolicy securityHeaders = new HeaderPolicy();

    /** List elements stripped, blanks dropped: "a, b" from one property or an environment variable is [a, b]. */
    static List<String> clean(List<String> values) {
        List<String> cleaned = new ArrayList<>();
        if (values != null) {
            for (String value : values) {
                if (value != null && !value.isBlank()) {
                    cleaned.add(value.strip());
                }
            }
        }
        return cleaned;
    }

    private static String defaultFilterId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "tokenwatch-filter";
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getService() {
        return service;
    }

    public void setService(String service) {
        this.service = service;
    }

    public String getFilterId() {
        return filterId;
    }

    public void setFilterId(String filterId) {
        this.filterId = filterId;
    }

    /** The configured realm, or the service name. */
    public String getRealm() {
        return realm == null || realm.isBlank() ? service : realm;
    }

    public void setRealm(String realm) {
        this.realm = realm;
    }

    public String getIssuer() {
        return issuer;
    }

    public void setIssuer(String issuer) {
        this.issuer = issuer;
    }

    public List<String> getAudiences() {
        return audiences;
    }

    public void setAudiences(List<String> audiences) {
        this.audiences = clean(audiences);
    }

    public List<String> getAlgorithms() {
        return algorithms;
    }

    public void setAlgorithms(List<String> algorithms) {
        this.algorithms = clean(algorithms);
    }

    public List<String> getRequiredClaims() {
        return requiredClaims;
    }

    public void setRequiredClaims(List<String> requiredClaims) {
        this.requiredClaims = clean(requiredClaims);
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public Duration getClockSkew() {
        return clockSkew;
    }

    public void setClockSkew(Duration clockSkew) {
        this.clockSkew = clockSkew;
    }

    public int getMaxTokenBytes() {
        return maxTokenBytes;
    }

    public void setMaxTokenBytes(int maxTokenBytes) {
        this.maxTokenBytes = maxTokenBytes;
    }

    /** The configured maximum lifetime, or null for the policy default (which does not require iat). */
    public Duration getMaxLifetime() {
        return maxLifetime;
    }

    public void setMaxLifetime(Duration maxLifetime) {
        this.maxLifetime = maxLifetime;
    }

    public List<String> getTrustedProxies() {
        return trustedProxies;
    }

    public void setTrustedProxies(List<String> trustedProxies) {
        this.trustedProxies = clean(trustedProxies);
    }

    public List<String> getExcludedPaths() {
        return excludedPaths;
    }

    public void setExcludedPaths(List<String> excludedPaths) {
        this.excludedPaths = clean(excludedPaths);
    }

    public List<String> getRouteTemplates() {
        return routeTemplates;
    }

    public void setRouteTemplates(List<String> routeTemplates) {
        this.routeTemplates = clean(routeTemplates);
    }

    public String getDeviceIdHeader() {
        return deviceIdHeader;
    }

    public void setDeviceIdHeader(String deviceIdHeader) {
        this.deviceIdHeader = deviceIdHeader;
    }

    public boolean isRequireReady() {
        return requireReady;
    }

    public void setRequireReady(boolean requireReady) {
        this.requireReady = requireReady;
    }

    /** 503 (default, with Retry-After) or 401: the answer when no key set could be obtained. */
    public int getKeysUnavailableStatus() {
        return keysUnavailableStatus;
    }

    public void setKeysUnavailableStatus(int keysUnavailableStatus) {
        this.keysUnavailableStatus = keysUnavailableStatus;
    }

    public Keys getKeys() {
        return keys;
    }

    public void setKeys(Keys keys) {
        this.keys = keys;
    }

    public Kafka getKafka() {
        return kafka;
    }

    public void setKafka(Kafka kafka) {
        this.kafka = kafka;
    }

    public RateLimit getRateLimit() {
        return rateLimit;
    }

    public Cache getCache() {
        return cache;
    }

    public void setCache(Cache cache) {
        this.cache = cache;
    }

    public void setRateLimit(RateLimit rateLimit) {
        this.rateLimit = rateLimit;
    }

    public HeaderPolicy getSecurityHeaders() {
        return securityHeaders;
    }

    public void setSecurityHeaders(HeaderPolicy securityHeaders) {
        this.securityHeaders = securityHeaders;
    }

    /**
     * {@code tokenwatch.filter.keys.*}: the issuer's verification keys, from configuration only (never
     * from a token header): a JWKS URL, or static sources, which may be combined (with more than one key
     * each needs a kid).
     */
    @ConfigurationProperties("keys")
    public static class Keys {

        private String jwksUri;
        private Duration jwksRefreshInterval = JwksKeySource.DEFAULT_REFRESH_INTERVAL;
        private Duration jwksMinRefreshInterval = JwksKeySource.DEFAULT_MIN_REFRESH_INTERVAL;
        private Duration jwksTimeout = JwksKeySource.DEFAULT_TIMEOUT;
        private boolean jwksAllowHttp;
        private String jwk;
        private String jwksFile;
        private String pemFile;
        private String hmacSecret;
        private String alg;
        private String kid;

        public String getJwksUri() {
            return jwksUri;
        }

        public void setJwksUri(String jwksUri) {
            this.jwksUri = jwksUri;
        }

        public Duration getJwksRefreshInterval() {
            return jwksRefreshInterval;
        }

        public void setJwksRefreshInterval(Duration jwksRefreshInterval) {
            this.jwksRefreshInterval = jwksRefreshInterval;
        }

        public Duration getJwksMinRefreshInterval() {
            return jwksMinRefreshInterval;
        }

        public void setJwksMinRefreshInterval(Duration jwksMinRefreshInterval) {
            this.jwksMinRefreshInterval = jwksMinRefreshInterval;
        }

        public Duration getJwksTimeout() {
            return jwksTimeout;
        }

        public void setJwksTimeout(Duration jwksTimeout) {
            this.jwksTimeout = jwksTimeout;
        }

        public boolean isJwksAllowHttp() {
            return jwksAllowHttp;
        }

        public void setJwksAllowHttp(boolean jwksAllowHttp) {
            this.jwksAllowHttp = jwksAllowHttp;
        }

        public String getJwk() {
            return jwk;
        }

        public void setJwk(String jwk) {
            this.jwk = jwk;
        }

        public String getJwksFile() {
            return jwksFile;
        }

        public void setJwksFile(String jwksFile) {
            this.jwksFile = jwksFile;
        }

        public String getPemFile() {
            return pemFile;
        }

        public void setPemFile(String pemFile) {
            this.pemFile = pemFile;
        }

        public String getHmacSecret() {
            return hmacSecret;
        }

        public void setHmacSecret(String hmacSecret) {
            this.hmacSecret = hmacSecret;
        }

        public String getAlg() {
            return alg;
        }

        public void setAlg(String alg) {
            this.alg = alg;
        }

        public String getKid() {
            return kid;
        }

        public void setKid(String kid) {
            this.kid = kid;
        }

        @Override
        public String toString() {
            // Never the secret.
            return "Keys[jwksUri=" + jwksUri + ", jwk=" + (jwk != null) + ", jwksFile=" + jwksFile + ", pemFile=" + pemFile + ", hmacSecret="
                    + (hmacSecret != null ? "(set)" : null) + ", alg=" + alg + ", kid=" + kid + "]";
        }
    }

    /** {@code tokenwatch.filter.kafka.*}: the cluster holding the usage and revocation topics. */
    @ConfigurationProperties("kafka")
    public static class Kafka {

        private String bootstrapServers;
        private Map<String, String> properties = new LinkedHashMap<>();
        private int eventBuffer = KafkaUsagePublisher.DEFAULT_CAPACITY;
        private String eventSpoolDir;
        private long eventSpoolMaxBytes = KafkaUsagePublisher.Spool.DEFAULT_MAX_BYTES;
        private Duration eventSpoolMaxAge = KafkaUsagePublisher.Spool.DEFAULT_MAX_AGE;

        public String getBootstrapServers() {
            return bootstrapServers;
        }

        public void setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        public Map<String, String> getProperties() {
            return properties;
        }

        /** Kept flat and verbatim: Kafka's own names ({@code ssl.truststore.location}) are the keys. */
        public void setProperties(@MapFormat(transformation = MapFormat.MapTransformation.FLAT,
                keyFormat = StringConvention.RAW) Map<String, String> properties) {
            this.properties = properties == null ? new LinkedHashMap<>() : new LinkedHashMap<>(properties);
        }

        public int getEventBuffer() {
            return eventBuffer;
        }

        public void setEventBuffer(int eventBuffer) {
            this.eventBuffer = eventBuffer;
        }

        public String getEventSpoolDir() {
            return eventSpoolDir;
        }

        public void setEventSpoolDir(String eventSpoolDir) {
            this.eventSpoolDir = eventSpoolDir;
        }

        public long getEventSpoolMaxBytes() {
            return eventSpoolMaxBytes;
        }

        /** Bytes, or a size such as {@code 256MB} (Micronaut's readable bytes: KB, MB, GB are powers of 1024). */
        public void setEventSpoolMaxBytes(@ReadableBytes long eventSpoolMaxBytes) {
            this.eventSpoolMaxBytes = eventSpoolMaxBytes;
        }

        public Duration getEventSpoolMaxAge() {
            return eventSpoolMaxAge;
        }

        public void setEventSpoolMaxAge(Duration eventSpoolMaxAge) {
            this.eventSpoolMaxAge = eventSpoolMaxAge;
        }
    }

    /** {@code tokenwatch.filter.rate-limit.*}: optional token buckets; see {@link RateLimitRules}. */
    @ConfigurationProperties("rate-limit")
    public static class RateLimit {

        private List<String> rules = new ArrayList<>();
        private double throttleFactor = RateLimiter.DEFAULT_THROTTLE_FACTOR;
        private long maximumBuckets = RateLimiter.DEFAULT_MAXIMUM_BUCKETS;

        public List<String> getRules() {
            return rules;
        }

        public void setRules(List<String> rules) {
            this.rules = clean(rules);
        }

        public double getThrottleFactor() {
            return throttleFactor;
        }

        public void setThrottleFactor(double throttleFactor) {
            this.throttleFactor = throttleFactor;
        }

        public long getMaximumBuckets() {
            return maximumBuckets;
        }

        public void setMaximumBuckets(long maximumBuckets) {
            this.maximumBuckets = maximumBuckets;
        }
    }

    /**
     * {@code tokenwatch.filter.cache.*}: the {@link io.tokenwatch.filter.validation.VerifiedTokenCache}. A
     * repeated token skips signature work; revocation, rate limits and expiry still apply on every request.
     */
    @ConfigurationProperties("cache")
    public static class Cache {

        private boolean enabled = true;
        private int maximumTokens = io.tokenwatch.filter.validation.VerifiedTokenCache.DEFAULT_MAX_VERIFIED;
        private int maximumRejected = io.tokenwatch.filter.validation.VerifiedTokenCache.DEFAULT_MAX_REJECTED;
        private Duration rejectedTtl = io.tokenwatch.filter.validation.VerifiedTokenCache.DEFAULT_REJECTED_TTL;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaximumTokens() {
            return maximumTokens;
        }

        public void setMaximumTokens(int maximumTokens) {
            this.maximumTokens = maximumTokens;
        }

        public int getMaximumRejected() {
            return maximumRejected;
        }

        public void setMaximumRejected(int maximumRejected) {
            this.maximumRejected = maximumRejected;
        }

        public Duration getRejectedTtl() {
            return rejectedTtl;
        }

        public void setRejectedTtl(Duration rejectedTtl) {
            this.rejectedTtl = rejectedTtl;
        }
    }

    /** {@code tokenwatch.filter.security-headers.*}: the header policy of seed layer 6. */
    @ConfigurationProperties("security-headers")
    public static class HeaderPolicy {

        private boolean enabled = true;
        private boolean hstsAlways;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public boolean isHstsAlways() {
            return hstsAlways;
        }

        public void setHstsAlways(boolean hstsAlways) {
            this.hstsAlways = hstsAlways;
        }
    }
}
