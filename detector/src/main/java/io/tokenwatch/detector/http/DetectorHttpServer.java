package io.tokenwatch.detector.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.detector.explain.ExplainAnswer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The detector's operations endpoints on the JDK's HTTP server (no web framework in the detector):
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 unless the Streams client is {@code ERROR}, {@code PENDING_ERROR}
 *       or {@code NOT_RUNNING} (a dead client: restart the process); 503 then;</li>
 *   <li>{@code GET /health/ready}: 200 only while {@code RUNNING}; restoring or rebalancing is 503;</li>
 *   <li>{@code GET /metrics}: every meter in the Prometheus text format;</li>
 *   <li>{@code GET /explain?sub=…&iss=…}: a subject's profile, learning state and recent alerts
 *       ({@link io.tokenwatch.detector.explain.ExplainRouter}).</li>
 * </ul>
 *
 * <p>Bodies are generic: no stack traces, nothing from the request echoed back. Thread-safe; a small
 * pool of daemon threads serves requests.
 */
public final class DetectorHttpServer implements AutoCloseable {

    /** The answer of the explain endpoint for a subject; {@code forwarded} marks a request another instance sent. */
    @FunctionalInterface
    public interface Explainer {
        ExplainAnswer explain(String issuer, String subject, boolean forwarded);
    }

    private static final Logger LOG = LoggerFactory.getLogger(DetectorHttpServer.class);
    private static final Set<KafkaStreams.State> DEAD = EnumSet.of(KafkaStreams.State.ERROR,
            KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING);
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<KafkaStreams.State> state;
    private final Explainer explainer;
    private final Supplier<Optional<String>> metrics;

    /**
     * Binds {@code port} on every interface (0 picks a free one) and starts serving.
     *
     * @param state     the Streams client's state, read on every health request
     * @param explainer answers {@code /explain}
     * @param metrics   the Prometheus scrape, if there is a Prometheus registry
     */
    public DetectorHttpServer(int port, Supplier<KafkaStreams.State> state, Explainer explainer,
                              Supplier<Optional<String>> metrics) throws IOException {
        this.state = Objects.requireNonNull(state, "state");
        this.explainer = Objects.requireNonNull(explainer, "explainer");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "tokenwatch-detector-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/health/live", exchange -> serve(exchange, this::live));
        server.createContext("/health/ready", exchange -> serve(exchange, this::ready));
        server.createContext("/metrics", exchange -> serve(exchange, this::metrics));
        server.createContext("/explain", exchange -> serve(exchange, () -> explain(exchange)));
        server.setExecutor(executor);
        server.start();
        LOG.info("detector HTTP endpoints on port {}", port());
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    private record Reply(int status, String contentType, String body) {
    }

    private Reply live() {
        KafkaStreams.State now = state.get();
        return health(!DEAD.contains(now), now);
    }

    private Reply ready() {
        KafkaStreams.State now = state.get();
        return health(now == KafkaStreams.State.RUNNING, now);
    }

    private static Reply health(boolean up, KafkaStreams.State now) {
        return new Reply(up ? 200 : 503, JSON,
                "{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"state\":\"" + now + "\"}");
    }

    private Reply metrics() {
        return metrics.get().map(text -> new Reply(200, PROMETHEUS_TEXT, text))
                .orElseGet(() -> new Reply(404, JSON, "{\"error\":\"not_found\"}"));
    }

    private Reply explain(HttpExchange exchange) {
        Map<String, String> params;
        try {
            params = query(exchange.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            return new Reply(400, JSON, "{\"error\":\"invalid_request\",\"detail\":\"malformed query\"}");
        }
        String sub = params.get("sub");
        String iss = params.get("iss");
        if (sub == null || sub.isBlank() || iss == null || iss.isBlank()) {
            return new Reply(400, JSON, "{\"error\":\"invalid_request\",\"detail\":\"sub and iss are required\"}");
        }
        ExplainAnswer answer = explainer.explain(iss, sub, "true".equals(params.get("forwarded")));
        return new Reply(answer.status(), JSON, answer.json());
    }

    private void serve(HttpExchange exchange, Supplier<Reply> handler) throws IOException {
        try (exchange) {
            Reply reply;
            if (!"GET".equals(exchange.getRequestMethod())) {
                reply = new Reply(405, JSON, "{\"error\":\"method_not_allowed\"}");
            } else {
                try {
                    reply = handler.get();
                } catch (RuntimeException e) {
                    LOG.warn("{} failed", exchange.getRequestURI().getPath(), e);
                    reply = new Reply(500, JSON, "{\"error\":\"internal\"}");
                }
            }
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(reply.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
