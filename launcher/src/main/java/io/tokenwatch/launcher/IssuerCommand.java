package io.tokenwatch.launcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * {@code tokenwatch issuer}: a local ES256 token issuer for demos. It publishes its public key as a
 * JWKS at {@code /.well-known/jwks.json} (and, with {@code --jwks-out}, in a file that a gateway can
 * be configured with) and mints short-lived tokens on {@code POST /token?sub=NAME}. It authenticates
 * nobody: it exists so the demo and docker-compose have tokens to protect. Never expose it.
 *
 * <p>Restarts are safe for the gateways that trust it: the key's {@code kid} is its JWK thumbprint,
 * so a new key never hides behind the old key's id, and with {@code --key-file} the key itself (and
 * so its id) survives the restart.
 */
@Command(name = "issuer", mixinStandardHelpOptions = true,
        description = {"Run a demo token issuer (ES256) that publishes a JWKS. Demo only: it authenticates nobody.",
                "Get a token:  curl -s -X POST 'http://localhost:8082/token?sub=alice'",
                "  answers {\"access_token\": ..., \"token_type\": \"Bearer\", \"expires_in\": ...}; the token has iss "
                        + EmbeddedSystem.ISSUER + ", aud " + EmbeddedSystem.AUDIENCE + ", sub NAME and a new jti.",
                "Configure a gateway with --issuer=" + EmbeddedSystem.ISSUER + " --audience=" + EmbeddedSystem.AUDIENCE
                        + " and --jwks-file (see --jwks-out) or --jwks-uri=http://HOST:PORT/.well-known/jwks.json"
                        + " (plus --jwks-allow-http unless HOST is loopback).",
                ""})
final class IssuerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8082", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--jwks-out", paramLabel = "FILE", description = "Also write the JWKS to this file.")
    Path jwksOut;

    @Option(names = "--lifetime", defaultValue = "15m", description = "Token lifetime (default: ${DEFAULT-VALUE}).")
    String lifetime;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "Keep the signing key in FILE (PEM; created on first start, owner-only): a restart on the "
                    + "same file keeps the key and its kid. Without it every start makes a new key, with a new kid "
                    + "(gateways that loaded the old JWKS reject its tokens as unknown_key until they reload).")
    Path keyFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration tokenLifetime = Durations.parse(lifetime);
        Ports.requireFree(bind, port, "--port");
        KeyPair keys = keyFile == null ? DemoIssuer.newP256KeyPair() : IssuerKeyFile.loadOrCreate(keyFile);
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC(), keys, DemoIssuer.keyIdOf(keys.getPublic()));
        String jwks = jwks(issuer);
        if (jwksOut != null) {
            Path tmp = Files.createTempFile(jwksOut.toAbsolutePath().getParent(), "jwks", ".tmp");
            Files.writeString(tmp, jwks);
            Files.move(tmp, jwksOut, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        HttpServer server = start(issuer, jwks, tokenLifetime, bind, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            stopped.countDown();
        }, "issuer-shutdown"));
        spec.commandLine().getOut().printf("issuer %s on %s:%d, key %s%s (JWKS at /.well-known/jwks.json);"
                        + " tokens for audience %s on POST /token?sub=NAME%n",
                EmbeddedSystem.ISSUER, bind, server.getAddress().getPort(), issuer.keyId(),
                keyFile == null ? " (new this start)" : " (kept in " + keyFile + ")", EmbeddedSystem.AUDIENCE);
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    static HttpServer start(DemoIssuer issuer, String jwks, Duration lifetime, String bind, int port)
            throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 0);
        } catch (BindException e) {
            throw Ports.inUse("--port", port, e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/.well-known/jwks.json", exchange -> respond(exchange, 200, jwks));
        server.createContext("/health", exchange -> respond(exchange, 200, "{\"status\":\"UP\"}"));
        server.createContext("/token", exchange -> mint(exchange, issuer, lifetime));
        server.start();
        return server;
    }

    private static void mint(HttpExchange exchange, DemoIssuer issuer, Duration lifetime) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            respond(exchange, 405, "{\"error\":\"use POST /token?sub=NAME\"}");
            return;
        }
        String sub = query(exchange, "sub");
        if (sub == null || sub.isBlank() || sub.length() > 128) {
            respond(exchange, 400, "{\"error\":\"sub is required (1-128 characters)\"}");
            return;
        }
        String token = issuer.mint(sub, UUID.randomUUID().toString(), lifetime);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", token);
        answer.put("token_type", "Bearer");
        answer.put("expires_in", lifetime.toSeconds());
        respond(exchange, 200, io.tokenwatch.schemas.JsonSerde.MAPPER.writeValueAsString(answer));
    }

    private static String query(HttpExchange exchange, String name) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return null;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The issuer's public key as a JWK Set (RFC 7517 §5), bound to ES256. */
    static String jwks(DemoIssuer issuer) throws IOException {
        ECPublicKey key = (ECPublicKey) issuer.publicKey();
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kty", "EC");
        jwk.put("crv", "P-256");
        jwk.put("kid", issuer.keyId());
        jwk.put("alg", "ES256");
        jwk.put("use", "sig");
        jwk.put("x", coordinate(key.getW().getAffineX()));
        jwk.put("y", coordinate(key.getW().getAffineY()));
        return io.tokenwatch.schemas.JsonSerde.MAPPER.writeValueAsString(Map.of("keys", List.of(jwk)));
    }

    /** RFC 7518 §6.2.1.2: a P-256 coordinate is exactly 32 bytes, base64url without padding. */
    private static String coordinate(java.math.BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] fixed = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, fixed, 32 - copy, copy);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(fixed);
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
