package io.tokenwatch.launcher;

import io.tokenwatch.filter.gateway.Gateway;
import io.tokenwatch.filter.micronaut.TokenwatchFilterConfiguration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tokenwatch gateway}: the sidecar reverse proxy. Every request is checked by the filter and,
 * if accepted, forwarded to {@code --upstream} with the verified subject in a header; runs until
 * interrupted. A broker that cannot be reached is not an error: readiness stays DOWN (and requests
 * get 503) until the revocations are caught up. Options become {@code tokenwatch.*} properties;
 * {@code --set key=value} passes any other (e.g. {@code micronaut.server.ssl.*}).
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Run the JWT-checking reverse proxy in front of a service in any language.")
final class GatewayCommand implements Callable<Integer> {

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

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--trusted-proxy", paramLabel = "CIDR",
            description = "A proxy network whose X-Forwarded-For entries are believed; repeatable.")
    List<String> trustedProxies = new ArrayList<>();

    @Option(names = "--service", defaultValue = "service", description = "The protected service's name in usage events (default: ${DEFAULT-VALUE}).")
    String service;

    @Option(names = "--filter-id", description = "This instance's id in usage events (default: the host name).")
    String filterId;

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

    @Mixin
    GeoOptions geo;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any other property; repeatable.")
    Map<String, String> extra = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Gateway gateway = Gateway.start(properties());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "tokenwatch-gateway-shutdown"));
        var out = spec.commandLine().getOut();
        out.printf("gateway listening on port %d -> %s; readiness DOWN until revocations are caught up from %s;"
                + " Ctrl-C to stop%n", gateway.port(), upstream, kafka.bootstrapServers());
        out.flush();
        Thread readiness = new Thread(() -> {
            try {
                while (!gateway.awaitReady(Duration.ofSeconds(30))) {
                    out.printf("still waiting for revocations from %s (requests get 503)%n", kafka.bootstrapServers());
                    out.flush();
                }
                out.println("revocations caught up: gateway ready");
                out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // The context is closing.
            }
        }, "tokenwatch-gateway-readiness");
        readiness.setDaemon(true);
        readiness.start();
        stopped.await();
        return 0;
    }

    /** The Micronaut properties these options stand for. */
    Map<String, Object> properties() {
        String f = TokenwatchFilterConfiguration.PREFIX;
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("micronaut.server.port", port);
        if (host != null) {
            props.put("micronaut.server.host", host);
        }
        props.put("tokenwatch.gateway.upstream", upstream);
        props.put("tokenwatch.gateway.subject-header", subjectHeader);
        props.put("tokenwatch.gateway.subject-format", subjectFormat);
        props.put(f + ".issuer", issuer);
        props.put(f + ".audiences", audiences);
        props.put(f + ".service", service);
        if (filterId != null) {
            props.put(f + ".filter-id", filterId);
        }
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
        Properties client = kafka.clientProperties();
        props.put(f + ".kafka.bootstrap-servers", kafka.bootstrapServers());
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
        if (hstsAlways) {
            props.put(f + ".security-headers.hsts-always", true);
        }
        geo.putInto(props);
        props.putAll(extra);
        return props;
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
