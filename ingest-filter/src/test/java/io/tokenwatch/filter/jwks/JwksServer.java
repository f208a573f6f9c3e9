package io.tokenwatch.filter.jwks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on a free loopback port standing in for an identity provider's JWKS endpoint:
 * what it answers can be changed while it runs (a key set, an error status, garbage, a slow answer),
 * and it counts the requests of every path, so tests can assert how often the filter fetched and that
 * it never fetched a URL a token named. Thread-safe.
 */
public final class JwksServer implements AutoCloseable {

    public static final String JWKS_PATH = "/.well-known/jwks.json";
    /** A path only an attacker's token header names; any hit on it is a bug. */
    public static final String ATTACKER_PATH = "/attacker/jwks.json";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "test-jwks-server");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private volatile Answer answer = Answer.status(503, "{}");

    /**
     * What the endpoint answers.
     *
     * @param status HTTP status
     * @param body   body bytes
     * @param delay  how long to wait before answering
     */
    public record Answer(int status, byte[] body, Duration delay) {
        public static Answer keys(String jwksJson) {
            return new Answer(200, jwksJson.getBytes(StandardCharsets.UTF_8), Duration.ZERO);
        }

        public static Answer status(int status, String body) {
            return new Answer(status, body.getBytes(StandardCharsets.UTF_8), Duration.ZERO);
        }

        public Answer delayedBy(Duration wait) {
            return new Answer(status, body, wait);
        }
    }

    public JwksServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers {@code answer} from now on. */
    public JwksServer answer(Answer next) {
        this.answer = next;
        return this;
    }

    /** Serves this JWK Set JSON from now on. */
    public JwksServer serve(String jwksJson) {
        return answer(Answer.keys(jwksJson));
    }

    public URI uri() {
        return uri(JWKS_PATH);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Requests received on {@code path} so far. */
    public int hits(String path) {
        AtomicInteger count = hits.get(path);
        return count == null ? 0 : count.get();
    }

    public int jwksHits() {
        return hits(JWKS_PATH);
    }

    private void handle(HttpExchange exchange) throws IOException {
        hits.computeIfAbsent(exchange.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
        Answer now = exchange.getRequestURI().getPath().equals(JWKS_PATH) ? answer : Answer.status(404, "{}");
        try {
            if (!now.delay().isZero()) {
                Thread.sleep(now.delay().toMillis());
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(now.status(), now.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(now.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client gave up (timeout, size cap): nothing to answer to.
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** A JWK Set of these JWKs. */
    public static String set(String... jwks) {
        return "{\"keys\":[" + String.join(",", jwks) + "]}";
    }

    /** The public JWK of a P-256 pair (RFC 7518 §6.2.1); {@code alg} null to leave it out. */
    public static String ecJwk(KeyPair pair, String kid, String alg) {
        ECPublicKey key = (ECPublicKey) pair.getPublic();
        return "{\"kty\":\"EC\",\"crv\":\"P-256\"" + (alg == null ? "" : ",\"alg\":\"" + alg + "\"")
                + ",\"use\":\"sig\",\"kid\":\"" + kid + "\",\"x\":\"" + coordinate(key.getW().getAffineX())
                + "\",\"y\":\"" + coordinate(key.getW().getAffineY()) + "\"}";
    }

    private static String coordinate(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] fixed = new byte[32];
        int copy = Math.min(bytes.length, 32);
        System.arraycopy(bytes, bytes.length - copy, fixed, 32 - copy, copy);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(fixed);
        Arrays.fill(fixed, (byte) 0);
        return encoded;
    }
}
