package io.tokenwatch.filter.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * The service behind the gateway in tests: a JDK {@link HttpServer} on a free loopback port that
 * records every request it receives and echoes the body back.
 *
 * <ul>
 *   <li>{@code /status/<code>/...}: answers with that status, the request body echoed;</li>
 *   <li>{@code /hop/...}: answers 200 with hop-by-hop response headers the gateway must drop;</li>
 *   <li>anything else: 404 with a small body, as a service that does not know the path.</li>
 * </ul>
 * Every response carries {@code X-Upstream: echo} and {@code Cache-Control: public, max-age=60}.
 */
final class EchoUpstream implements AutoCloseable {

    /** What the upstream received. Header names lower-case. */
    record Received(String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body) {
        List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    EchoUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Received> received() {
        return received;
    }

    Received last() {
        return received.get(received.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        URI uri = exchange.getRequestURI();
        received.add(new Received(exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body));

        Headers out = exchange.getResponseHeaders();
        out.set("X-Upstream", "echo");
        out.set("Cache-Control", "public, max-age=60");
        String path = uri.getRawPath();
        int status;
        byte[] answer;
        if (path.startsWith("/status/")) {
            status = Integer.parseInt(path.split("/")[2]);
            answer = body;
        } else if (path.startsWith("/hop/")) {
            status = 200;
            answer = "hop".getBytes();
            out.set("X-Upstream-Private", "for-the-gateway-only");
            out.set("Connection", "X-Upstream-Private");
            out.set("Proxy-Authenticate", "Basic realm=\"upstream\"");
            out.set("Keep-Alive", "timeout=5");
        } else {
            status = 404;
            answer = "{\"upstream\":\"not found\"}".getBytes();
        }
        exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(answer);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
