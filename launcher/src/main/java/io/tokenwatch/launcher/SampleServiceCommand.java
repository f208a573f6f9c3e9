package io.tokenwatch.launcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * {@code tokenwatch sample-service}: a tiny upstream service for the demo and docker-compose. It
 * trusts the gateway in front of it and answers with what it was told: the method, the path and the
 * verified subject the gateway passed in {@code X-Tokenwatch-Subject}. It does no authentication of
 * its own, which is the point: it is only reachable through the gateway.
 */
@Command(name = "sample-service", mixinStandardHelpOptions = true,
        description = "Run a small upstream service that echoes the verified subject (for demos).")
final class SampleServiceCommand implements Callable<Integer> {

    static final String SUBJECT_HEADER = "X-Tokenwatch-Subject";

    @Option(names = "--port", defaultValue = "8081", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Ports.requireFree(bind, port, "--port");
        HttpServer server = start(bind, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            stopped.countDown();
        }, "sample-service-shutdown"));
        spec.commandLine().getOut().printf("sample service on %s:%d%n", bind, server.getAddress().getPort());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    /** Starts the service; port 0 picks a free one. */
    static HttpServer start(String bind, int port) throws IOException {
        preferNoDelay();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 0);
        } catch (BindException e) {
            throw Ports.inUse("--port", port, e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/health", exchange -> respond(exchange, 200, "{\"status\":\"UP\"}"));
        server.createContext("/", SampleServiceCommand::echo);
        server.start();
        return server;
    }

    /**
     * Asks the JDK server for TCP_NODELAY: it writes headers and body separately, and Nagle's algorithm
     * with the client's delayed ACK then holds each proxied response back by up to 40 ms. The JDK reads
     * the property once, when its first server starts, so an explicit setting wins and a later call
     * changes nothing.
     */
    static void preferNoDelay() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static void echo(HttpExchange exchange) throws IOException {
        long bodyBytes;
        try (InputStream in = exchange.getRequestBody()) {
            bodyBytes = in.transferTo(OutputStream.nullOutputStream());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("method", exchange.getRequestMethod());
        answer.put("path", exchange.getRequestURI().getPath());
        answer.put("subject", exchange.getRequestHeaders().getFirst(SUBJECT_HEADER));
        answer.put("body_bytes", bodyBytes);
        respond(exchange, 200, io.tokenwatch.schemas.JsonSerde.MAPPER.writeValueAsString(answer));
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
