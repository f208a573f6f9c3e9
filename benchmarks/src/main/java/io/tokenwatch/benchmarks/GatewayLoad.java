package io.tokenwatch.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.jsonwebtoken.Jwts;
import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.filter.gateway.Gateway;
import io.tokenwatch.filter.telemetry.KafkaUsagePublisher;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topic;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway load run (DESIGN.md §5: gateway throughput with all layers on ≥ 85 % of the same proxy
 * with the filter off). Two real sidecar gateways ({@link Gateway}) run side by side in this JVM in
 * front of the same trivial upstream, on an in-process Kafka broker:
 *
 * <ul>
 *   <li><b>filter on</b>: HS256 validation with the verified-token cache, the revocation view replaying
 *       {@value #UNRELATED_REVOCATIONS} live revocations that match no request, per-subject and per-IP
 *       token buckets on {@code /api/**} set far above the offered load, the default security headers,
 *       and one usage event per request to {@code tokenwatch.token-usage} on the broker;</li>
 *   <li><b>filter off</b>: {@code tokenwatch.filter.enabled=false}, the same proxy forwarding unchecked.</li>
 * </ul>
 *
 * A fixed number of keep-alive connections per gateway ({@link GatewayLoadConnection}), each a closed
 * loop (one request in flight), cycling through {@value #TOKENS} valid tokens of as many subjects.
 * Both gateways are warmed up in alternating halves, then measured in alternating rounds (on, off,
 * off, on, on, off, ...), so drift in the machine's load falls on both. Every response must be 200; any other status, or an
 * upstream that saw fewer requests than were answered, makes the run fail rather than report.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.tokenwatch.benchmarks.GatewayLoad \
 *     [--connections 8] [--rounds 6] [--warmup 20s] [--round 10s] [--event-buffer N]
 * </pre>
 *
 * <p>Not thread-safe; a program, not a library.
 */
public final class GatewayLoad {

    static final String ISSUER = "https://id.tokenwatch.example";
    static final String AUDIENCE = "tokenwatch-api";
    static final int TOKENS = 1_000;
    static final int UNRELATED_REVOCATIONS = 10_000;
    /** Far above anything two cores can offer: every request charges its buckets, none is refused. */
    static final String RATE_LIMIT_RULE = "api /api/** 1000000000/1s 1000000000/1s";
    private static final byte[] UPSTREAM_BODY = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

    private final Settings settings;

    /**
     * Run settings; durations in seconds. {@code eventBuffer} is the filter's
     * {@code tokenwatch.filter.kafka.event-buffer}, {@code 0} for the product default: a diagnostic knob,
     * since a buffer of 1 drops nearly every usage event and so shows the filter's cost without the
     * broker's and the producer's work (drops are printed).
     */
    record Settings(int connections, int rounds, int warmupSeconds, int roundSeconds, int eventBuffer) {
        Settings {
            if (connections < 1 || rounds < 2 || warmupSeconds < 0 || roundSeconds < 1 || eventBuffer < 0) {
                throw new IllegalArgumentException(
                        "need connections >= 1, rounds >= 2, warmup >= 0s, round >= 1s, event-buffer >= 0");
            }
        }

        static Settings parse(String[] args) {
            int connections = 8;
            int rounds = 6;
            int warmup = 20;
            int round = 10;
            int eventBuffer = 0;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--connections" -> connections = Integer.parseInt(required(args[i], value));
                    case "--rounds" -> rounds = Integer.parseInt(required(args[i], value));
                    case "--warmup" -> warmup = seconds(required(args[i], value));
                    case "--round" -> round = seconds(required(args[i], value));
                    case "--event-buffer" -> eventBuffer = Integer.parseInt(required(args[i], value));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; options: --connections N --rounds N --warmup 20s --round 10s [--event-buffer N]");
                }
                i++;
            }
            return new Settings(connections, rounds, warmup, round, eventBuffer);
        }

        private static String required(String option, String value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }

        private static int seconds(String text) {
            return Integer.parseInt(text.endsWith("s") ? text.substring(0, text.length() - 1) : text);
        }
    }

    GatewayLoad(Settings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("gateway load: " + e.getMessage());
            System.exit(2);
            return;
        }
        GatewayLoadReport report = new GatewayLoad(settings).run();
        System.out.println();
        System.out.print(report.format());
        boolean clean = report.rounds().stream().allMatch(r -> r.errors() == 0);
        System.exit(clean ? 0 : 1);
    }

    GatewayLoadReport run() throws Exception {
        System.out.printf("gateway load: %d connections per gateway, %d rounds of %d s after %d s warm-up each, "
                + "%d cores, JDK %s%n", settings.connections(), settings.rounds(), settings.roundSeconds(),
                settings.warmupSeconds(), Runtime.getRuntime().availableProcessors(), Runtime.version());
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        AtomicLong upstreamRequests = new AtomicLong();
        HttpServer upstream = startUpstream(upstreamRequests);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            createTopics(kafka.bootstrapServers());
            publishUnrelatedRevocations(kafka.bootstrapServers());
            String upstreamUrl = "http://127.0.0.1:" + upstream.getAddress().getPort();
            Map<String, Object> onProperties = filterOn(upstreamUrl, secret, kafka.bootstrapServers());
            if (settings.eventBuffer() > 0) {
                onProperties.put("tokenwatch.filter.kafka.event-buffer", settings.eventBuffer());
                System.out.printf("diagnostic: usage event buffer of %d (the default is 10000)%n",
                        settings.eventBuffer());
            }
            try (Gateway on = Gateway.start(onProperties);
                 Gateway off = Gateway.start(filterOff(upstreamUrl))) {
                if (!on.awaitReady(Duration.ofSeconds(60))) {
                    throw new IllegalStateException("the filter's revocation view did not catch up in 60 s");
                }
                if (!on.isFilterEnabled() || off.isFilterEnabled()) {
                    throw new IllegalStateException("gateways are not in the modes they should be");
                }
                System.out.printf("filter on  at %s: revocation view ready with %d entries%n", on.url(),
                        on.context().getBean(io.tokenwatch.filter.revocation.RevocationView.class).size());
                System.out.printf("filter off at %s (tokenwatch.filter.enabled=false: forwards unchecked)%n",
                        off.url());
                GatewayLoadReport report = measure(on, off, tokens(secret));
                KafkaUsagePublisher publisher = on.context().getBean(KafkaUsagePublisher.class);
                long answered = report.rounds().stream().mapToLong(GatewayLoadReport.Round::requests).sum();
                System.out.printf("usage events: %d sent, %d dropped, %d failed; upstream saw %d requests%n",
                        publisher.sentCount(), publisher.droppedCount(), publisher.failedCount(),
                        upstreamRequests.get());
                if (upstreamRequests.get() < answered) {
                    throw new IllegalStateException("the upstream saw fewer requests than were answered");
                }
                return report;
            }
        } finally {
            upstream.stop(0);
            ((ExecutorService) upstream.getExecutor()).shutdownNow();
        }
    }

    private GatewayLoadReport measure(Gateway on, Gateway off, String[] tokens) throws Exception {
        Load loadOn = new Load(on.port(), settings.connections(), tokens, true);
        Load loadOff = new Load(off.port(), settings.connections(), tokens, false);
        try {
            if (settings.warmupSeconds() > 0) {
                // In alternating halves: the code both gateways share (Netty, Micronaut, the proxy) is
                // compiled against both request mixes before anything is measured, instead of being
                // deoptimised again in the first measured round.
                int half = Math.max(1, settings.warmupSeconds() / 2);
                System.out.printf("warm-up: %d s per gateway, alternating halves%n", 2 * half);
                for (int i = 0; i < 2; i++) {
                    loadOn.run(half);
                    loadOff.run(half);
                }
            }
            GatewayLoadReport report = new GatewayLoadReport();
            for (int r = 0; r < settings.rounds(); r++) {
                // on, off, off, on, on, off, off, on, ...: each mode goes first as often as the other.
                GatewayLoadReport.Mode mode = r % 4 == 0 || r % 4 == 3 ? GatewayLoadReport.Mode.ON
                        : GatewayLoadReport.Mode.OFF;
                Load load = mode == GatewayLoadReport.Mode.ON ? loadOn : loadOff;
                GatewayLoadReport.Round round = load.run(settings.roundSeconds()).toRound(r + 1, mode);
                System.out.printf("round %d %-10s %8.0f req/s%n", r + 1, mode.label, round.perSecond());
                report.add(round);
            }
            System.out.printf("reconnects: filter on %d, filter off %d%n", loadOn.reconnects(), loadOff.reconnects());
            return report;
        } finally {
            loadOn.close();
            loadOff.close();
        }
    }

    /** The trivial upstream both gateways forward to: 200 with a tiny JSON body. */
    private static HttpServer startUpstream(AtomicLong requests) throws IOException {
        // The JDK server writes the response head and body separately; with Nagle on, the body waits for
        // the peer's delayed ACK (about 40 ms) and the run would measure that instead of the gateways.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, UPSTREAM_BODY.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(UPSTREAM_BODY);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(Math.max(4, Runtime.getRuntime().availableProcessors() * 2)));
        server.start();
        return server;
    }

    static Map<String, Object> filterOn(String upstream, byte[] secret, String bootstrapServers) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("tokenwatch.gateway.upstream", upstream);
        props.put("tokenwatch.filter.service", "load-bench");
        props.put("tokenwatch.filter.filter-id", "gateway-load");
        props.put("tokenwatch.filter.issuer", ISSUER);
        props.put("tokenwatch.filter.audiences", AUDIENCE);
        props.put("tokenwatch.filter.keys.hmac-secret", "base64url:" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(secret));
        props.put("tokenwatch.filter.keys.alg", "HS256");
        props.put("tokenwatch.filter.route-templates", "/api/items/{id}");
        props.put("tokenwatch.filter.rate-limit.rules", RATE_LIMIT_RULE);
        props.put("tokenwatch.filter.kafka.bootstrap-servers", bootstrapServers);
        return props;
    }

    static Map<String, Object> filterOff(String upstream) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("tokenwatch.gateway.upstream", upstream);
        props.put("tokenwatch.filter.enabled", "false");
        return props;
    }

    /** {@value #TOKENS} valid HS256 tokens, one per subject, valid for two hours. */
    static String[] tokens(byte[] secret) {
        SecretKey key = new SecretKeySpec(secret, "HmacSHA256");
        Instant now = Instant.now();
        String[] tokens = new String[TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            tokens[i] = Jwts.builder()
                    .issuer(ISSUER).subject("user-" + i).audience().add(AUDIENCE).and()
                    .id(UUID.randomUUID().toString()).issuedAt(Date.from(now.minusSeconds(5)))
                    .expiration(Date.from(now.plus(Duration.ofHours(2))))
                    .signWith(key, Jwts.SIG.HS256).compact();
        }
        return tokens;
    }

    private static void createTopics(String bootstrapServers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(Topics.ALL.stream().map((Topic<?, ?> t) -> t.newTopic(3, (short) 1)).toList())
                    .all().get();
        }
    }

    /** The mix the detector produces, mostly single tokens, none matching a benchmark request. */
    private static void publishUnrelatedRevocations(String bootstrapServers) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 5);
        long now = System.currentTimeMillis();
        long expires = now + Duration.ofHours(2).toMillis();
        try (KafkaProducer<String, Revocation> producer = new KafkaProducer<>(config,
                Topics.REVOCATIONS.keySerde().serializer(), Topics.REVOCATIONS.valueSerde().serializer())) {
            for (int i = 0; i < UNRELATED_REVOCATIONS; i++) {
                Revocation revocation;
                if (i % 10 < 8) {
                    revocation = Revocation.blockToken(ISSUER, UUID.randomUUID().toString(), expires, "load run",
                            "gateway-load", now);
                } else if (i % 10 == 8) {
                    revocation = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, ISSUER,
                            "revoked-user-" + i, Revocation.Action.BLOCK, now, expires, "load run", "gateway-load", now);
                } else {
                    revocation = new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null,
                            "172.16." + (i >> 8 & 0xff) + "." + (i & 0xff), Revocation.Action.BLOCK, null, expires,
                            "load run", "gateway-load", now);
                }
                producer.send(new ProducerRecord<>(Topics.REVOCATIONS.name(), revocation.key(), revocation));
            }
            producer.flush();
        }
    }

    /** The connections to one gateway and their threads, reused round after round. */
    private static final class Load implements AutoCloseable {
        private final GatewayLoadConnection[] connections;
        private final byte[][][] requests;
        private final ExecutorService threads;
        private final int[] cursor;

        Load(int port, int count, String[] tokens, boolean withTokens) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            connections = new GatewayLoadConnection[count];
            requests = new byte[count][][];
            cursor = new int[count];
            for (int c = 0; c < count; c++) {
                connections[c] = new GatewayLoadConnection(address);
                // Each connection cycles through its own share of the tokens; the same bytes go to both
                // gateways (the unfiltered one ignores the Authorization header).
                List<byte[]> mine = new ArrayList<>();
                for (int t = c; t < tokens.length; t += count) {
                    mine.add(GatewayLoadConnection.get("127.0.0.1:" + port, "/api/items/" + t,
                            "Authorization: Bearer " + tokens[t], "User-Agent: tokenwatch-gateway-load/1",
                            "Accept: application/json"));
                }
                requests[c] = mine.toArray(byte[][]::new);
            }
            threads = Executors.newFixedThreadPool(count, r -> {
                Thread t = new Thread(r, "gateway-load-" + (withTokens ? "on" : "off"));
                t.setDaemon(true);
                return t;
            });
        }

        /** Runs every connection's closed loop for {@code seconds}; returns what completed in that time. */
        Result run(int seconds) throws InterruptedException {
            CountDownLatch start = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(connections.length);
            long[][] samples = new long[connections.length][];
            int[] counts = new int[connections.length];
            long[] errors = new long[connections.length];
            long[] deadline = new long[1];
            for (int c = 0; c < connections.length; c++) {
                int conn = c;
                threads.execute(() -> {
                    long[] mine = new long[1 << 16];
                    int n = 0;
                    try {
                        start.await();
                        while (true) {
                            long t0 = System.nanoTime();
                            if (t0 >= deadline[0]) {
                                break;
                            }
                            byte[][] pool = requests[conn];
                            byte[] request = pool[cursor[conn]++ % pool.length];
                            int status;
                            try {
                                status = connections[conn].exchange(request);
                            } catch (IOException e) {
                                status = -1;
                            }
                            long t1 = System.nanoTime();
                            if (status != 200) {
                                errors[conn]++;
                                continue;
                            }
                            if (n == mine.length) {
                                mine = Arrays.copyOf(mine, mine.length * 2);
                            }
                            mine[n++] = t1 - t0;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        samples[conn] = mine;
                        counts[conn] = n;
                        done.countDown();
                    }
                });
            }
            long begin = System.nanoTime();
            deadline[0] = begin + seconds * 1_000_000_000L;
            start.countDown();
            done.await();
            long elapsed = System.nanoTime() - begin;
            int total = Arrays.stream(counts).sum();
            long[] all = new long[total];
            int at = 0;
            for (int c = 0; c < connections.length; c++) {
                System.arraycopy(samples[c], 0, all, at, counts[c]);
                at += counts[c];
            }
            return new Result(elapsed, all, Arrays.stream(errors).sum());
        }

        long reconnects() {
            return Arrays.stream(connections).mapToLong(GatewayLoadConnection::reconnects).sum();
        }

        @Override
        public void close() {
            threads.shutdownNow();
            for (GatewayLoadConnection connection : connections) {
                connection.close();
            }
        }
    }

    /** What one run of a {@link Load} completed. */
    private record Result(long nanos, long[] latencies, long errors) {
        GatewayLoadReport.Round toRound(int number, GatewayLoadReport.Mode mode) {
            return new GatewayLoadReport.Round(number, mode, nanos, latencies, errors);
        }
    }
}
