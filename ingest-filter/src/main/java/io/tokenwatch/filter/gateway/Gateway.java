package io.tokenwatch.filter.gateway;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.revocation.RevocationListener;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Starts and stops the sidecar gateway: a Micronaut context with the tokenwatch filter
 * ({@code tokenwatch.filter.*}) and the reverse proxy ({@code tokenwatch.gateway.*}) on an HTTP
 * server ({@code micronaut.server.port}, default 8080). A service in any language is protected by
 * routing its traffic through it.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(Map.of(
 *         "tokenwatch.gateway.upstream", "http://127.0.0.1:9000",
 *         "tokenwatch.filter.issuer", "https://issuer.example",
 *         "tokenwatch.filter.audiences", "orders-api",
 *         "tokenwatch.filter.keys.jwks-file", "/etc/tokenwatch/jwks.json",
 *         "tokenwatch.filter.kafka.bootstrap-servers", "kafka:9092"))) {
 *     gateway.awaitReady(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * Properties given here win over the defaults below; environment variables
 * ({@code TOKENWATCH_GATEWAY_UPSTREAM}, ...) and system properties are read too, as Micronaut does.
 * Defaults: {@code micronaut.application.name=tokenwatch-gateway} and
 * {@code endpoints.prometheus.sensitive=false} (the scrape endpoint needs no login).
 *
 * <p>{@code tokenwatch.filter.enabled=false} starts the same proxy without the filter, forwarding every
 * request unchecked, with a warning at start-up: the baseline of the gateway load run, never a way
 * to serve traffic ({@link UnfilteredGatewayFactory}).
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class Gateway implements AutoCloseable {

    /** Defaults a gateway starts with, under whatever the caller passes. */
    public static final Map<String, Object> DEFAULTS = Map.of(
            "micronaut.application.name", "tokenwatch-gateway",
            "endpoints.prometheus.sensitive", false);

    private final ApplicationContext context;
    private final EmbeddedServer server;

    private Gateway(ApplicationContext context, EmbeddedServer server) {
        this.context = context;
        this.server = server;
    }

    /**
     * Starts a gateway with these properties and returns once it listens. Readiness (the revocation
     * replay) is not waited for: see {@link #awaitReady}.
     *
     * @throws IllegalStateException with a one-line reason if the configuration is unusable (no
     *                               upstream, no key, a bad key file, ...) or the port cannot be bound
     */
    public static Gateway start(Map<String, Object> properties) {
        Map<String, Object> all = new LinkedHashMap<>(DEFAULTS);
        all.putAll(Objects.requireNonNull(properties, "properties"));
        ApplicationContext context = ApplicationContext.builder().properties(all).build();
        try {
            context.start();
            if (!context.containsBean(GatewayProxyFilter.class)) {
                throw new IllegalArgumentException(GatewayConfiguration.PREFIX + ".upstream is required");
            }
            EmbeddedServer server = context.getBean(EmbeddedServer.class);
            if (!server.isRunning()) {
                server.start();
            }
            return new Gateway(context, server);
        } catch (RuntimeException e) {
            stopQuietly(context);
            throw new IllegalStateException("gateway did not start: " + reason(e), e);
        }
    }

    /** Stops what a failed start had already started (Kafka clients of the filter), whatever state it is in. */
    private static void stopQuietly(ApplicationContext context) {
        try {
            context.stop();
        } catch (RuntimeException e) {
            // Already failing; the start-up error is the one to report.
        }
    }

    /** The port the gateway listens on. */
    public int port() {
        return server.getPort();
    }

    /** The gateway's base URL, e.g. {@code http://localhost:8080}. */
    public URI url() {
        return server.getURI();
    }

    /**
     * False when {@code tokenwatch.filter.enabled=false}: the gateway then forwards every request
     * unchecked ({@link UnfilteredGatewayFactory}).
     */
    public boolean isFilterEnabled() {
        return context.containsBean(TokenFilter.class);
    }

    /** True once the revocation view has caught up (readiness UP); always true with the filter off. */
    public boolean isReady() {
        return context.findBean(RevocationListener.class).map(RevocationListener::isReady).orElse(true);
    }

    /** Waits until {@link #isReady()}; returns whether it became ready in time. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        Optional<RevocationListener> listener = context.findBean(RevocationListener.class);
        return listener.isEmpty() || listener.get().awaitReady(timeout);
    }

    /** The running context, for tests and embedding. */
    public ApplicationContext context() {
        return context;
    }

    /** Stops the server and the context: Kafka clients closed, buffered usage events flushed. */
    @Override
    public void close() {
        if (context.isRunning()) {
            context.close();
        }
    }

    /**
     * Runs a gateway configured from environment variables and system properties alone, until the
     * process is stopped.
     */
    public static void main(String[] args) throws InterruptedException {
        Gateway gateway;
        try {
            gateway = start(Map.of());
        } catch (IllegalStateException e) {
            System.err.println("tokenwatch gateway: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "tokenwatch-gateway-shutdown"));
        System.out.println("tokenwatch gateway listening on " + gateway.url());
        stopped.await();
    }

    /**
     * One line saying why: the first cause that is ours or the JDK's (a key file, an address in use)
     * rather than Micronaut's wrapping, whose messages span many lines of injection paths.
     */
    static String reason(Throwable error) {
        Throwable own = null;
        for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
            if (!t.getClass().getName().startsWith("io.micronaut.") && t.getMessage() != null) {
                own = t;
                break;
            }
        }
        String message = own != null ? own.getMessage() : String.valueOf(error.getMessage());
        int newline = message.indexOf('\n');
        return newline >= 0 ? message.substring(0, newline).strip() : message;
    }
}
