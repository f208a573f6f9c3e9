package io.tokenwatch.launcher.bench;

import io.tokenwatch.launcher.EmbeddedSystem;
import io.tokenwatch.launcher.bench.Geography.City;
import io.tokenwatch.launcher.bench.Geography.Kind;
import io.tokenwatch.launcher.bench.Geography.Network;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.TokenUsageEvent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Labelled token-usage traffic for the detector benchmark: benign users with daily rhythms, a week
 * or more of history, occasional train trips and new phones, and labelled attacks injected into some
 * of them in an evaluation window. Event time is simulated, never read from a clock, and everything
 * follows from {@link Scenario#seed()}: one scenario, one stream, byte for byte.
 *
 * <p>Every event is a real {@link TokenUsageEvent} as a filter would publish it: verified token facts
 * with one {@code jti} per issued token (30 minute lifetime), route templates, user agents, device ids
 * and city-level geo with ASN. Benign users each get their own random stream (seeded from the scenario
 * seed and the user's index), so adding attacks does not change anyone's ordinary traffic.
 *
 * <p>Not thread-safe; {@link #generate} builds a fresh instance per call.
 */
public final class TrafficGenerator {

    static final String ISSUER = EmbeddedSystem.ISSUER;
    static final String SERVICE = "banking-api";
    static final List<String> AUDIENCE = List.of("banking-api");
    static final String KEY_ID = "issuer-2027-01";
    static final long TOKEN_LIFETIME = 30 * 60_000L;

    private static final long SECOND = 1000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private static final String CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    private static final String FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    private static final String SAFARI_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
            + "(KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    private static final String SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
            + "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    private static final String ANDROID_APP = "okhttp/4.12.0";
    private static final String SCRIPT = "python-requests/2.32.3";
    private static final String CURL = "curl/8.8.0";
    private static final String[] DESKTOP_AGENTS = {CHROME_WINDOWS, CHROME_WINDOWS, FIREFOX_LINUX, SAFARI_MAC};
    private static final String[] PHONE_AGENTS = {SAFARI_IPHONE, ANDROID_APP};

    /** Route templates of the protected service with their share of benign traffic. */
    private static final String[][] ROUTES = {
            {"GET", "/accounts/{id}", "30"}, {"GET", "/accounts/{id}/transactions", "25"},
            {"GET", "/notifications", "15"}, {"GET", "/profile", "10"}, {"POST", "/payments", "8"},
            {"GET", "/payments/{id}", "7"}, {"GET", "/search", "5"}};
    private static final int ROUTE_WEIGHT = 100;

    /** Local-hour activity of three kinds of user; perturbed per user. Zero stays zero: they sleep. */
    private static final double[][] RHYTHMS = {
            {0, 0, 0, 0, 0, 0, 0.2, 0.6, 1.0, 1.2, 1.2, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 0.7, 0.6, 0.7, 0.8, 0.6, 0.3, 0.1},
            {0.1, 0, 0, 0, 0, 0, 0.1, 0.4, 0.4, 0.2, 0.2, 0.3, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.0, 1.2, 1.3, 1.2, 0.8, 0.4},
            {0.8, 0.5, 0.2, 0, 0, 0, 0, 0, 0, 0.1, 0.4, 0.7, 0.8, 0.7, 0.6, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2, 1.0}};

    private final Scenario scenario;
    private final Geography geography = new Geography();
    private final List<Pending> pending = new ArrayList<>();
    private final Map<String, String> subjectOfJti = new HashMap<>();
    private final MessageDigest sha256;
    private long sequence;

    private TrafficGenerator(Scenario scenario) {
        this.scenario = scenario;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The traffic of {@code scenario}, with its labels. */
    public static LabelledTraffic generate(Scenario scenario) {
        return new TrafficGenerator(scenario).run();
    }

    private LabelledTraffic run() {
        List<User> users = new ArrayList<>();
        Set<String> travellers = new HashSet<>();
        Set<String> newDevices = new HashSet<>();
        for (int i = 0; i < scenario.users(); i++) {
            SplittableRandom random = new SplittableRandom(scenario.seed() * 1_000_003L + i);
            User user = newUser(i, random);
            planEvaluationChanges(user, random);
            if (user.trip != null) {
                travellers.add(user.key);
            }
            if (user.newPhoneAt != Long.MAX_VALUE) {
                newDevices.add(user.key);
            }
            simulate(user, random);
            users.add(user);
        }
        List<AttackLabel> attacks = injectAttacks(users, new SplittableRandom(scenario.seed() ^ 0x5EED_A77AC4L));
        pending.sort(Comparator.comparingLong(Pending::time).thenComparingLong(Pending::sequence));
        List<TokenUsageEvent> events = new ArrayList<>(pending.size());
        pending.forEach(p -> events.add(p.event()));
        return new LabelledTraffic(scenario, events, attacks, users.stream().map(u -> u.key).toList(), travellers,
                newDevices, subjectOfJti);
    }

    // ---------------------------------------------------------------------------------------------
    // Benign users

    private User newUser(int index, SplittableRandom random) {
        User user = new User();
        user.sub = String.format("user-%05d", index);
        user.key = Keys.subject(ISSUER, user.sub);
        user.home = Geography.HOMES.get(random.nextInt(Geography.HOMES.size()));
        user.homeNetwork = geography.network(user.home, random.nextBoolean() ? Kind.BROADBAND_A : Kind.BROADBAND_B);
        user.homeC = random.nextInt(256);
        user.homeD = 1 + random.nextInt(254);
        user.hasOffice = random.nextDouble() < 0.5;
        user.officeC = random.nextInt(256);
        user.officeD = 1 + random.nextInt(254);
        user.devices.add(new Device(deviceId(random), DESKTOP_AGENTS[random.nextInt(DESKTOP_AGENTS.length)], false));
        if (random.nextDouble() < 0.7) {
            user.devices.add(new Device(deviceId(random), PHONE_AGENTS[random.nextInt(PHONE_AGENTS.length)], true));
        }
        double[] base = RHYTHMS[random.nextInt(RHYTHMS.length)];
        user.rhythm = new double[24];
        for (int h = 0; h < 24; h++) {
            user.rhythm[h] = base[h] * (0.5 + random.nextDouble());
        }
        user.officeRhythm = base == RHYTHMS[0];
        user.sessionsPerDay = 1.0 + 3.0 * random.nextDouble();
        user.requestsPerSession = 4 + 8 * random.nextDouble();
        user.meanGapSeconds = 15 + 30 * random.nextDouble();
        return user;
    }

    /** Decides who travels or gets a new phone in the evaluation window, and when. */
    private void planEvaluationChanges(User user, SplittableRandom random) {
        long evalStart = scenario.evaluationStart();
        long evalLength = scenario.end() - evalStart;
        if (random.nextDouble() < scenario.travelShare()) {
            List<City> reachable = Geography.trainDestinations(user.home);
            if (!reachable.isEmpty()) {
                City destination = reachable.get(random.nextInt(reachable.size()));
                double km = Geography.distanceKm(user.home.lat(), user.home.lon(), destination.lat(), destination.lon());
                long departure = evalStart + (long) (random.nextDouble() * 0.6 * evalLength);
                // A train at 120-250 km/h plus getting to and from stations: well below any alarm speed.
                double kmh = 120 + 130 * random.nextDouble();
                long arrival = departure + (long) (km / kmh * HOUR) + (long) ((0.5 + 1.5 * random.nextDouble()) * HOUR);
                Network stay = geography.network(destination, random.nextDouble() < 0.6 ? Kind.BROADBAND_A : Kind.BUSINESS);
                user.trip = new Trip(departure, arrival, destination, stay, random.nextInt(256), 1 + random.nextInt(254));
            }
        }
        if (random.nextDouble() < scenario.newDeviceShare()) {
            user.newPhoneAt = evalStart + (long) (random.nextDouble() * 0.8 * evalLength);
            Device old = user.phone();
            String agent = old != null && random.nextDouble() < 0.6 ? old.userAgent()
                    : PHONE_AGENTS[random.nextInt(PHONE_AGENTS.length)];
            user.newPhone = new Device(deviceId(random), agent, true);
        }
    }

    private void simulate(User user, SplittableRandom random) {
        List<Long> starts = new ArrayList<>();
        int days = scenario.historyDays() + scenario.evaluationDays();
        for (int day = 0; day < days; day++) {
            long midnight = scenario.start() + day * DAY;
            boolean weekend = isWeekend(midnight);
            double mean = user.sessionsPerDay * (weekend ? (user.officeRhythm ? 0.5 : 1.1) : 1.0);
            int sessions = poisson(mean, random);
            for (int s = 0; s < sessions; s++) {
                int localHour = pick(user.rhythm, random);
                long start = midnight + (localHour - user.home.utcOffsetHours()) * HOUR
                        + (long) (random.nextDouble() * HOUR);
                if (start >= scenario.start() && start < scenario.end() - HOUR) {
                    starts.add(start);
                }
            }
        }
        starts.sort(null);
        long busyUntil = Long.MIN_VALUE;
        for (long start : starts) {
            if (start < busyUntil) {
                start = busyUntil + 2 * MINUTE + (long) (random.nextDouble() * 18 * MINUTE);
            }
            if (start >= scenario.end() - HOUR) {
                break;
            }
            busyUntil = session(user, start, random);
        }
    }

    /** One visit: a device, a network, a handful of requests. Returns the time of the last one. */
    private long session(User user, long start, SplittableRandom random) {
        Trip trip = user.trip;
        if (trip != null && start >= trip.departure() && start < trip.arrival()) {
            return start; // on the train
        }
        Context context = contextAt(user, start, random);
        boolean evaluation = start >= scenario.evaluationStart();
        SessionLog log = new SessionLog(context, new ArrayList<>(), new ArrayList<>());
        int requests = 1 + geometric(user.requestsPerSession, random);
        long t = start;
        Token previous = user.tokens.get(context.deviceId());
        if (previous != null && previous.expiresAt() <= t && random.nextDouble() < 0.05) {
            // The client tries its old token first and refreshes on the 401, as clients do.
            emit(user, t, Outcome.EXPIRED, facts(previous, true, user.sub), "GET", "/accounts/{id}", 401, context, random);
            t += SECOND + random.nextInt(2000);
        }
        long last = t;
        for (int i = 0; i < requests; i++) {
            if (trip != null && t >= trip.departure() && start < trip.departure()) {
                break; // the train leaves
            }
            Token token = tokenFor(user, context.deviceId(), t, random);
            String[] route = pickRoute(random);
            int status = random.nextDouble() < 0.02 ? 404 : route[0].equals("POST") ? 201 : 200;
            emit(user, t, Outcome.ACCEPTED, facts(token, true, user.sub), route[0], route[1], status, context, random);
            if (evaluation) {
                log.times().add(t);
                log.tokens().add(token);
            }
            last = t;
            t += Math.max(SECOND, Math.min(5 * MINUTE, (long) (-Math.log(1 - random.nextDouble())
                    * user.meanGapSeconds * SECOND)));
        }
        if (evaluation && !log.times().isEmpty()) {
            user.evaluationSessions.add(log);
        }
        return last;
    }

    /** Where and on what the user is at {@code time}: device, network, address, location. */
    private Context contextAt(User user, long time, SplittableRandom random) {
        int localHour = Math.floorMod((int) (Math.floorMod(time, DAY) / HOUR) + user.home.utcOffsetHours(), 24);
        boolean workHours = !isWeekend(time) && localHour >= 8 && localHour < 18;
        Device phone = time >= user.newPhoneAt ? user.newPhone : user.phone();
        Device desktop = user.devices.get(0);
        Device device = phone == null ? desktop
                : random.nextDouble() < (workHours && user.hasOffice ? 0.35 : 0.6) ? phone : desktop;
        Trip trip = user.trip;
        if (trip != null && time >= trip.arrival()) {
            Device travelling = phone != null ? phone : desktop;
            return new Context(trip.stay().address(trip.c(), trip.d()), trip.stay().geo(), travelling.id(),
                    travelling.userAgent());
        }
        Network network;
        String ip;
        if (!device.phone() && workHours && user.hasOffice) {
            network = geography.network(user.home, Kind.BUSINESS);
            ip = network.address(user.officeC, user.officeD);
        } else if (device.phone() && random.nextDouble() < 0.45) {
            network = geography.network(user.home, Kind.MOBILE);
            ip = network.randomAddress(random); // carrier-grade NAT: a new address per session
        } else {
            network = user.homeNetwork;
            ip = network.address(user.homeC, user.homeD);
        }
        return new Context(ip, network.geo(), device.id(), device.userAgent());
    }

    /** The device's current token, or a new one when it has expired or is about to. */
    private Token tokenFor(User user, String deviceId, long time, SplittableRandom random) {
        Token current = user.tokens.get(deviceId);
        if (current == null || current.expiresAt() - time < MINUTE) {
            current = newToken(user.key, time, random);
            user.tokens.put(deviceId, current);
        }
        return current;
    }

    private Token newToken(String subjectKey, long time, SplittableRandom random) {
        String jti = uuid(random);
        subjectOfJti.put(jti, subjectKey);
        return new Token(jti, time, time + TOKEN_LIFETIME, fingerprint(jti));
    }

    // ---------------------------------------------------------------------------------------------
    // Attacks

    private List<AttackLabel> injectAttacks(List<User> users, SplittableRandom random) {
        List<User> candidates = new ArrayList<>(users);
        shuffle(candidates, random);
        List<AttackLabel> labels = new ArrayList<>();
        int next = 0;
        for (AttackType type : AttackType.values()) {
            int made = 0;
            while (made < scenario.attacksPerType() && next < candidates.size()) {
                User victim = candidates.get(next++);
                AttackLabel label = switch (type) {
                    case STOLEN_TOKEN_ABROAD -> stolenTokenAbroad(victim, random);
                    case TOKEN_REPLAY -> tokenReplay(victim, random);
                    case SCRAPING_SPIKE -> scrapingSpike(victim, random);
                    case FORGED_TOKEN_FLOOD -> forgedTokenFlood(victim, random);
                };
                if (label != null) {
                    labels.add(label);
                    made++;
                }
            }
        }
        return labels;
    }

    /**
     * The token of one of the victim's sessions, used minutes after the victim's last request from
     * another continent, on a device and network the victim never used: new context and, above all,
     * impossible travel.
     */
    private AttackLabel stolenTokenAbroad(User victim, SplittableRandom random) {
        List<SessionLog> usable = victim.evaluationSessions.stream()
                .filter(s -> lastToken(s).expiresAt() - lastTime(s) >= 5 * MINUTE).toList();
        if (usable.isEmpty()) {
            return null;
        }
        SessionLog session = usable.get(random.nextInt(usable.size()));
        Token stolen = lastToken(session);
        long remaining = stolen.expiresAt() - lastTime(session);
        long t = lastTime(session) + MINUTE + (long) (random.nextDouble() * Math.min(9 * MINUTE, remaining - 4 * MINUTE));
        List<City> far = Geography.FAR.stream().filter(c -> Geography.distanceKm(c.lat(), c.lon(), victim.home.lat(),
                victim.home.lon()) >= 5000).toList();
        City from = far.get(random.nextInt(far.size()));
        Network network = geography.network(from, random.nextBoolean() ? Kind.HOSTING : Kind.BROADBAND_A);
        Context attacker = new Context(network.randomAddress(random), network.geo(), deviceId(random),
                random.nextBoolean() ? CHROME_WINDOWS : SCRIPT);
        int requests = 5 + random.nextInt(21);
        long first = t;
        long last = t;
        int made = 0;
        for (int i = 0; i < requests && t < stolen.expiresAt(); i++) {
            String[] route = random.nextDouble() < 0.3 ? new String[] {"POST", "/payments"} : pickRoute(random);
            emit(victim, t, Outcome.ACCEPTED, facts(stolen, true, victim.sub), route[0], route[1],
                    route[0].equals("POST") ? 201 : 200, attacker, random);
            last = t;
            made++;
            t += 5 * SECOND + random.nextInt(35_000);
        }
        return new AttackLabel(AttackType.STOLEN_TOKEN_ABROAD, victim.key, victim.sub, Set.of(attacker.ip()),
                Set.of(stolen.jti()), first, last, made);
    }

    /**
     * A copy of the victim's live token replayed from two other networks (residential proxies in the
     * victim's own city, so nothing is far away) within two or three minutes of the victim's own use.
     */
    private AttackLabel tokenReplay(User victim, SplittableRandom random) {
        List<int[]> picks = new ArrayList<>();
        for (int s = 0; s < victim.evaluationSessions.size(); s++) {
            SessionLog session = victim.evaluationSessions.get(s);
            for (int i = 0; i < session.times().size(); i++) {
                if (session.tokens().get(i).expiresAt() - session.times().get(i) >= 6 * MINUTE) {
                    picks.add(new int[] {s, i});
                }
            }
        }
        if (picks.isEmpty()) {
            return null;
        }
        int[] pick = picks.get(random.nextInt(picks.size()));
        SessionLog session = victim.evaluationSessions.get(pick[0]);
        long victimUse = session.times().get(pick[1]);
        Token copied = session.tokens().get(pick[1]);
        String victimNet = slash24(session.context().ip());
        Kind[] proxies = {Kind.BROADBAND_A, Kind.BROADBAND_B, Kind.MOBILE, Kind.BUSINESS};
        Set<String> ips = new LinkedHashSet<>();
        Set<String> networksUsed = new HashSet<>(Set.of(victimNet));
        long first = Long.MAX_VALUE;
        long last = 0;
        int made = 0;
        long t = victimUse + 10 * SECOND + random.nextInt(80_000);
        for (int replayer = 0; replayer < 2; replayer++) {
            Network network;
            String ip;
            do {
                network = geography.network(victim.home, proxies[random.nextInt(proxies.length)]);
                ip = network.randomAddress(random);
            } while (!networksUsed.add(slash24(ip)));
            ips.add(ip);
            // Copied headers: the victim's user agent, no device id (the service's cookie was not taken).
            Context replay = new Context(ip, network.geo(), null, session.context().userAgent());
            long u = t;
            int uses = 2 + random.nextInt(4);
            for (int i = 0; i < uses; i++) {
                String[] route = pickRoute(random);
                emit(victim, u, Outcome.ACCEPTED, facts(copied, true, victim.sub), route[0], route[1],
                        route[0].equals("POST") ? 201 : 200, replay, random);
                first = Math.min(first, u);
                last = Math.max(last, u);
                made++;
                u += 5 * SECOND + random.nextInt(15_000);
            }
            t += 20 * SECOND + random.nextInt(70_000);
        }
        return new AttackLabel(AttackType.TOKEN_REPLAY, victim.key, victim.sub, ips, Set.of(copied.jti()), first, last,
                made);
    }

    /**
     * A script with the victim's credentials pulling transactions at one to three requests a second
     * for five to fifteen minutes, from a cloud host in the victim's metro: tens of times the hourly
     * baseline, and nothing else unusual.
     */
    private AttackLabel scrapingSpike(User victim, SplittableRandom random) {
        if (victim.evaluationSessions.isEmpty()) {
            return null;
        }
        SessionLog near = victim.evaluationSessions.get(random.nextInt(victim.evaluationSessions.size()));
        long t = Math.max(scenario.evaluationStart(), near.times().get(0) - 30 * MINUTE
                + (long) (random.nextDouble() * 60 * MINUTE));
        Network network = geography.network(victim.home, Kind.HOSTING);
        Context script = new Context(network.randomAddress(random), network.geo(), null, SCRIPT);
        double perSecond = 1 + 2 * random.nextDouble();
        long end = t + 5 * MINUTE + (long) (random.nextDouble() * 10 * MINUTE);
        Set<String> jtis = new LinkedHashSet<>();
        Token token = null;
        long first = t;
        long last = t;
        int made = 0;
        while (t < end) {
            if (token == null || token.expiresAt() - t < MINUTE) {
                token = newToken(victim.key, t, random);
                jtis.add(token.jti());
            }
            emit(victim, t, Outcome.ACCEPTED, facts(token, true, victim.sub), "GET", "/accounts/{id}/transactions", 200,
                    script, random);
            last = t;
            made++;
            t += Math.max(50, (long) (-Math.log(1 - random.nextDouble()) * SECOND / perSecond));
        }
        return new AttackLabel(AttackType.SCRAPING_SPIKE, victim.key, victim.sub, Set.of(script.ip()), jtis, first,
                last, made);
    }

    /**
     * Forged tokens (bad signatures, a few with a swapped algorithm) from one address, one to four a
     * second; their unverified claims name the victim, whom nothing may touch (DESIGN.md §4).
     */
    private AttackLabel forgedTokenFlood(User victim, SplittableRandom random) {
        List<City> anywhere = new ArrayList<>(Geography.FAR);
        anywhere.addAll(Geography.HOMES);
        City from = anywhere.get(random.nextInt(anywhere.size()));
        Network network = geography.network(from, Kind.HOSTING);
        Context attacker = new Context(network.randomAddress(random), network.geo(), null,
                random.nextBoolean() ? CURL : SCRIPT);
        long t = scenario.evaluationStart() + (long) (random.nextDouble() * (scenario.end() - scenario.evaluationStart()
                - HOUR));
        int requests = 60 + random.nextInt(181);
        double perSecond = 1 + 3 * random.nextDouble();
        long first = t;
        long last = t;
        for (int i = 0; i < requests; i++) {
            String jti = uuid(random);
            boolean algSwap = random.nextDouble() < 0.3;
            TokenUsageEvent.TokenFacts forged = new TokenUsageEvent.TokenFacts(fingerprint("forged|" + jti), false, jti,
                    victim.sub, ISSUER, AUDIENCE, t, t + HOUR, null, KEY_ID, algSwap ? "HS256" : "ES256");
            emit(victim, t, algSwap ? Outcome.ALG_NOT_ALLOWED : Outcome.BAD_SIGNATURE, forged, "GET", "/accounts/{id}",
                    401, attacker, random);
            last = t;
            t += Math.max(20, (long) (-Math.log(1 - random.nextDouble()) * SECOND / perSecond));
        }
        return new AttackLabel(AttackType.FORGED_TOKEN_FLOOD, victim.key, victim.sub, Set.of(attacker.ip()), Set.of(),
                first, last, requests);
    }

    // ---------------------------------------------------------------------------------------------
    // Events

    private void emit(User user, long time, Outcome outcome, TokenUsageEvent.TokenFacts token, String method,
                      String route, int status, Context context, SplittableRandom random) {
        TokenUsageEvent event = new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, uuid(random), time,
                "edge-" + (1 + random.nextInt(3)), SERVICE, outcome, token,
                new TokenUsageEvent.RequestFacts(method, route, status, context.ip(), context.userAgent(),
                        context.deviceId(), context.geo()));
        pending.add(new Pending(time, sequence++, event));
    }

    private static TokenUsageEvent.TokenFacts facts(Token token, boolean verified, String sub) {
        return new TokenUsageEvent.TokenFacts(token.fingerprint(), verified, token.jti(), sub, ISSUER, AUDIENCE,
                token.issuedAt(), token.expiresAt(), null, KEY_ID, "ES256");
    }

    /** Stands in for SHA-256 of the compact token, which the generator never builds. */
    private String fingerprint(String tokenId) {
        return HexFormat.of().formatHex(sha256.digest(("bench-token|" + tokenId).getBytes(StandardCharsets.UTF_8)));
    }

    private static String uuid(SplittableRandom random) {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb).toString();
    }

    private static String deviceId(SplittableRandom random) {
        return "dev-" + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
    }

    private static String slash24(String ip) {
        return ip.substring(0, ip.lastIndexOf('.'));
    }

    private static String[] pickRoute(SplittableRandom random) {
        int roll = random.nextInt(ROUTE_WEIGHT);
        for (String[] route : ROUTES) {
            roll -= Integer.parseInt(route[2]);
            if (roll < 0) {
                return route;
            }
        }
        return ROUTES[0];
    }

    private static boolean isWeekend(long time) {
        // Day 0 of the epoch was a Thursday.
        int dayOfWeek = (int) Math.floorMod(Math.floorDiv(time, DAY) + 3, 7); // 0 = Monday
        return dayOfWeek >= 5;
    }

    private static int pick(double[] weights, SplittableRandom random) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double roll = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            roll -= weights[i];
            if (roll < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    private static int poisson(double mean, SplittableRandom random) {
        double limit = Math.exp(-mean);
        double product = random.nextDouble();
        int k = 0;
        while (product > limit) {
            product *= random.nextDouble();
            k++;
        }
        return k;
    }

    private static int geometric(double mean, SplittableRandom random) {
        return (int) Math.floor(Math.log(1 - random.nextDouble()) / Math.log(1 - 1 / (mean + 1)));
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }

    private static Token lastToken(SessionLog session) {
        return session.tokens().get(session.tokens().size() - 1);
    }

    private static long lastTime(SessionLog session) {
        return session.times().get(session.times().size() - 1);
    }

    private record Pending(long time, long sequence, TokenUsageEvent event) {
    }

    private record Token(String jti, long issuedAt, long expiresAt, String fingerprint) {
    }

    private record Device(String id, String userAgent, boolean phone) {
    }

    private record Context(String ip, TokenUsageEvent.Geo geo, String deviceId, String userAgent) {
    }

    private record Trip(long departure, long arrival, City destination, Network stay, int c, int d) {
    }

    /** One benign session in the evaluation window: where it was, and each request's time and token. */
    private record SessionLog(Context context, List<Long> times, List<Token> tokens) {
    }

    /** A simulated user and the state the simulation keeps for it. */
    private static final class User {
        String sub;
        String key;
        City home;
        Network homeNetwork;
        int homeC;
        int homeD;
        boolean hasOffice;
        int officeC;
        int officeD;
        final List<Device> devices = new ArrayList<>();
        double[] rhythm;
        boolean officeRhythm;
        double sessionsPerDay;
        double requestsPerSession;
        double meanGapSeconds;
        Trip trip;
        long newPhoneAt = Long.MAX_VALUE;
        Device newPhone;
        final Map<String, Token> tokens = new HashMap<>();
        final List<SessionLog> evaluationSessions = new ArrayList<>();

        Device phone() {
            return devices.size() > 1 ? devices.get(1) : null;
        }
    }
}
