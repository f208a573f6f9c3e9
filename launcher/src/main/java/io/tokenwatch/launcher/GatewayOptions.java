package io.tokenwatch.launcher;

import io.tokenwatch.filter.micronaut.TokenwatchFilterConfiguration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's options, shared by {@code tokenwatch gateway} and {@code tokenwatch up}: the upstream,
 * the listening port, the issuer and its keys, and the filter's policy. {@link #properties} turns them
 * into the {@code tokenwatch.filter.*}, {@code tokenwatch.gateway.*} and {@code micronaut.*} properties
 * {@link io.tokenwatch.filter.gateway.Gateway#start} reads; {@code --set key=value} passes any other.
 *
 * <p>Mutable, as picocli binds it; used by one thread.
 */
final class GatewayOptions {

    private static final Pattern METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMG]i?B)?", Pattern.CASE_INSENSITIVE);

    @Option(names = "--upstream", required = true, paramLabel = "URL",
            description = "Where accepted requests go, e.g. http://127.0.0.1:9000.")
    String upstream;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to bind (default: all).")
    String host;

    @Option(names = "--issuer", required = true, description = "The trusted issuer (exact iss).")
    String issuer;

    @Option(names = "--audience", required = true, paramLabel = "AUD",
            description = "An accepted aud value; repeatable.")
    List<String> audiences;

    @Option(names = "--jwks-uri", paramLabel = "URL",
            description = "The issuer's JWKS URL (https; http only on loopback unless --jwks-allow-http), fetched and"
                    + " refreshed in the background; needs --algorithm (or --alg). Never combined with other key options.")
    String jwksUri;

    @Option(names = "--algorithm", paramLabel = "ALG",
            description = "An algorithm the issuer signs with (e.g. RS256); repeatable. Required with --jwks-uri unless --alg is given.")
    List<String> algorithms = new ArrayList<>();

    @Option(names = "--jwks-refresh-interval", paramLabel = "DURATION",
            description = "Background refresh of the JWKS (default: 5m).")
    String jwksRefreshInterval;

    @Option(names = "--jwks-min-refresh-interval", paramLabel = "DURATION",
            description = "Shortest gap between fetches an unknown kid can cause (default: 30s).")
    String jwksMinRefreshInterval;

    @Option(names = "--jwks-timeout", paramLabel = "DURATION",
            description = "Connect timeout and bound on one JWKS fetch (default: 2s).")
    String jwksTimeout;

    @Option(names = "--jwks-allow-http", description = "Allow a plain-http JWKS URL on a non-loopback host.")
    boolean jwksAllowHttp;

    @Option(names = "--keys-unavailable-status", paramLabel = "STATUS",
            description = "Answer when no JWKS was ever obtained: 503 (with Retry-After) or 401 (fail closed) (default: 503).")
    Integer keysUnavailableStatus;

    @Option(names = "--jwks-file", paramLabel = "FILE", description = "The issuer's public keys as a JWK Set (or one JWK).")
    Path jwksFile;

    @Option(names = "--jwk", paramLabel = "JSON", description = "The issuer's public key(s) as inline JWK or JWK Set JSON.")
    String jwk;

    @Option(names = "--pem-file", paramLabel = "FILE", description = "The issuer's public key as a PEM PUBLIC KEY (needs --alg).")
    Path pemFile;

    @Option(names = "--hmac-secret-env", paramLabel = "VAR",
            description = "Environment variable holding an HMAC secret (needs --alg); never on the command line.")
    String hmacSecretEnv;

    @Option(names = "--alg", description = "Algorithm of the PEM key, the HMAC secret, and JWKs without alg (e.g. ES256).")
    String alg;

    @Option(names = "--kid", description = "Key id of the PEM key or the HMAC secret.")
    String kid;

    @Option(names = "--trusted-proxy", paramLabel = "CIDR",
            description = "A proxy network whose X-Forwarded-For entries are believed; repeatable.")
    List<String> trustedProxies = new ArrayList<>();

    @Option(names = "--service", defaultValue = "service", description = "The protected service's name in usage events (default: ${DEFAULT-VALUE}).")
    String service;

    @Option(names = "--filter-id", description = "This instance's id in usage events (default: the host name).")
    String filterId;

    @Option(names = "--device-id-header", paramLabel = "HEADER",
            description = "Request header carrying a device id for usage events (default: none).")
    String deviceIdHeader;

    @Mixin
    GeoOptions geo = new GeoOptions();

    @Option(names = "--subject-header", defaultValue = "X-Tokenwatch-Subject",
            description = "Header carrying the verified subject upstream (default: ${DEFAULT-VALUE}).")
    String subjectHeader;

    @Option(names = "--subject-format", defaultValue = "iss-sub",
            description = "iss-sub (\"iss|sub\") or sub (default: ${DEFAULT-VALUE}).")
    String subjectFormat;

    @Option(names = "--public", paramLabel = "PATTERN",
            description = "A path pattern proxied without a token check (e.g. /public/**); repeatable.")
    List<String> publicPaths = new ArrayList<>();

    @Option(names = "--route-template", paramLabel = "TEMPLATE",
            description = "A route template reported instead of raw paths, e.g. /orders/{id}; repeatable.")
    List<String> routeTemplates = new ArrayList<>();

    @Option(names = "--rate-limit", paramLabel = "RULE",
            description = "\"<id> <pattern> <per-subject> <per-ip>\", e.g. \"api /api/** 100/1m 20/1m\"; repeatable, first match wins.")
    List<String> rateLimits = new ArrayList<>();

    @Option(names = "--hsts-always", description = "Send Strict-Transport-Security over plain HTTP too (TLS ends in front).")
    boolean hstsAlways;

    @Option(names = "--event-spool-dir", paramLabel = "DIR",
            description = "Disk spool keeping usage events while Kafka is unreachable, shipped in order when it returns;"
                    + " survives a gateway restart; 'none' turns it off (default: <java.io.tmpdir>/tokenwatch-gateway-<port>/event-spool,"
                    + " a fresh temporary directory with --port 0).")
    String eventSpoolDir;

    @Option(names = "--event-spool-max-bytes", paramLabel = "SIZE",
            description = "Bound of the event spool, e.g. 512MB; events beyond it are dropped and counted (default: 256MB).")
    String eventSpoolMaxBytes;

    @Option(names = "--event-spool-max-age", paramLabel = "DURATION",
            description = "Spooled events older than this are dropped and counted, as the detector's window no longer"
                    + " covers them (default: 24h).")
    String eventSpoolMaxAge;

    @Option(names = "--max-body-size", paramLabel = "SIZE",
            description = "Largest request body, e.g. 10MB; a larger one gets 413 without reaching the upstream (default: 10MB).")
    String maxBodySize;

    @Option(names = "--allowed-method", paramLabel = "METHOD",
            description = "A method forwarded upstream; repeatable; others get 405"
                    + " (default: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS).")
    List<String> allowedMethods = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any other property; repeatable.")
    Map<String, String> extra = new LinkedHashMap<>();

    /**
     * The Micronaut properties these options stand for, with the filter's Kafka clients pointed at
     * {@code bootstrapServers} with the TLS/SASL settings of {@code client}.
     *
     * @throws IllegalArgumentException with a one-line reason: a bad upstream URL, no key, an unreadable key file
     */
    Map<String, Object> properties(String bootstrapServers, Properties client) {
        String f = TokenwatchFilterConfiguration.PREFIX;
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("micronaut.server.port", port);
        if (host != null) {
            props.put("micronaut.server.host", host);
        }
        props.put("tokenwatch.gateway.upstream", checkedUpstream(upstream));
        props.put("tokenwatch.gateway.subject-header", subjectHeader);
        props.put("tokenwatch.gateway.subject-format", subjectFormat);
        props.put(f + ".issuer", issuer);
        props.put(f + ".audiences", audiences);
        props.put(f + ".service", service);
        if (filterId != null) {
            props.put(f + ".filter-id", filterId);
        }
        if (deviceIdHeader != null) {
            props.put(f + ".device-id-header", deviceIdHeader);
        }
        putKeys(props, f);
        props.put(f + ".kafka.bootstrap-servers", bootstrapServers);
        for (String name : client.stringPropertyNames()) {
            if (!name.equals("bootstrap.servers")) {
                props.put(f + ".kafka.properties." + name, client.getProperty(name));
            }
        }
        if (!trustedProxies.isEmpty()) {
            props.put(f + ".trusted-proxies", trustedProxies);
        }
        if (!publicPaths.isEmpty()) {
            List<String> excluded = new ArrayList<>(TokenwatchFilterConfiguration.DEFAULT_EXCLUDED_PATHS);
            excluded.addAll(publicPaths);
            props.put(f + ".excluded-paths", excluded);
        }
        if (!routeTemplates.isEmpty()) {
            props.put(f + ".route-templates", routeTemplates);
        }
        if (!rateLimits.isEmpty()) {
            props.put(f + ".rate-limit.rules", rateLimits);
        }
        geo.putInto(props);
        putSpool(props, f);
        if (maxBodySize != null) {
            props.put("micronaut.server.max-request-size", bytes(maxBodySize, "--max-body-size"));
        }
        if (!allowedMethods.isEmpty()) {
            for (String method : allowedMethods) {
                // RFC 9110 §9.1: a method is a token.
                if (!METHOD.matcher(method.strip()).matches()) {
                    throw new IllegalArgumentException("--allowed-method: not a method name: " + method);
                }
            }
            props.put("tokenwatch.gateway.allowed-methods",
                    allowedMethods.stream().map(m -> m.strip().toUpperCase(Locale.ROOT)).toList());
        }
        if (hstsAlways) {
            props.put(f + ".security-headers.hsts-always", true);
        }
        props.putAll(extra);
        return props;
    }

    private void putKeys(Map<String, Object> props, String f) {
        if (jwksUri == null && jwksFile == null && jwk == null && pemFile == null && hmacSecretEnv == null) {
            throw new IllegalArgumentException("give the issuer's key: --jwks-uri (with --algorithm), --jwks-file, --jwk,"
                    + " --pem-file (with --alg) or --hmac-secret-env (with --alg)");
        }
        if (jwksUri != null) {
            props.put(f + ".keys.jwks-uri", jwksUri);
        }
        if (!algorithms.isEmpty()) {
            props.put(f + ".algorithms", algorithms);
        }
        putDuration(props, f + ".keys.jwks-refresh-interval", jwksRefreshInterval, "--jwks-refresh-interval");
        putDuration(props, f + ".keys.jwks-min-refresh-interval", jwksMinRefreshInterval, "--jwks-min-refresh-interval");
        putDuration(props, f + ".keys.jwks-timeout", jwksTimeout, "--jwks-timeout");
        if (jwksAllowHttp) {
            props.put(f + ".keys.jwks-allow-http", true);
        }
        if (keysUnavailableStatus != null) {
            if (keysUnavailableStatus != 503 && keysUnavailableStatus != 401) {
                throw new IllegalArgumentException("--keys-unavailable-status: 503 or 401, not " + keysUnavailableStatus);
            }
            props.put(f + ".keys-unavailable-status", keysUnavailableStatus);
        }
        if (jwksFile != null) {
            props.put(f + ".keys.jwks-file", readable(jwksFile, "--jwks-file").toString());
        }
        if (jwk != null) {
            props.put(f + ".keys.jwk", jwk);
        }
        if (pemFile != null) {
            props.put(f + ".keys.pem-file", readable(pemFile, "--pem-file").toString());
        }
        if (hmacSecretEnv != null) {
            String secret = System.getenv(hmacSecretEnv);
            if (secret == null || secret.isEmpty()) {
                throw new IllegalArgumentException("--hmac-secret-env: environment variable " + hmacSecretEnv
                        + " is not set");
            }
            props.put(f + ".keys.hmac-secret", secret);
        }
        if (alg != null) {
            props.put(f + ".keys.alg", alg);
        }
        if (kid != null) {
            props.put(f + ".keys.kid", kid);
        }
    }

    /**
     * The usage-event spool: on by default under the temporary directory, one per port so two gateways
     * on one host never share one (the spool refuses a directory in use). With {@code --port 0} (any
     * free port) there is no port to name it by, so it gets a fresh temporary directory, which a
     * restart does not find again.
     */
    private void putSpool(Map<String, Object> props, String f) {
        if (eventSpoolDir != null && eventSpoolDir.strip().equalsIgnoreCase("none")) {
            return;
        }
        Path dir;
        if (eventSpoolDir != null) {
            dir = Path.of(eventSpoolDir.strip());
        } else if (port > 0) {
            dir = Path.of(System.getProperty("java.io.tmpdir"), "tokenwatch-gateway-" + port, "event-spool");
        } else {
            try {
                dir = Files.createTempDirectory("tokenwatch-gateway-event-spool-");
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--event-spool-dir: cannot create a temporary directory: "
                        + e.getMessage());
            }
        }
        props.put(f + ".kafka.event-spool-dir", dir.toAbsolutePath().toString());
        if (eventSpoolMaxBytes != null) {
            props.put(f + ".kafka.event-spool-max-bytes", bytes(eventSpoolMaxBytes, "--event-spool-max-bytes"));
        }
        putDuration(props, f + ".kafka.event-spool-max-age", eventSpoolMaxAge, "--event-spool-max-age");
    }

    /** {@code 1048576}, {@code 512KB}, {@code 10MB}, {@code 1GB} (powers of 1024, as Micronaut reads them). */
    static long bytes(String value, String option) {
        Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(option + ": not a size (e.g. 10MB): " + value);
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": too large: " + value);
        }
        int shift = m.group(2) == null ? 0 : switch (Character.toUpperCase(m.group(2).charAt(0))) {
            case 'K' -> 10;
            case 'M' -> 20;
            default -> 30;
        };
        if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(option + ": must be positive and below 8 EiB: " + value);
        }
        return n << shift;
    }

    /** An absolute http or https URL with a host; anything else is refused before anything starts. */
    static String checkedUpstream(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--upstream: not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("--upstream: expected http://HOST[:PORT] or https://HOST[:PORT], got "
                    + url);
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("--upstream: a query or fragment makes no sense in " + url);
        }
        return url;
    }

    /** Checked here, so a typo is one line naming the option; passed on in ISO-8601, which Micronaut reads. */
    private static void putDuration(Map<String, Object> props, String property, String value, String option) {
        if (value == null) {
            return;
        }
        try {
            props.put(property, Durations.parse(value).toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    private static Path readable(Path file, String option) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(option + ": cannot read " + file);
        }
        return file;
    }
}
