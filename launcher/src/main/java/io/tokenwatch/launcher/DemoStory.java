package io.tokenwatch.launcher;

import com.sun.net.httpserver.HttpServer;
import io.tokenwatch.detector.profile.LearningPeriod;
import io.tokenwatch.detector.rules.ImpossibleTravelRule;
import io.tokenwatch.detector.rules.ConcurrentUseRule;
import io.tokenwatch.detector.rules.ForgedTokenBurstRule;
import io.tokenwatch.detector.rules.NewContextRule;
import io.tokenwatch.detector.rules.RateSpikeRule;
import io.tokenwatch.detector.rules.TokenReplayRule;
import io.tokenwatch.detector.rules.UserProfileRules;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The scripted story {@code tokenwatch demo} tells, as a class a test can drive and inspect. Every
 * part runs as it would in production, in one process: the embedded broker, the detector, and the
 * real sidecar gateway ({@code tokenwatch gateway}'s own options and start-up) in front of the
 * sample service, with the local issuer publishing its JWKS. The demo client reaches the gateway the
 * way a CDN would: over loopback, which the gateway trusts as a proxy, naming the client in
 * {@code X-Forwarded-For} and its country and location in CloudFront's viewer headers.
 *
 * <p>The story: benign users learn their profiles; then (a) a stolen token is used from another
 * country and device, (b) a token is replayed from several networks, (c) forged tokens naming a
 * victim flood in from one address, (d) a subject scrapes. Each attack is timed from the request
 * that should trip its rule to the alert on the alert topic and to the first request the gateway
 * refuses because of the containment. The expectations, each of which {@link Result#failures()}
 * names when it does not hold: every attack detected by its rule and contained; the stolen tokens
 * refused after revocation; the forged tokens revoke nobody (DESIGN.md §4: the victim's token keeps
 * working); no benign user alerted.
 *
 * <p>The detector runs with the default rules and responses except one demo-only setting, because
 * a story that lasts under a minute cannot wait out the default: a learning period of
 * {@value #LEARNING_EVENTS} events and no minimum history (default: 50 events over 3 days).
 *
 * <p>Not thread-safe: one story, run once.
 */
public final class DemoStory {

    /** Learned requests a profile needs before baseline rules judge it (demo only; default 50 over 3 days). */
    static final int LEARNING_EVENTS = 10;
    /** Requests each benign user sends while learning. */
    static final int LEARNING_REQUESTS_PER_USER = 12;
    static final String DEVICE_HEADER = "X-Device-Id";
    static final String ROUTE = "/api/accounts/{id}";
    /** Per subject and per client address: roomy, so only a throttle or a block ever refuses. */
    static final String RATE_LIMIT = "api /api/** 300/1m 200/1m";

    private static final Duration ATTACK_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_PAUSE = Duration.ofMillis(20);
    private static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    private static final String CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0 Safari/537.36";
    private static final String[] NAMES = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
            "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yves"};
    /** Where benign users live: a country and a city in it (latitude, longitude). */
    private static final Object[][] HOMES = {{"DE", 52.52, 13.40}, {"FR", 48.86, 2.35}, {"NL", 52.37, 4.90},
            {"SE", 59.33, 18.07}, {"IT", 41.90, 12.50}, {"ES", 40.42, -3.70}, {"PL", 52.23, 21.01},
            {"AT", 48.21, 16.37}, {"BE", 50.85, 4.35}, {"DK", 55.68, 12.57}};

    /**
     * What to run.
     *
     * @param users     benign users in the learning phase (the four victims among them), 4 to 20
     * @param guarantee the detector's processing guarantee
     */
    public record Settings(int users, String guarantee) {
        public Settings {
            if (users < 4 || users > NAMES.length) {
                throw new IllegalArgumentException("users must be between 4 and " + NAMES.length);
            }
            Objects.requireNonNull(guarantee, "guarantee");
        }
    }

    /**
     * How one attack went.
     *
     * @param attack        what was done
     * @param rule          the rule that alerted first, or null
     * @param alertMillis   from the request that should trip the rule to the alert on the topic, or null
     * @param containment   what contained it (e.g. {@code jti blocked}), or null
     * @param containMillis from that request to the first request the gateway refused for it, or null
     * @param before        HTTP status of the token (or request) before containment
     * @param after         HTTP status after containment, or null if it never came
     * @param subjectOfStatus whose token the before/after statuses are of
     */
    public record AttackOutcome(String attack, String rule, Long alertMillis, String containment, Long containMillis,
                                int before, Integer after, String subjectOfStatus) {
        public boolean detected() {
            return rule != null;
        }
    }

    /**
     * The whole story.
     *
     * @param learningRequests benign requests sent while learning
     * @param attacks          one outcome per attack, in order
     * @param alerts           every alert seen, as one line each
     * @param failures         expectations that did not hold; empty when every one did
     * @param millis           how long the story took, start-up included
     */
    public record Result(int learningRequests, List<AttackOutcome> attacks, List<String> alerts, List<String> failures,
                         long millis) {
        public boolean passed() {
            return failures.isEmpty();
        }
    }

    /** One client of the gateway, as the CDN in front of it would describe it. */
    record Client(String ip, String country, double lat, double lon, String device, String userAgent) {
        /** The same person on another network. */
        Client from(String otherIp) {
            return new Client(otherIp, country, lat, lon, device, userAgent);
        }
    }

    private record User(String name, String jti, String token, Client home) {
    }

    /** An alert and when it arrived (epoch ms). */
    private record Seen(long wallMillis, Alert value) {
    }

    /** A record of the revocation topic and when it arrived (epoch ms); {@code value} null is a tombstone. */
    private record Arrival(long wallMillis, String key, Revocation value) {
    }

    private final Settings settings;
    private final PrintWriter out;
    private final DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
    private final List<Seen> alerts = new CopyOnWriteArrayList<>();
    private final List<Arrival> revocations = new CopyOnWriteArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> alertLines = new CopyOnWriteArrayList<>();
    private final Object printLock = new Object();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private URI gatewayUrl;
    private RevocationView gatewayView;
    private boolean barOpen;
    private String barLabel;
    private int barMarks;

    public DemoStory(Settings settings, PrintWriter out) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** The detector as the demo configures it: defaults, with the demo-only learning period of the class comment. */
    static DetectorConfig detectorConfig(DetectorConfig defaults, String guarantee) {
        UserProfileRules rules = UserProfileRules.defaults();
        return defaults.withProcessingGuarantee(guarantee).withUserProfile(rules
                .withProfile(rules.profile().withLearning(new LearningPeriod(LEARNING_EVENTS, Duration.ZERO))));
    }

    /** Runs the whole story: starts everything, tells it, stops everything. */
    public Result run() throws IOException, InterruptedException {
        long start = System.nanoTime();
        SampleServiceCommand.preferNoDelay();
        HttpServer issuerServer = null;
        HttpServer sample = null;
        int learned = 0;
        List<AttackOutcome> attacks = new ArrayList<>();
        try {
            String jwks = IssuerCommand.jwks(issuer);
            issuerServer = IssuerCommand.start(issuer, jwks, Duration.ofMinutes(15), "127.0.0.1", 0);
            String jwksUri = "http://127.0.0.1:" + issuerServer.getAddress().getPort() + "/.well-known/jwks.json";
            sample = SampleServiceCommand.start("127.0.0.1", 0);
            String upstream = "http://127.0.0.1:" + sample.getAddress().getPort();
            try (GatewaySystem system = GatewaySystem.start(new GatewaySystem.Settings(null, 0, 3,
                    config -> detectorConfig(config, settings.guarantee()),
                    bootstrap -> gatewayProperties(bootstrap, upstream, jwksUri)));
                 Follower follower = new Follower(system.bootstrapServers())) {
                gatewayUrl = URI.create("http://127.0.0.1:" + system.gateway().port());
                gatewayView = system.gateway().context().getBean(RevocationView.class);
                follower.start();
                println(String.format("ready in %d ms: broker %s, detector (%s), gateway :%d -> sample service :%d,"
                                + " issuer JWKS at http://127.0.0.1:%d/.well-known/jwks.json",
                        millisSince(start), system.bootstrapServers(), settings.guarantee(), system.gateway().port(),
                        sample.getAddress().getPort(), issuerServer.getAddress().getPort()));
                println(String.format("demo-only detector setting: a learning period of %d events and no minimum"
                        + " history (default: 50 events over 3 days); every other rule and response at its default",
                        LEARNING_EVENTS));
                println("");

                List<User> users = users();
                learned = learn(users);
                attacks.add(stolenToken(users.get(0)));
                attacks.add(replay(users.get(1)));
                attacks.add(forgedFlood(users.get(2)));
                attacks.add(scraping(users.get(3)));
                checkAftermath(users);
            }
        } finally {
            if (issuerServer != null) {
                issuerServer.stop(0);
            }
            if (sample != null) {
                sample.stop(0);
            }
        }
        return new Result(learned, attacks, List.copyOf(alertLines), List.copyOf(failures), millisSince(start));
    }

    /** The gateway's properties, from the very options {@code tokenwatch gateway} parses. */
    private static Map<String, Object> gatewayProperties(String bootstrap, String upstream, String jwksUri) {
        GatewayCommand command = new GatewayCommand();
        // Keys come from the issuer's published JWKS, as in production (loopback, so plain http is allowed).
        new CommandLine(command).parseArgs("--upstream", upstream, "--port", "0", "--host", "127.0.0.1",
                "--issuer", EmbeddedSystem.ISSUER, "--audience", EmbeddedSystem.AUDIENCE,
                "--jwks-uri", jwksUri, "--algorithm", "ES256", "--bootstrap-servers", bootstrap,
                "--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "::1/128",
                "--device-id-header", DEVICE_HEADER, "--route-template", ROUTE, "--rate-limit", RATE_LIMIT,
                "--geo-country-header", "--service", "demo-api", "--filter-id", "demo-gateway");
        return command.properties();
    }

    // --- the story ---------------------------------------------------------------------------

    private List<User> users() {
        List<User> users = new ArrayList<>();
        for (int i = 0; i < settings.users(); i++) {
            String name = NAMES[i];
            String jti = UUID.randomUUID().toString();
            Object[] place = HOMES[i % HOMES.length];
            Client home = new Client("203.0." + (10 + i) + "." + (20 + i), (String) place[0], (double) place[1],
                    (double) place[2], "laptop-" + name, i % 2 == 0 ? FIREFOX : CHROME);
            users.add(new User(name, jti, issuer.mint(name, jti, Duration.ofMinutes(15)), home));
        }
        return users;
    }

    private int learn(List<User> users) throws InterruptedException {
        int total = users.size() * LEARNING_REQUESTS_PER_USER;
        println(String.format("[1/5] normal use: %d users, %d requests each, from their home network, country and"
                + " device", users.size(), LEARNING_REQUESTS_PER_USER));
        openBar("      learning", total);
        int refused = 0;
        for (int round = 0; round < LEARNING_REQUESTS_PER_USER; round++) {
            for (User user : users) {
                if (send(user.token(), user.home(), user.name()) != 200) {
                    refused++;
                }
                advanceBar(total);
            }
        }
        closeBar(total + " requests, " + (total - refused) + " accepted");
        expect(refused == 0, "learning: " + refused + " benign requests refused");
        return total;
    }

    /** (a) The victim's token, used by someone else: another country, device, network and client. */
    private AttackOutcome stolenToken(User victim) throws InterruptedException {
        Client thief = new Client("100.70.1.7", "BR", -23.55, -46.63, "android-thief", "curl/8.5.0");
        println(String.format("[2/5] stolen token: %s's token used from %s (%s), a new device and curl",
                victim.name(), thief.ip(), thief.country()));
        return attackOnToken("(a) stolen token, other country/device", victim, thief, List.of(),
                Set.of(NewContextRule.NAME, ImpossibleTravelRule.NAME, ConcurrentUseRule.NAME));
    }

    /**
     * (b) One token from three networks within the replay window, the third on another device: two
     * signs of a copy (networks and devices), so it is revoked, not only alerted.
     */
    private AttackOutcome replay(User victim) throws InterruptedException {
        Client second = victim.home().from("198.51.100.30");
        Client third = new Client("192.0.2.30", victim.home().country(), victim.home().lat(), victim.home().lon(),
                "laptop-copy", victim.home().userAgent());
        println(String.format("[3/5] token replay: %s's token from %s, then %s (third network, another device)",
                victim.name(), second.ip(), third.ip()));
        return attackOnToken("(b) token replayed from 3 networks", victim, third, List.of(second),
                Set.of(TokenReplayRule.NAME));
    }

    /**
     * Uses the victim's token from {@code first} clients, then from {@code trigger} (the request that
     * should trip the rule), then from {@code trigger} again until the gateway refuses it.
     */
    private AttackOutcome attackOnToken(String attack, User victim, Client trigger, List<Client> first,
                                        Set<String> rules) throws InterruptedException {
        for (Client client : first) {
            int status = send(victim.token(), client, victim.name());
            expect(status == 200, attack + ": use from " + client.ip() + " answered " + status + ", expected 200");
        }
        long t0 = System.currentTimeMillis();
        int before = send(victim.token(), trigger, victim.name());
        step(String.format("first use from %s", trigger.ip()), before);
        Integer after = null;
        Long containedAt = null;
        long deadline = System.nanoTime() + ATTACK_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Thread.sleep(POLL_PAUSE.toMillis());
            int status = send(victim.token(), trigger, victim.name());
            if (status != 200) {
                after = status;
                containedAt = System.currentTimeMillis();
                break;
            }
        }
        if (after != null) {
            step("same token from " + trigger.ip() + " after revocation", after);
        }
        Seen alert = firstAlert(t0, a -> victim.name().equals(subjectOf(a)) && rules.contains(ruleOf(a)));
        Arrival revocation = firstRevocation(
                e -> e.key().equals("jti|" + EmbeddedSystem.ISSUER + "|" + victim.jti()));
        AttackOutcome outcome = new AttackOutcome(attack, alertedRules(t0, a -> victim.name().equals(subjectOf(a))
                && rules.contains(ruleOf(a))),
                alertDelay(alert), describe(revocation), containDelay(alert, t0, containedAt), before, after,
                victim.name());
        expect(before == 200, attack + ": the token answered " + before + " before, expected 200");
        expect(outcome.detected(), attack + ": no alert from " + rules);
        expect(revocation != null, attack + ": no revocation of the token on the topic");
        expect(after != null && after == 401, attack + ": the token answered " + (after == null ? "200 throughout"
                : after) + " after revocation, expected 401");
        return outcome;
    }

    /** (c) Forged tokens naming the victim, from one address: the address is blocked, the victim is not. */
    private AttackOutcome forgedFlood(User victim) throws InterruptedException {
        String attackerIp = "100.80.1.9";
        Client attacker = new Client(attackerIp, "NL", 52.37, 4.90, "bot-1", "python-requests/2.32");
        int threshold = ForgedTokenBurstRule.defaults().threshold();
        int floodSize = threshold + 10;
        String forged = issuer.forge(victim.name(), victim.jti());
        println(String.format("[4/5] forged-token flood: %d tokens naming %s, signed with the attacker's key, from %s",
                floodSize, victim.name(), attackerIp));
        int victimBefore = send(victim.token(), victim.home(), victim.name());
        openBar("      flood", floodSize);
        long since = System.currentTimeMillis();
        long t0 = since;
        int accepted = 0;
        for (int i = 1; i <= floodSize; i++) {
            if (i == threshold) {
                t0 = System.currentTimeMillis();
            }
            if (send(forged, attacker, victim.name()) == 200) {
                accepted++;
            }
            advanceBar(floodSize);
        }
        closeBar(floodSize + " forged requests, " + accepted + " accepted");
        expect(accepted == 0, "(c) forged-token flood: " + accepted + " forged tokens accepted");
        Long containedAt = null;
        long deadline = System.nanoTime() + ATTACK_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (gatewayView.isBlocked(attackerIp)) {
                containedAt = System.currentTimeMillis();
                break;
            }
            Thread.sleep(1);
        }
        int victimAfter = send(victim.token(), victim.home(), victim.name());
        step(victim.name() + "'s own token from home after the flood", victimAfter);
        Seen alert = firstAlert(since, a -> ForgedTokenBurstRule.NAME.equals(ruleOf(a))
                && ipsOf(a).contains(attackerIp));
        Arrival revocation = firstRevocation(
                e -> e.key().equals("ip|" + attackerIp));
        AttackOutcome outcome = new AttackOutcome("(c) forged-token flood naming " + victim.name(),
                alert == null ? null : ruleOf(alert.value()), alertDelay(alert), describe(revocation),
                containDelay(alert, t0, containedAt), victimBefore,
                victimAfter, victim.name() + ", the victim");
        expect(outcome.detected(), "(c) forged-token flood: no forged_token_burst alert");
        expect(revocation != null && containedAt != null, "(c) forged-token flood: " + attackerIp + " not blocked");
        expect(victimBefore == 200 && victimAfter == 200, "(c) forged-token flood: the victim's token answered "
                + victimBefore + " before and " + victimAfter + " after, expected 200 both times");
        return outcome;
    }

    /**
     * (d) A script with the subject's token, far above the rate-spike floor and with a client family the
     * subject never used: two signals, so throttled, then refused with 429 (volume alone only alerts).
     */
    private AttackOutcome scraping(User scraper) throws InterruptedException {
        // Until a route class has a baseline, five times the floor per 10 minutes applies.
        long floor = 5 * RateSpikeRule.defaults().floor();
        Client script = new Client(scraper.home().ip(), scraper.home().country(), scraper.home().lat(),
                scraper.home().lon(), scraper.home().device(), "python-requests/2.32");
        // The learning requests count in the same sliding window: the spike trips the floor this many requests in.
        int tripAt = (int) (floor + 1 - LEARNING_REQUESTS_PER_USER);
        int burst = tripAt + 20;
        println(String.format("[5/5] scraping: a script with %s's token sends %d requests at full speed (rate-spike "
                + "floor %d per 10 min), then keeps going", scraper.name(), burst, floor));
        openBar("      scraping", burst);
        long since = System.currentTimeMillis();
        long t0 = since;
        int before = 0;
        for (int i = 1; i <= burst; i++) {
            if (i == tripAt) {
                t0 = System.currentTimeMillis();
            }
            int status = send(scraper.token(), script, scraper.name());
            if (i == 1) {
                before = status;
            }
            advanceBar(burst);
        }
        closeBar(burst + " requests");
        Integer after = null;
        Long containedAt = null;
        long deadline = System.nanoTime() + ATTACK_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            int status = send(scraper.token(), script, scraper.name());
            if (status != 200) {
                after = status;
                containedAt = System.currentTimeMillis();
                break;
            }
            Thread.sleep(POLL_PAUSE.toMillis());
        }
        if (after != null) {
            step("next request of " + scraper.name() + " after the throttle", after);
        }
        Seen alert = firstAlert(since, a -> RateSpikeRule.NAME.equals(ruleOf(a))
                && scraper.name().equals(subjectOf(a)));
        Arrival revocation = firstRevocation(
                e -> e.key().equals("sub|" + EmbeddedSystem.ISSUER + "|" + scraper.name()));
        AttackOutcome outcome = new AttackOutcome("(d) scraping spike", alert == null ? null : ruleOf(alert.value()),
                alertDelay(alert), describe(revocation), containDelay(alert, t0, containedAt), before, after,
                scraper.name());
        expect(before == 200, "(d) scraping: the first request answered " + before);
        expect(outcome.detected(), "(d) scraping: no rate_spike alert");
        expect(revocation != null && revocation.value().action() == Revocation.Action.THROTTLE,
                "(d) scraping: no throttle of the subject on the topic");
        expect(after != null && after == 429, "(d) scraping: the scraper's requests answered "
                + (after == null ? "200 throughout" : after) + " after the throttle, expected 429");
        return outcome;
    }

    /** After everything: nobody but the attacked was alerted, and the forgeries revoked no one. */
    private void checkAftermath(List<User> users) {
        User forgeryVictim = users.get(2);
        for (Arrival seen : revocations) {
            String key = seen.key();
            if (key.equals("sub|" + EmbeddedSystem.ISSUER + "|" + forgeryVictim.name())
                    || key.equals("jti|" + EmbeddedSystem.ISSUER + "|" + forgeryVictim.jti())) {
                failures.add("forged tokens got " + forgeryVictim.name() + " revoked: " + key);
            }
        }
        Set<String> attacked = Set.of(users.get(0).name(), users.get(1).name(), users.get(3).name());
        for (Seen seen : alerts) {
            String subject = subjectOf(seen.value());
            if (subject != null && !attacked.contains(subject)) {
                failures.add("false alarm: " + ruleOf(seen.value()) + " about benign user " + subject);
            }
        }
        String forgeryNames = forgeryVictim.name();
        println("");
        println("forged tokens naming " + forgeryNames + " revoked " + forgeryNames + "? "
                + (failures.stream().anyMatch(f -> f.startsWith("forged tokens got")) ? "YES (wrong)" : "no"));
        long benign = users.stream().skip(4).count();
        println("benign users without a part in any attack: " + benign + ", alerted: "
                + failures.stream().filter(f -> f.startsWith("false alarm")).count());
    }

    // --- the client ----------------------------------------------------------------------------

    /** One request through the gateway, as the CDN in front of it would forward it; returns the status. */
    private int send(String token, Client client, String account) {
        HttpRequest request = HttpRequest.newBuilder(gatewayUrl.resolve("/api/accounts/" + account))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .header("X-Forwarded-For", client.ip())
                .header(CdnHeaderGeoResolver.CLOUDFRONT_COUNTRY, client.country())
                .header(CdnHeaderGeoResolver.CLOUDFRONT_LATITUDE, String.format(Locale.ROOT, "%.4f", client.lat()))
                .header(CdnHeaderGeoResolver.CLOUDFRONT_LONGITUDE, String.format(Locale.ROOT, "%.4f", client.lon()))
                .header(DEVICE_HEADER, client.device())
                .header("User-Agent", client.userAgent())
                .GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException("request to the gateway failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    // --- alerts and revocations as they arrive -------------------------------------------------

    /** Follows the alert and revocation topics from the beginning, without a group, printing each alert. */
    private final class Follower implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        Follower(String bootstrap) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.ALERTS.name(), Topics.REVOCATIONS.name())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread = new Thread(this::follow, "demo-follower");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void follow() {
            try {
                while (running) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.currentTimeMillis();
                        if (record.topic().equals(Topics.ALERTS.name())) {
                            Alert alert = Topics.ALERTS.valueSerde().deserializer().deserialize(record.topic(),
                                    record.value());
                            alerts.add(new Seen(now, alert));
                            String line = AlertsCommand.line(alert);
                            alertLines.add(line);
                            println("      alert: " + line);
                        } else {
                            Revocation revocation = record.value() == null ? null
                                    : Topics.REVOCATIONS.valueSerde().deserializer().deserialize(record.topic(),
                                    record.value());
                            revocations.add(new Arrival(now, record.key(), revocation));
                        }
                    }
                }
            } catch (WakeupException e) {
                // Closing.
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(5000);
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** The first alert about a request made at or after {@code sinceMillis} that matches, waiting for it a while. */
    private Seen firstAlert(long sinceMillis, Predicate<Alert> match) throws InterruptedException {
        long deadline = System.nanoTime() + ATTACK_TIMEOUT.toNanos();
        while (true) {
            for (Seen seen : alerts) {
                if (seen.value().time() >= sinceMillis && match.test(seen.value())) {
                    return seen;
                }
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(5);
        }
    }

    private Arrival firstRevocation(Predicate<Arrival> match)
            throws InterruptedException {
        long deadline = System.nanoTime() + ATTACK_TIMEOUT.toNanos();
        while (true) {
            for (Arrival seen : revocations) {
                if (seen.value() != null && match.test(seen)) {
                    return seen;
                }
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(5);
        }
    }

    /** The rules that alerted about requests since {@code sinceMillis}, in order of arrival, e.g. {@code a+b}; or null. */
    private String alertedRules(long sinceMillis, Predicate<Alert> match) {
        String rules = alerts.stream().filter(seen -> seen.value().time() >= sinceMillis && match.test(seen.value()))
                .map(seen -> ruleOf(seen.value())).distinct().collect(Collectors.joining("+"));
        return rules.isEmpty() ? null : rules;
    }

    private static String describe(Arrival seen) {
        if (seen == null) {
            return null;
        }
        Revocation r = seen.value();
        String what = switch (r.scope()) {
            case JTI -> "token";
            case SUBJECT -> "subject";
            case IP -> "IP " + r.value();
        };
        String action = switch (r.action()) {
            case BLOCK -> r.scope() == Revocation.Scope.IP ? "blocked" : "revoked";
            case THROTTLE -> "throttled";
            case STEP_UP -> "step-up";
        };
        return what + " " + action;
    }

    static String ruleOf(Alert alert) {
        return alert.findingInfo().analytic() == null ? null : alert.findingInfo().analytic().name();
    }

    static String subjectOf(Alert alert) {
        return alert.actor() == null || alert.actor().user() == null ? null : alert.actor().user().name();
    }

    static Set<String> ipsOf(Alert alert) {
        return alert.evidences().stream().filter(e -> e.srcEndpoint() != null && e.srcEndpoint().ip() != null)
                .map(e -> e.srcEndpoint().ip()).collect(Collectors.toSet());
    }

    // --- output --------------------------------------------------------------------------------

    /** The summary table the demo ends with: one row per attack, columns as wide as their widest cell. */
    public static List<String> summary(Result result) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"attack", "detected", "rule", "to alert", "contained by", "to contain",
                "token status before → after"});
        for (AttackOutcome a : result.attacks()) {
            rows.add(new String[] {a.attack(), a.detected() ? "yes" : "NO", a.rule() == null ? "-" : a.rule(),
                    a.alertMillis() == null ? "-" : a.alertMillis() + " ms",
                    a.containment() == null ? "-" : a.containment(),
                    a.containMillis() == null ? "-" : a.containMillis() + " ms",
                    a.before() + " → " + (a.after() == null ? "-" : a.after()) + "  (" + a.subjectOfStatus() + ")"});
        }
        int[] widths = new int[rows.get(0).length];
        rows.forEach(row -> {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        });
        boolean[] right = {false, false, false, true, false, true, false};
        List<String> lines = new ArrayList<>();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                String cell = c == row.length - 1 ? row[c]
                        : String.format("%" + (right[c] ? "" : "-") + widths[c] + "s", row[c]);
                line.append(c == 0 ? "" : "  ").append(cell);
            }
            lines.add(line.toString());
        }
        return lines;
    }

    private void expect(boolean held, String failure) {
        if (!held) {
            failures.add(failure);
        }
    }

    private void step(String what, int status) {
        println(String.format("      %-52s %d", what, status));
    }

    private void println(String line) {
        synchronized (printLock) {
            if (barOpen) {
                out.println();
            }
            out.println(line);
            if (barOpen) {
                out.print(barLabel + " [" + "#".repeat(barMarks));
            }
            out.flush();
        }
    }

    private static final int BAR_WIDTH = 40;
    private int barDone;

    /** A progress bar that only ever appends, so it reads the same in a terminal, a pipe or a log. */
    private void openBar(String label, int total) {
        synchronized (printLock) {
            barOpen = true;
            barLabel = label;
            barMarks = 0;
            barDone = 0;
            out.print(label + " [");
            out.flush();
        }
    }

    private void advanceBar(int total) {
        synchronized (printLock) {
            barDone++;
            int marks = (int) ((long) barDone * BAR_WIDTH / total);
            if (marks > barMarks) {
                out.print("#".repeat(marks - barMarks));
                barMarks = marks;
                out.flush();
            }
        }
    }

    private void closeBar(String summary) {
        synchronized (printLock) {
            out.println("#".repeat(BAR_WIDTH - barMarks) + "] " + summary);
            barOpen = false;
            out.flush();
        }
    }

    private static long millisSince(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
    }

    /** From the request that tripped the rule (the alert's event time, stamped by the gateway) to the alert's arrival. */
    private static Long alertDelay(Seen alert) {
        return alert == null ? null : Math.max(0, alert.wallMillis() - alert.value().time());
    }

    /**
     * From the request that tripped the rule to the first refusal: timed from the alert's event time,
     * or from when the demo sent that request if no alert came.
     */
    private static Long containDelay(Seen alert, long sentMillis, Long containedAt) {
        if (containedAt == null) {
            return null;
        }
        return Math.max(0, containedAt - (alert == null ? sentMillis : alert.value().time()));
    }
}
