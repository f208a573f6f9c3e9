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
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Labelled token-usage traffic that models how people and services really use tokens, for the
 * detector quality benchmark (issue 10, item 8). Event time is simulated, never read from a clock, and
 * everything follows from {@link Scenario#seed()}: one scenario, one stream, event for event.
 *
 * <p>Who is simulated (shares of the scenario's subjects; see {@link BenignBehaviour}):
 * <ul>
 *   <li>service accounts (3 %): one cached 1 h token shared by two to four cloud egress addresses in
 *       different /24s of one hosting ASN, around the clock, with a nightly batch;</li>
 *   <li>the staff of one company (25 %, their own issuer): behind one office NAT address on working
 *       days, at home otherwise; a finance team among them works at 3–5 times its volume on the
 *       month-end reporting day, and their issuer rotates its signing key in the wrong order once
 *       (tokens with a new {@code kid} the filters do not know yet fail {@code unknown_key} for
 *       30–75 minutes);</li>
 *   <li>everybody else, living in 35 cities from UTC−8 to UTC+10, some working in small offices,
 *       8 % on night shifts.</li>
 * </ul>
 * People have a laptop and mostly a phone; many use both at once (a phone session inside a laptop
 * session, on another network). Phones on mobile data take addresses from their carrier's NAT pool
 * (a dozen /24s of one ASN, changing per session and sometimes mid-session); abroad they stay
 * home-routed, so they resolve at home while the laptop is at the hotel. Some laptops go through a
 * commercial VPN exiting in another country; some home lines get a new address every day. Every
 * token lives one hour and is refreshed; a quarter of the clients present the expired token once
 * before refreshing, and a few get stuck retrying one expired token for minutes. New joiners appear
 * in the evaluation window, some people fly abroad or take a train, some get a new phone.
 *
 * <p>{@code request.geo} comes from {@link IpDatabase}, which errs as real databases do.
 *
 * <p>Attacks ({@link AttackType}) are injected in the evaluation window on their own victims and
 * labelled with what identifies them. Not thread-safe; {@link #generate} builds a fresh instance per
 * call.
 */
public final class TrafficGenerator {

    static final String ISSUER = EmbeddedSystem.ISSUER;
    static final String COMPANY_ISSUER = "https://sso.acme-logistics.example";
    static final String SERVICE = "banking-api";
    static final List<String> AUDIENCE = List.of("banking-api");
    static final String KEY_ID = "issuer-2027-01";
    static final String COMPANY_KEY_ID = "acme-2026-07";
    static final String COMPANY_NEW_KEY_ID = "acme-2027-01";
    static final long TOKEN_LIFETIME = 60 * 60_000L;
    /** The company's office NAT: one address for everyone in the office. */
    static final String COMPANY_CITY = "Frankfurt";

    static final double SERVICE_SHARE = 0.03;
    static final double COMPANY_SHARE = 0.25;
    static final double TEAM_SHARE_OF_COMPANY = 0.16;
    static final double OFFICE_SHARE = 0.4;
    static final double NIGHT_SHIFT_SHARE = 0.08;
    static final double PHONE_SHARE = 0.8;
    static final double CELLULAR_SHARE_OF_PHONES = 0.75;
    static final double CONCURRENT_SHARE_OF_CELLULAR_PHONES = 0.7;
    static final double VPN_SHARE = 0.1;
    static final double DYNAMIC_HOME_ADDRESS_SHARE = 0.3;
    static final double ROAMING_SHARE = 0.04;
    static final double TRAIN_SHARE = 0.03;
    static final double NEW_JOINER_SHARE = 0.04;
    static final double LAZY_REFRESH_SHARE = 0.25;
    static final double EXPIRED_RETRY_SHARE = 0.03;
    static final double NEW_PHONE_SHARE = 0.02;
    static final int CARRIER_POOL_SLASH24S = 12;

    private static final long SECOND = 1000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private static final String CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
    private static final String EDGE_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87";
    private static final String FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    private static final String SAFARI_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
            + "(KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    private static final String SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
            + "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    private static final String ANDROID_APP = "BankingApp/5.2.1 (Android 14; Pixel 8) okhttp/4.12.0";
    private static final String IOS_APP = "BankingApp/5.2.1 (iOS 17.5; iPhone15,2) CFNetwork/1494.0.7";
    private static final String SCRIPT = "python-requests/2.32.3";
    private static final String CURL = "curl/8.8.0";
    private static final String GO_CLIENT = "Go-http-client/2.0";
    private static final String JAVA_CLIENT = "Apache-HttpClient/5.3.1 (Java/17.0.11)";
    private static final String ATTACKER_BROWSER = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 "
            + "Firefox/127.0";
    private static final String[] DESKTOP_AGENTS = {CHROME_WINDOWS, CHROME_WINDOWS, EDGE_WINDOWS, FIREFOX_LINUX, SAFARI_MAC};
    private static final String[] PHONE_AGENTS = {SAFARI_IPHONE, ANDROID_APP, IOS_APP};

    /** Route templates of the protected service with their share of people's traffic. */
    private static final String[][] ROUTES = {
            {"GET", "/accounts/{id}", "30"}, {"GET", "/accounts/{id}/transactions", "25"},
            {"GET", "/notifications", "15"}, {"GET", "/profile", "10"}, {"POST", "/payments", "8"},
            {"GET", "/payments/{id}", "7"}, {"GET", "/search", "5"}};
    /** What service accounts call. */
    private static final String[][] SERVICE_ROUTES = {
            {"GET", "/accounts/{id}", "40"}, {"GET", "/accounts/{id}/transactions", "30"},
            {"POST", "/payments", "20"}, {"GET", "/payments/{id}", "10"}};

    /** Local-hour activity: office day, evening person, late person, night shift. Zero stays zero. */
    private static final double[][] RHYTHMS = {
            {0, 0, 0, 0, 0, 0, 0.2, 0.6, 1.0, 1.2, 1.2, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 0.7, 0.6, 0.7, 0.8, 0.6, 0.3, 0.1},
            {0.1, 0, 0, 0, 0, 0, 0.1, 0.4, 0.4, 0.2, 0.2, 0.3, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.0, 1.2, 1.3, 1.2, 0.8, 0.4},
            {0.8, 0.5, 0.2, 0, 0, 0, 0, 0, 0, 0.1, 0.4, 0.7, 0.8, 0.7, 0.6, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2, 1.0}};
    private static final double[] NIGHT_RHYTHM =
            {1.1, 1.2, 1.2, 1.1, 1.0, 0.9, 0.7, 0.4, 0.2, 0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 0.3, 0.3, 0.4, 0.6, 0.9, 1.0, 1.1};

    private final Scenario scenario;
    private final Geography geography = new Geography();
    private final IpDatabase database;
    private final List<Pending> pending = new ArrayList<>();
    private final Map<String, String> subjectOfJti = new HashMap<>();
    private final Map<String, Set<String>> usersByAddress = new HashMap<>();
    private final Set<String> maliciousEvents = new HashSet<>();
    private final MessageDigest sha256;
    private final String companyNat;
    private final long rotationStart;
    private final long rotationEnd;
    private final double teamFactor;
    private long sequence;

    private TrafficGenerator(Scenario scenario) {
        this.scenario = scenario;
        this.database = new IpDatabase(scenario.seed(), geography);
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
        SplittableRandom world = new SplittableRandom(scenario.seed() ^ 0x7EA1_D0C5L);
        companyNat = geography.network(Geography.city(COMPANY_CITY), Kind.OFFICE).address(7, 10 + world.nextInt(200));
        // A working day of the evaluation window, mid-morning in the company's city (UTC+1).
        long day = weekdayInEvaluation(world);
        rotationStart = day + 9 * HOUR + (long) (world.nextDouble() * 3 * HOUR);
        rotationEnd = rotationStart + 30 * MINUTE + (long) (world.nextDouble() * 45 * MINUTE);
        teamFactor = 3 + 2 * world.nextDouble();
    }

    /** The traffic of {@code scenario}, with its labels. */
    public static LabelledTraffic generate(Scenario scenario) {
        return new TrafficGenerator(scenario).run();
    }

    private LabelledTraffic run() {
        List<User> users = new ArrayList<>();
        int services = Math.max(1, (int) Math.round(scenario.users() * SERVICE_SHARE));
        int company = (int) Math.round(scenario.users() * COMPANY_SHARE);
        for (int i = 0; i < scenario.users(); i++) {
            SplittableRandom random = new SplittableRandom(scenario.seed() * 1_000_003L + i);
            User user;
            if (i < services) {
                user = newService(i, random);
                simulateService(user, random);
            } else {
                user = newPerson(i, i < services + company, random);
                planChanges(user, random);
                simulatePerson(user, random);
            }
            users.add(user);
        }
        List<AttackLabel> attacks = injectAttacks(users, new SplittableRandom(scenario.seed() ^ 0x5EED_A77AC4L));
        pending.sort(Comparator.comparingLong(Pending::time).thenComparingLong(Pending::sequence));
        List<TokenUsageEvent> events = new ArrayList<>(pending.size());
        pending.forEach(p -> events.add(p.event()));
        pending.clear();
        Map<String, Set<BenignBehaviour>> behaviours = new HashMap<>();
        users.forEach(u -> behaviours.put(u.key, u.behaviours));
        return new LabelledTraffic(scenario, events, attacks, behaviours, usersByAddress, subjectOfJti,
                maliciousEvents);
    }

    // ---------------------------------------------------------------------------------------------
    // Service accounts

    private User newService(int index, SplittableRandom random) {
        User user = new User();
        user.sub = String.format("svc-%04d", index);
        user.issuer = ISSUER;
        user.key = Keys.subject(ISSUER, user.sub);
        user.service = true;
        user.behaviours.add(BenignBehaviour.SERVICE_ACCOUNT);
        City region = Geography.city(Geography.CLOUD_REGIONS.get(random.nextInt(Geography.CLOUD_REGIONS.size())));
        user.home = region;
        Network cloud = geography.network(region, Kind.HOSTING);
        int egress = 2 + random.nextInt(3);
        Set<Integer> slash24s = new LinkedHashSet<>();
        while (slash24s.size() < egress) {
            slash24s.add(random.nextInt(200));
        }
        for (int c : slash24s) {
            user.egress.add(cloud.address(c, 1 + random.nextInt(254)));
        }
        user.laptop = new Device(null, random.nextBoolean() ? GO_CLIENT : JAVA_CLIENT, false);
        user.requestsPerSession = 0.03 + 0.2 * random.nextDouble(); // requests per minute
        return user;
    }

    /** A steady Poisson stream around the clock, a nightly batch at five times the rate, one cached token. */
    private void simulateService(User user, SplittableRandom random) {
        double perMinute = user.requestsPerSession;
        long batchHour = random.nextInt(5);
        long t = scenario.start() + (long) (random.nextDouble() * MINUTE / perMinute);
        Token token = null;
        while (t < scenario.end()) {
            if (token == null || token.expiresAt() - t < 5 * MINUTE) {
                token = newToken(user, t, KEY_ID, random);
            }
            String ip = user.egress.get(random.nextInt(user.egress.size()));
            String[] route = pickRoute(SERVICE_ROUTES, random);
            Context context = new Context(ip, database.locate(ip), null, user.laptop.userAgent());
            emitBenign(user, t, Outcome.ACCEPTED, facts(token, true, user), route, status(route, random), context,
                    random);
            long hourOfDay = Math.floorMod(t, DAY) / HOUR;
            double rate = hourOfDay == batchHour ? 5 * perMinute : perMinute;
            t += Math.max(200, (long) (-Math.log(1 - random.nextDouble()) * MINUTE / rate));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // People

    private User newPerson(int index, boolean company, SplittableRandom random) {
        User user = new User();
        user.company = company;
        user.sub = String.format(company ? "acme-%05d" : "user-%05d", index);
        user.issuer = company ? COMPANY_ISSUER : ISSUER;
        user.key = Keys.subject(user.issuer, user.sub);
        user.home = company ? Geography.city(COMPANY_CITY) : Geography.HOMES.get(random.nextInt(Geography.HOMES.size()));
        user.homeNet = geography.network(user.home, random.nextBoolean() ? Kind.BROADBAND : Kind.BROADBAND_ALT);
        user.homeAddress = user.homeNet.benignAddress(random);
        user.dynamicHome = random.nextDouble() < DYNAMIC_HOME_ADDRESS_SHARE;
        user.addressSalt = random.nextLong();
        if (company) {
            user.officeAddress = companyNat;
            user.behaviours.add(BenignBehaviour.CORPORATE_NAT);
            user.behaviours.add(BenignBehaviour.KEY_ROTATION);
            if (random.nextDouble() < TEAM_SHARE_OF_COMPANY) {
                user.team = true;
                user.behaviours.add(BenignBehaviour.MONTH_END_BURST);
            }
        } else if (random.nextDouble() < OFFICE_SHARE) {
            // Small companies: a handful of colleagues behind each office address.
            user.officeAddress = geography.network(user.home, Kind.OFFICE).address(random.nextInt(30), 1 + random.nextInt(4));
        }
        user.laptop = new Device(deviceId(random), DESKTOP_AGENTS[random.nextInt(DESKTOP_AGENTS.length)], false);
        if (random.nextDouble() < PHONE_SHARE) {
            user.phone = new Device(deviceId(random), PHONE_AGENTS[random.nextInt(PHONE_AGENTS.length)], true);
            user.phoneCellular = random.nextDouble() < CELLULAR_SHARE_OF_PHONES;
            // Phone and laptop at once on different networks: the phone is on mobile data.
            user.concurrent = user.phoneCellular && random.nextDouble() < CONCURRENT_SHARE_OF_CELLULAR_PHONES;
            if (user.phoneCellular) {
                user.behaviours.add(BenignBehaviour.CELLULAR_NAT);
            }
            if (user.concurrent) {
                user.behaviours.add(BenignBehaviour.MULTI_DEVICE);
            }
        }
        if (!company && random.nextDouble() < VPN_SHARE) {
            List<City> exits = Geography.VPN_EXITS.stream().map(Geography::city)
                    .filter(c -> !c.country().equals(user.home.country())).toList();
            user.vpnExit = geography.network(exits.get(random.nextInt(exits.size())), Kind.VPN);
            user.behaviours.add(BenignBehaviour.VPN);
        }
        user.nightShift = !company && random.nextDouble() < NIGHT_SHIFT_SHARE;
        double[] base = user.nightShift ? NIGHT_RHYTHM : company ? RHYTHMS[0] : RHYTHMS[random.nextInt(RHYTHMS.length)];
        if (user.nightShift) {
            user.behaviours.add(BenignBehaviour.NIGHT_SHIFT);
        }
        if (Math.abs(user.home.utcOffsetHours()) >= 5) {
            user.behaviours.add(BenignBehaviour.FAR_TIME_ZONE);
        }
        user.rhythm = new double[24];
        for (int h = 0; h < 24; h++) {
            user.rhythm[h] = base[h] * (0.5 + random.nextDouble());
        }
        user.officeRhythm = base == RHYTHMS[0];
        // Heavy-tailed activity: most people are light users, a few use the service all day.
        double activity = Math.exp(random.nextGaussian() * 0.6);
        user.laptopSessions = 1.2 * activity;
        user.phoneSessions = user.phone == null ? 0 : 1.5 * activity;
        user.requestsPerSession = 3 + 7 * random.nextDouble();
        user.meanGapSeconds = 10 + 30 * random.nextDouble();
        user.lazy = random.nextDouble() < LAZY_REFRESH_SHARE;
        if (user.lazy) {
            user.behaviours.add(BenignBehaviour.LAZY_REFRESH);
        }
        return user;
    }

    /** Decides who joins late, travels, gets a new phone or a stuck client in the evaluation window. */
    private void planChanges(User user, SplittableRandom random) {
        long evalStart = scenario.evaluationStart();
        long evalLength = scenario.end() - evalStart;
        if (random.nextDouble() < NEW_JOINER_SHARE) {
            user.firstSeen = evalStart + (long) (random.nextDouble() * 0.7 * evalLength);
            user.behaviours.add(BenignBehaviour.NEW_JOINER);
        }
        double roll = random.nextDouble();
        if (!user.company && roll < ROAMING_SHARE) {
            List<City> far = Geography.HOMES.stream().filter(c -> Geography.distanceKm(c.lat(), c.lon(),
                    user.home.lat(), user.home.lon()) >= 2500).toList();
            City destination = far.get(random.nextInt(far.size()));
            double km = Geography.distanceKm(user.home.lat(), user.home.lon(), destination.lat(), destination.lon());
            long travel = (long) (km / 800 * HOUR) + 3 * HOUR; // a flight plus airports
            user.trip = trip(destination, travel, 2 + random.nextInt(3), Kind.BROADBAND_ALT, random);
            user.behaviours.add(BenignBehaviour.ROAMING);
        } else if (roll < ROAMING_SHARE + TRAIN_SHARE) {
            List<City> reachable = Geography.trainDestinations(user.home);
            if (!reachable.isEmpty()) {
                City destination = reachable.get(random.nextInt(reachable.size()));
                double km = Geography.distanceKm(user.home.lat(), user.home.lon(), destination.lat(), destination.lon());
                long travel = (long) (km / (120 + 130 * random.nextDouble()) * HOUR) + HOUR;
                user.trip = trip(destination, travel, 1 + random.nextInt(3), Kind.BROADBAND, random);
                user.behaviours.add(BenignBehaviour.TRAIN_TRIP);
            }
        }
        if (user.phone != null && random.nextDouble() < NEW_PHONE_SHARE) {
            user.newPhoneAt = Math.max(user.firstSeen, evalStart) + (long) (random.nextDouble() * 0.8 * evalLength);
            user.newPhone = new Device(deviceId(random), random.nextDouble() < 0.6 ? user.phone.userAgent()
                    : PHONE_AGENTS[random.nextInt(PHONE_AGENTS.length)], true);
            user.behaviours.add(BenignBehaviour.NEW_PHONE);
        }
        if (random.nextDouble() < EXPIRED_RETRY_SHARE) {
            user.stuckRetryAt = Math.max(user.firstSeen, evalStart) + (long) (random.nextDouble() * 0.9 * evalLength);
            user.behaviours.add(BenignBehaviour.EXPIRED_RETRY);
        }
    }

    private Trip trip(City destination, long travel, int nights, Kind hotelKind, SplittableRandom random) {
        long evalStart = scenario.evaluationStart();
        long departure = evalStart + (long) (random.nextDouble() * 0.5 * (scenario.end() - evalStart));
        long arrival = departure + travel;
        long back = arrival + nights * DAY + (long) ((random.nextDouble() - 0.5) * 8 * HOUR);
        String hotel = geography.network(destination, hotelKind).benignAddress(random);
        return new Trip(departure, arrival, back, back + travel, destination, hotel);
    }

    private void simulatePerson(User user, SplittableRandom random) {
        List<long[]> starts = new ArrayList<>(); // {start, device: 0 laptop, 1 phone}
        int days = scenario.historyDays() + scenario.evaluationDays();
        for (int day = 0; day < days; day++) {
            long midnight = scenario.start() + day * DAY;
            boolean weekend = isWeekend(midnight);
            double factor = weekend ? (user.officeRhythm ? 0.5 : 1.1) : 1.0;
            if (user.team && midnight == scenario.monthEndDay()) {
                factor *= teamFactor * (0.9 + 0.2 * random.nextDouble());
            }
            int offset = offsetAt(user, midnight + 12 * HOUR);
            int laptop = poisson(user.laptopSessions * factor, random);
            int phone = poisson(user.phoneSessions * factor, random);
            for (int s = 0; s < laptop + phone; s++) {
                int localHour = pick(user.rhythm, random);
                long start = midnight + (localHour - offset) * HOUR + (long) (random.nextDouble() * HOUR);
                starts.add(new long[] {start, s < laptop ? 0 : 1});
                if (s < laptop && user.concurrent && random.nextDouble() < 0.5) {
                    // The phone in the other hand: an approval, a notification, a quick look.
                    starts.add(new long[] {start + 30 * SECOND + (long) (random.nextDouble() * 4 * MINUTE), 1});
                }
            }
        }
        starts.sort(Comparator.comparingLong(a -> a[0]));
        long[] busyUntil = {Long.MIN_VALUE, Long.MIN_VALUE};
        for (long[] s : starts) {
            int device = (int) s[1];
            long start = s[0];
            if (start < user.firstSeen || start >= scenario.end() - HOUR || start < scenario.start()) {
                continue;
            }
            if (start < busyUntil[device]) {
                start = busyUntil[device] + 2 * MINUTE + (long) (random.nextDouble() * 18 * MINUTE);
                if (start >= scenario.end() - HOUR) {
                    continue;
                }
            }
            busyUntil[device] = session(user, device == 1, start, random);
        }
        if (user.stuckRetryAt > 0) {
            stuckRetry(user, random);
        }
    }

    /** One visit on one device: a place, a network, a handful of requests. Returns the last request's time. */
    private long session(User user, boolean onPhone, long start, SplittableRandom random) {
        Place place = placeAt(user, start);
        if (place == Place.TRANSIT) {
            return start;
        }
        Device device = onPhone ? user.currentPhone(start) : user.laptop;
        if (device == null) {
            return start;
        }
        Context context = context(user, device, place, start, random);
        SessionLog log = start >= scenario.evaluationStart() ? new SessionLog(context, device, new ArrayList<>(),
                new ArrayList<>()) : null;
        int requests = 1 + geometric(user.requestsPerSession, random);
        long t = start;
        long last = t;
        for (int i = 0; i < requests && t < scenario.end(); i++) {
            if (placeAt(user, t) == Place.TRANSIT) {
                break;
            }
            if (onPhone && geography.networkOf(context.ip()).kind() == Kind.MOBILE && random.nextDouble() < 0.04) {
                context = cellular(user, device, random); // handed to another NAT gateway mid-session
            }
            Token token = tokenFor(user, device, t, context, random);
            if (token == null) {
                t += 2 * SECOND + random.nextInt(3000);
                continue; // the request failed (key rotation); the client retries
            }
            String[] route = pickRoute(ROUTES, random);
            emitBenign(user, t, Outcome.ACCEPTED, facts(token, true, user), route, status(route, random), context,
                    random);
            if (log != null) {
                log.times().add(t);
                log.tokens().add(token);
            }
            if (t < scenario.evaluationStart()) {
                user.historyRequests++;
            }
            last = t;
            t += 2 * SECOND + (long) (-Math.log(1 - random.nextDouble()) * user.meanGapSeconds * SECOND);
        }
        if (log != null && !log.times().isEmpty()) {
            user.evaluationSessions.add(log);
        }
        return last;
    }

    /**
     * The token the device's client presents at {@code t}, refreshing as real clients do: proactively a
     * minute or two before expiry, or (lazy clients) only after presenting the expired one and getting
     * the 401. Returns {@code null} when the request failed because the company's issuer signed the
     * fresh token with a key the filters do not know yet; the failure is emitted here.
     */
    private Token tokenFor(User user, Device device, long t, Context context, SplittableRandom random) {
        Token current = user.tokens.get(device.id());
        if (current != null && current.expiresAt() <= t && user.lazy) {
            emitBenign(user, t - SECOND, Outcome.EXPIRED, facts(current, true, user), new String[] {"GET", "/notifications"},
                    401, context, random);
            current = null;
        }
        if (current == null || current.expiresAt() - t < 2 * MINUTE) {
            String kid = user.company && t >= rotationStart ? COMPANY_NEW_KEY_ID : user.company ? COMPANY_KEY_ID : KEY_ID;
            current = newToken(user, t - SECOND, kid, random);
            user.tokens.put(device.id(), current);
        }
        if (user.company && COMPANY_NEW_KEY_ID.equals(current.kid()) && t < rotationEnd) {
            // Signed with the new kid before the filters were given the new key: every request fails.
            emitBenign(user, t, Outcome.UNKNOWN_KEY, facts(current, false, user), pickRoute(ROUTES, random), 401,
                    context, random);
            user.tokens.remove(device.id());
            return null;
        }
        return current;
    }

    /** A client stuck on one expired token: the same request every few seconds for 5 to 25 minutes. */
    private void stuckRetry(User user, SplittableRandom random) {
        long t = user.stuckRetryAt;
        Place place = placeAt(user, t);
        if (place == Place.TRANSIT) {
            return;
        }
        Device device = user.currentPhone(t) != null ? user.currentPhone(t) : user.laptop;
        Context context = context(user, device, place, t, random);
        Token expired = newToken(user, t - TOKEN_LIFETIME - (long) (random.nextDouble() * 6 * HOUR),
                user.company ? COMPANY_KEY_ID : KEY_ID, random);
        long end = t + 5 * MINUTE + (long) (random.nextDouble() * 20 * MINUTE);
        long pause = 3 * SECOND + random.nextInt(7000);
        while (t < end && t < scenario.end()) {
            emitBenign(user, t, Outcome.EXPIRED, facts(expired, true, user), new String[] {"GET", "/accounts/{id}"},
                    401, context, random);
            t += pause;
        }
    }

    private enum Place { HOME, OFFICE, AWAY, TRANSIT }

    private Place placeAt(User user, long t) {
        Trip trip = user.trip;
        if (trip != null) {
            if ((t >= trip.departure() && t < trip.arrival()) || (t >= trip.back() && t < trip.home())) {
                return Place.TRANSIT;
            }
            if (t >= trip.arrival() && t < trip.back()) {
                return Place.AWAY;
            }
        }
        if (user.officeAddress == null || isWeekend(t)) {
            return Place.HOME;
        }
        long local = t + user.home.utcOffsetHours() * HOUR;
        long hour = Math.floorMod(local, DAY) / HOUR;
        // Hybrid work: some days at home, decided per person and day.
        long day = Math.floorDiv(local, DAY);
        boolean officeDay = new SplittableRandom(user.addressSalt ^ day).nextDouble() < 0.7;
        return officeDay && hour >= 8 && hour < 18 ? Place.OFFICE : Place.HOME;
    }

    private int offsetAt(User user, long t) {
        Trip trip = user.trip;
        if (trip != null && t >= trip.arrival() && t < trip.back()) {
            return trip.destination().utcOffsetHours();
        }
        return user.home.utcOffsetHours();
    }

    /** Where a device's requests come from, given where its owner is. */
    private Context context(User user, Device device, Place place, long t, SplittableRandom random) {
        String ip;
        if (device.phone()) {
            boolean wifi = switch (place) {
                case HOME -> !user.phoneCellular || random.nextDouble() < 0.4;
                case OFFICE -> !user.phoneCellular || random.nextDouble() < 0.3;
                default -> !user.phoneCellular;
            };
            if (!wifi) {
                return cellular(user, device, random);
            }
            ip = switch (place) {
                case OFFICE -> user.officeAddress;
                case AWAY -> user.trip.hotel();
                default -> homeAddress(user, t);
            };
        } else {
            ip = switch (place) {
                case OFFICE -> user.officeAddress;
                case AWAY -> user.trip.hotel();
                default -> homeAddress(user, t);
            };
            if (user.vpnExit != null && place != Place.OFFICE && random.nextBoolean()) {
                // Commercial VPN servers share a few /24s among all their customers.
                ip = user.vpnExit.address(random.nextInt(4), 1 + random.nextInt(254));
            }
        }
        return new Context(ip, database.locate(ip), device.id(), device.userAgent());
    }

    /** An address from the home carrier's NAT pool: home-routed, so the same pool at home and abroad. */
    private Context cellular(User user, Device device, SplittableRandom random) {
        Network carrier = geography.mobile(user.home.country());
        String ip = carrier.address(random.nextInt(CARRIER_POOL_SLASH24S), 1 + random.nextInt(254));
        return new Context(ip, database.locate(ip), device.id(), device.userAgent());
    }

    private String homeAddress(User user, long t) {
        if (!user.dynamicHome) {
            return user.homeAddress;
        }
        long day = Math.floorDiv(t, DAY);
        return user.homeNet.benignAddress(new SplittableRandom(user.addressSalt * 31 + day));
    }

    private Token newToken(User user, long time, String kid, SplittableRandom random) {
        String jti = uuid(random);
        subjectOfJti.put(jti, user.key);
        Token token = new Token(jti, time, time + TOKEN_LIFETIME, fingerprint(jti), kid, user.issuer);
        if (!user.service) {
            user.issued.add(token);
        }
        return token;
    }

    // ---------------------------------------------------------------------------------------------
    // Attacks

    private List<AttackLabel> injectAttacks(List<User> users, SplittableRandom random) {
        List<User> candidates = new ArrayList<>(users.stream().filter(u -> !u.service
                && !u.behaviours.contains(BenignBehaviour.NEW_JOINER) && !u.evaluationSessions.isEmpty()).toList());
        shuffle(candidates, random);
        double medianVolume = median(candidates.stream().mapToDouble(u -> u.historyRequests).sorted().toArray());
        Set<User> used = new HashSet<>();
        List<AttackLabel> labels = new ArrayList<>();
        for (AttackType type : AttackType.values()) {
            Predicate<User> eligible = switch (type) {
                case SCRAPING_OWN_DEVICE, LOW_AND_SLOW, SPLIT_BURST -> u -> u.historyRequests > 0
                        && u.historyRequests <= medianVolume;
                case EXPIRED_TOKEN_STASH -> u -> u.issued.size() >= 45;
                default -> u -> true;
            };
            int made = 0;
            for (User victim : candidates) {
                if (made == scenario.attacksPerType()) {
                    break;
                }
                if (used.contains(victim) || !eligible.test(victim)) {
                    continue;
                }
                AttackLabel label = switch (type) {
                    case STOLEN_TOKEN_ABROAD -> stolenTokenAbroad(victim, random);
                    case TOKEN_REPLAY -> tokenReplay(victim, random);
                    case SAME_CITY_THEFT -> sameCityTheft(victim, random);
                    case SCRAPING_OWN_DEVICE -> scrapeOwnDevice(victim, type, 20 + 30 * random.nextDouble(),
                            HOUR + (long) (random.nextDouble() * HOUR), random);
                    case LOW_AND_SLOW -> scrapeOwnDevice(victim, type, 3 + random.nextDouble(),
                            4 * HOUR + (long) (random.nextDouble() * 4 * HOUR), random);
                    case SPLIT_BURST -> splitBurst(victim, random);
                    case FORGED_FLOOD_DISTRIBUTED -> forgedDistributed(victim, random);
                    case FORGED_FLOOD_PACED -> forgedPaced(victim, random);
                    case EXPIRED_TOKEN_STASH -> expiredStash(victim, random);
                    case LONG_LIVED_NEW_SUBJECT -> longLivedNewSubject(victim, random);
                    case ANONYMOUS_NETWORK_THEFT -> anonymousNetworkTheft(victim, random);
                };
                if (label != null) {
                    used.add(victim);
                    labels.add(label);
                    made++;
                }
            }
        }
        return labels;
    }

    /** A request in one of the victim's evaluation sessions whose token has {@code minLeft} of life left. */
    private Stolen steal(User victim, long minLeft, SplittableRandom random) {
        List<Stolen> usable = new ArrayList<>();
        for (SessionLog s : victim.evaluationSessions) {
            for (int i = 0; i < s.times().size(); i++) {
                if (s.tokens().get(i).expiresAt() - s.times().get(i) >= minLeft) {
                    usable.add(new Stolen(s, s.tokens().get(i), s.times().get(i)));
                }
            }
        }
        return usable.isEmpty() ? null : usable.get(random.nextInt(usable.size()));
    }

    /** The stolen token used minutes later from another country on a new device and browser. */
    private AttackLabel stolenTokenAbroad(User victim, SplittableRandom random) {
        Stolen stolen = steal(victim, 10 * MINUTE, random);
        if (stolen == null) {
            return null;
        }
        // Half from a neighbouring country (under 1500 km), half from another continent.
        List<City> near = new ArrayList<>();
        List<City> far = new ArrayList<>();
        for (City c : Geography.HOMES) {
            double km = Geography.distanceKm(c.lat(), c.lon(), victim.home.lat(), victim.home.lon());
            if (!c.country().equals(victim.home.country())) {
                (km < 1500 ? near : far).add(c);
            }
        }
        for (City c : Geography.OTHERS) {
            if (!c.country().equals(victim.home.country())) {
                far.add(c);
            }
        }
        List<City> places = near.isEmpty() || random.nextBoolean() ? far : near;
        City from = places.get(random.nextInt(places.size()));
        Kind[] kinds = {Kind.BROADBAND, Kind.RESIDENTIAL_PROXY, Kind.MOBILE};
        Network network = geography.network(from, kinds[random.nextInt(kinds.length)]);
        String ip = network.attackerAddress(random);
        Context attacker = new Context(ip, database.locate(ip), deviceId(random),
                random.nextBoolean() ? ATTACKER_BROWSER : SCRIPT);
        long t = stolen.time() + MINUTE + (long) (random.nextDouble() * 5 * MINUTE);
        return useToken(AttackType.STOLEN_TOKEN_ABROAD, victim, stolen.token(), List.of(attacker), t,
                5 + random.nextInt(21), 5 * SECOND, 35 * SECOND, random);
    }

    /** One copied token used from three or four networks in the victim's country within minutes. */
    private AttackLabel tokenReplay(User victim, SplittableRandom random) {
        Stolen stolen = steal(victim, 15 * MINUTE, random);
        if (stolen == null) {
            return null;
        }
        List<City> cities = Geography.HOMES.stream().filter(c -> c.country().equals(victim.home.country())).toList();
        Kind[] kinds = {Kind.BROADBAND, Kind.BROADBAND_ALT, Kind.RESIDENTIAL_PROXY, Kind.MOBILE};
        List<Context> replayers = new ArrayList<>();
        int count = 3 + random.nextInt(2);
        for (int i = 0; i < count; i++) {
            Network network = geography.network(cities.get(random.nextInt(cities.size())), kinds[i % kinds.length]);
            String ip = network.attackerAddress(random);
            replayers.add(new Context(ip, database.locate(ip), null, stolen.session().context().userAgent()));
        }
        long t = stolen.time() + 10 * SECOND + random.nextInt(80_000);
        return useToken(AttackType.TOKEN_REPLAY, victim, stolen.token(), replayers, t, 3 * count + random.nextInt(6),
                10 * SECOND, 40 * SECOND, random);
    }

    /** Requests with {@code token} from the given contexts in turn, until the token expires. */
    private AttackLabel useToken(AttackType type, User victim, Token token, List<Context> from, long t, int requests,
                                 long minGap, long maxGap, SplittableRandom random) {
        Set<String> ips = new LinkedHashSet<>();
        long first = t;
        long last = t;
        int made = 0;
        for (int i = 0; i < requests && t < token.expiresAt() && t < scenario.end(); i++) {
            Context context = from.get(i % from.size());
            ips.add(context.ip());
            String[] route = random.nextDouble() < 0.25 ? new String[] {"POST", "/payments", "0"} : pickRoute(ROUTES, random);
            emitAttack(t, Outcome.ACCEPTED, facts(token, true, victim), route, status(route, random), context, random);
            last = t;
            made++;
            t += minGap + (long) (random.nextDouble() * (maxGap - minGap));
        }
        return made == 0 ? null : new AttackLabel(type, victim.key, victim.sub, ips, Set.of(token.jti()), first, last, made);
    }

    /**
     * The victim's token and device cookie copied by someone in the same city on another ISP: same
     * device id, same user agent, interleaved with the victim's own requests for the rest of the session.
     */
    private AttackLabel sameCityTheft(User victim, SplittableRandom random) {
        SessionLog session = victim.evaluationSessions.stream().filter(s -> !s.device().phone()
                && s.times().size() >= 3).max(Comparator.comparingInt(s -> s.times().size())).orElse(null);
        if (session == null) {
            return null;
        }
        Kind other = victim.homeNet.kind() == Kind.BROADBAND ? Kind.BROADBAND_ALT : Kind.BROADBAND;
        String ip = geography.network(victim.home, other).attackerAddress(random);
        Context thief = new Context(ip, database.locate(ip), session.device().id(), session.device().userAgent());
        List<Long> times = session.times();
        long first = Long.MAX_VALUE;
        long last = 0;
        int made = 0;
        Set<String> jtis = new LinkedHashSet<>();
        long end = times.get(times.size() - 1) + 10 * MINUTE;
        long t = times.get(0) + 5 * SECOND + random.nextInt(20_000);
        int index = 0;
        while (t < end && t < scenario.end()) {
            while (index + 1 < times.size() && times.get(index + 1) <= t) {
                index++;
            }
            Token token = session.tokens().get(index);
            if (token.expiresAt() <= t) {
                break;
            }
            String[] route = pickRoute(ROUTES, random);
            emitAttack(t, Outcome.ACCEPTED, facts(token, true, victim), route, status(route, random), thief, random);
            jtis.add(token.jti());
            first = Math.min(first, t);
            last = t;
            made++;
            t += 10 * SECOND + (long) (random.nextDouble() * 50 * SECOND);
        }
        return made == 0 ? null : new AttackLabel(AttackType.SAME_CITY_THEFT, victim.key, victim.sub, Set.of(ip), jtis,
                first, last, made);
    }

    /** The victim's mean requests per hour over the history (every hour of every day counts). */
    private double baselinePerHour(User victim) {
        return Math.max(0.2, victim.historyRequests / (scenario.historyDays() * 24.0));
    }

    /**
     * A script on the victim's own device (malware or a rogue extension): the victim's device id, user
     * agent, home address and session tokens, at {@code multiple} times the victim's hourly baseline
     * for {@code length}.
     */
    private AttackLabel scrapeOwnDevice(User victim, AttackType type, double multiple, long length,
                                        SplittableRandom random) {
        long evalStart = scenario.evaluationStart();
        long start = evalStart + (long) (random.nextDouble() * Math.max(HOUR, scenario.end() - evalStart - length - HOUR));
        double perHour = multiple * baselinePerHour(victim);
        String ip = homeAddress(victim, start);
        Context context = new Context(ip, database.locate(ip), victim.laptop.id(), victim.laptop.userAgent());
        return scriptedStream(type, victim, context, start, start + length, perHour, true, random);
    }

    /** A scraping burst of 40 to 60 minutes centred on a full hour, from a script at the victim's address. */
    private AttackLabel splitBurst(User victim, SplittableRandom random) {
        long evalStart = scenario.evaluationStart();
        long hour = evalStart + 2 * HOUR + (long) (random.nextDouble() * (scenario.end() - evalStart - 4 * HOUR));
        hour -= Math.floorMod(hour, HOUR);
        long length = 40 * MINUTE + (long) (random.nextDouble() * 20 * MINUTE);
        long start = hour - length / 2;
        double perHour = (20 + 20 * random.nextDouble()) * baselinePerHour(victim);
        String ip = homeAddress(victim, start);
        Context context = new Context(ip, database.locate(ip), null, SCRIPT);
        return scriptedStream(AttackType.SPLIT_BURST, victim, context, start, start + length, perHour, false, random);
    }

    private static Token liveToken(User victim, long t) {
        for (Token token : victim.issued) {
            if (token.issuedAt() <= t && token.expiresAt() - t > MINUTE) {
                return token;
            }
        }
        return null;
    }

    private AttackLabel scriptedStream(AttackType type, User victim, Context context, long start, long end,
                                       double perHour, boolean victimTokens, SplittableRandom random) {
        Set<String> jtis = new LinkedHashSet<>();
        Token token = null;
        long t = start + (long) (-Math.log(1 - random.nextDouble()) * HOUR / perHour);
        long first = Long.MAX_VALUE;
        long last = 0;
        int made = 0;
        while (t < end && t < scenario.end()) {
            if (victimTokens && (token == null || token.expiresAt() - t < MINUTE)) {
                // The victim's own client keeps a token fresh; the script rides on whichever is live.
                token = liveToken(victim, t);
            }
            if (token == null || token.expiresAt() - t < MINUTE) {
                token = newToken(victim, t, victim.company ? (t >= rotationEnd ? COMPANY_NEW_KEY_ID : COMPANY_KEY_ID)
                        : KEY_ID, random);
            }
            jtis.add(token.jti());
            String[] route = random.nextDouble() < 0.8 ? new String[] {"GET", "/accounts/{id}/transactions", "0"}
                    : new String[] {"GET", "/search", "0"};
            emitAttack(t, Outcome.ACCEPTED, facts(token, true, victim), route, 200, context, random);
            first = Math.min(first, t);
            last = t;
            made++;
            t += Math.max(100, (long) (-Math.log(1 - random.nextDouble()) * HOUR / perHour));
        }
        return made == 0 ? null : new AttackLabel(type, victim.key, victim.sub, Set.of(context.ip()), jtis, first, last,
                made);
    }

    /** Forged tokens naming the victim from 200 to 500 addresses, one to three requests each, over 10 to 30 minutes. */
    private AttackLabel forgedDistributed(User victim, SplittableRandom random) {
        long start = randomEvaluationTime(HOUR, random);
        long length = 10 * MINUTE + (long) (random.nextDouble() * 20 * MINUTE);
        int addresses = 200 + random.nextInt(301);
        List<City> anywhere = new ArrayList<>(Geography.HOMES);
        anywhere.addAll(Geography.OTHERS);
        Set<String> ips = new LinkedHashSet<>();
        Set<String> jtis = new LinkedHashSet<>();
        long first = Long.MAX_VALUE;
        long last = 0;
        int made = 0;
        for (int a = 0; a < addresses; a++) {
            Network network = geography.network(anywhere.get(random.nextInt(anywhere.size())), Kind.RESIDENTIAL_PROXY);
            String ip = network.attackerAddress(random);
            if (!ips.add(ip)) {
                continue;
            }
            Context bot = new Context(ip, database.locate(ip), null, random.nextBoolean() ? SCRIPT : ATTACKER_BROWSER);
            int requests = 1 + random.nextInt(3);
            long t = start + (long) (random.nextDouble() * length);
            for (int r = 0; r < requests; r++) {
                jtis.add(forged(victim, t, bot, random));
                first = Math.min(first, t);
                last = Math.max(last, t);
                made++;
                t += 5 * SECOND + random.nextInt(60_000);
            }
        }
        return new AttackLabel(AttackType.FORGED_FLOOD_DISTRIBUTED, victim.key, victim.sub, ips, jtis, first, last, made);
    }

    /** Forged tokens naming the victim from one address, paced at 15 to 19 a minute for 30 to 120 minutes. */
    private AttackLabel forgedPaced(User victim, SplittableRandom random) {
        long length = 30 * MINUTE + (long) (random.nextDouble() * 90 * MINUTE);
        long start = randomEvaluationTime(length + HOUR, random);
        List<City> anywhere = new ArrayList<>(Geography.HOMES);
        anywhere.addAll(Geography.OTHERS);
        Network network = geography.network(anywhere.get(random.nextInt(anywhere.size())),
                random.nextBoolean() ? Kind.HOSTING : Kind.RESIDENTIAL_PROXY);
        String ip = network.attackerAddress(random);
        Context attacker = new Context(ip, database.locate(ip), null, CURL);
        double perMinute = 15 + 4 * random.nextDouble();
        long gap = (long) (MINUTE / perMinute);
        Set<String> jtis = new LinkedHashSet<>();
        long t = start;
        long last = t;
        int made = 0;
        while (t < start + length && t < scenario.end()) {
            jtis.add(forged(victim, t, attacker, random));
            last = t;
            made++;
            t += gap - 300 + random.nextInt(600);
        }
        return new AttackLabel(AttackType.FORGED_FLOOD_PACED, victim.key, victim.sub, Set.of(ip), jtis, start, last, made);
    }

    /** One forged token naming the victim: a bad signature, or a swapped algorithm, or a kid nobody issued. */
    private String forged(User victim, long t, Context from, SplittableRandom random) {
        String jti = uuid(random);
        double roll = random.nextDouble();
        Outcome outcome = roll < 0.6 ? Outcome.BAD_SIGNATURE : roll < 0.85 ? Outcome.ALG_NOT_ALLOWED : Outcome.UNKNOWN_KEY;
        String alg = outcome == Outcome.ALG_NOT_ALLOWED ? "HS256" : "ES256";
        String kid = outcome == Outcome.UNKNOWN_KEY ? "k-" + Long.toHexString(random.nextLong() & 0xFFFFFFL) : KEY_ID;
        TokenUsageEvent.TokenFacts facts = new TokenUsageEvent.TokenFacts(fingerprint("forged|" + jti), false, jti,
                victim.sub, victim.issuer, AUDIENCE, t, t + TOKEN_LIFETIME, null, kid, alg);
        emitAttack(t, outcome, facts, new String[] {"GET", "/accounts/{id}", "0"}, 401, from, random);
        return jti;
    }

    /** 30 to 45 of the victim's expired tokens (a leaked log or a stolen cache) tried over 15 to 20 minutes. */
    private AttackLabel expiredStash(User victim, SplittableRandom random) {
        long start = randomEvaluationTime(HOUR, random);
        List<Token> expired = new ArrayList<>(victim.issued.stream().filter(tok -> tok.expiresAt() < start).toList());
        if (expired.size() < 30) {
            return null;
        }
        shuffle(expired, random);
        int count = Math.min(expired.size(), 30 + random.nextInt(16));
        long length = 15 * MINUTE + (long) (random.nextDouble() * 5 * MINUTE);
        Network network = geography.network(victim.home, random.nextBoolean() ? Kind.HOSTING : Kind.RESIDENTIAL_PROXY);
        String ip = network.attackerAddress(random);
        Context attacker = new Context(ip, database.locate(ip), null, SCRIPT);
        Set<String> jtis = new LinkedHashSet<>();
        long last = start;
        for (int i = 0; i < count; i++) {
            long t = start + length * i / count + random.nextInt(10_000);
            Token token = expired.get(i);
            emitAttack(t, Outcome.EXPIRED, facts(token, true, victim), new String[] {"GET", "/accounts/{id}", "0"}, 401,
                    attacker, random);
            jtis.add(token.jti());
            last = Math.max(last, t);
        }
        return new AttackLabel(AttackType.EXPIRED_TOKEN_STASH, victim.key, victim.sub, Set.of(ip), jtis, start, last,
                count);
    }

    /**
     * A subject nobody has seen, with a 6 to 20 hour token from the issuer that mints 1 hour tokens
     * (a stolen signing key or a rogue minting path), used for payments and account reads. The
     * "victim" in the label is the minted subject; the person it was drawn for is only the seed.
     */
    private AttackLabel longLivedNewSubject(User seedUser, SplittableRandom random) {
        String sub = String.format("user-%05d", 90_000 + random.nextInt(10_000));
        User ghost = new User();
        ghost.sub = sub;
        ghost.issuer = ISSUER;
        ghost.key = Keys.subject(ISSUER, sub);
        long lifetime = 6 * HOUR + (long) (random.nextDouble() * 14 * HOUR);
        long start = randomEvaluationTime(2 * HOUR, random);
        long issuedAt = start - (long) (random.nextDouble() * Math.min(lifetime / 2, 3 * HOUR));
        String jti = uuid(random);
        subjectOfJti.put(jti, ghost.key);
        Token token = new Token(jti, issuedAt, issuedAt + lifetime, fingerprint(jti), KEY_ID, ISSUER);
        City city = Geography.HOMES.get(random.nextInt(Geography.HOMES.size()));
        Network network = geography.network(city, random.nextBoolean() ? Kind.BROADBAND : Kind.RESIDENTIAL_PROXY);
        String ip = network.attackerAddress(random);
        Context context = new Context(ip, database.locate(ip), deviceId(random), ATTACKER_BROWSER);
        return useToken(AttackType.LONG_LIVED_NEW_SUBJECT, ghost, token, List.of(context), start,
                20 + random.nextInt(60), 20 * SECOND, 3 * MINUTE, random);
    }

    /** A stolen live token used from a hosting or VPN network in the victim's own country. */
    private AttackLabel anonymousNetworkTheft(User victim, SplittableRandom random) {
        Stolen stolen = steal(victim, 10 * MINUTE, random);
        if (stolen == null) {
            return null;
        }
        List<City> cities = Geography.HOMES.stream().filter(c -> c.country().equals(victim.home.country())).toList();
        Network network = geography.network(cities.get(random.nextInt(cities.size())),
                random.nextBoolean() ? Kind.HOSTING : Kind.VPN);
        String ip = network.attackerAddress(random);
        Context attacker = new Context(ip, database.locate(ip), null,
                random.nextBoolean() ? stolen.session().context().userAgent() : SCRIPT);
        long t = stolen.time() + 30 * SECOND + (long) (random.nextDouble() * 5 * MINUTE);
        return useToken(AttackType.ANONYMOUS_NETWORK_THEFT, victim, stolen.token(), List.of(attacker), t,
                5 + random.nextInt(21), 5 * SECOND, 40 * SECOND, random);
    }

    private long randomEvaluationTime(long tail, SplittableRandom random) {
        long evalStart = scenario.evaluationStart();
        return evalStart + (long) (random.nextDouble() * Math.max(MINUTE, scenario.end() - evalStart - tail));
    }

    private long weekdayInEvaluation(SplittableRandom random) {
        List<Long> weekdays = new ArrayList<>();
        for (long d = scenario.evaluationStart(); d < scenario.end(); d += DAY) {
            if (!isWeekend(d)) {
                weekdays.add(d);
            }
        }
        return weekdays.isEmpty() ? scenario.evaluationStart() : weekdays.get(random.nextInt(weekdays.size()));
    }

    // ---------------------------------------------------------------------------------------------
    // Events

    private void emitBenign(User user, long time, Outcome outcome, TokenUsageEvent.TokenFacts token, String[] route,
                            int status, Context context, SplittableRandom random) {
        usersByAddress.computeIfAbsent(context.ip(), k -> new HashSet<>(2)).add(user.key);
        emit(time, outcome, token, route, status, context, random);
    }

    private void emitAttack(long time, Outcome outcome, TokenUsageEvent.TokenFacts token, String[] route, int status,
                            Context context, SplittableRandom random) {
        maliciousEvents.add(emit(time, outcome, token, route, status, context, random));
    }

    private String emit(long time, Outcome outcome, TokenUsageEvent.TokenFacts token, String[] route, int status,
                        Context context, SplittableRandom random) {
        TokenUsageEvent event = new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, uuid(random), time,
                "edge-" + (1 + random.nextInt(3)), SERVICE, outcome, token,
                new TokenUsageEvent.RequestFacts(route[0], route[1], status, context.ip(), context.userAgent(),
                        context.deviceId(), context.geo()));
        pending.add(new Pending(time, sequence++, event));
        return event.eventId();
    }

    private static TokenUsageEvent.TokenFacts facts(Token token, boolean verified, User user) {
        return new TokenUsageEvent.TokenFacts(token.fingerprint(), verified, token.jti(), user.sub, token.issuer(),
                AUDIENCE, token.issuedAt(), token.expiresAt(), null, token.kid(), "ES256");
    }

    /** Stands in for SHA-256 of the compact token, which the generator never builds. */
    private String fingerprint(String tokenId) {
        return HexFormat.of().formatHex(sha256.digest(("bench-token|" + tokenId).getBytes(StandardCharsets.UTF_8)));
    }

    private static int status(String[] route, SplittableRandom random) {
        return random.nextDouble() < 0.02 ? 404 : route[0].equals("POST") ? 201 : 200;
    }

    private static String uuid(SplittableRandom random) {
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb).toString();
    }

    private static String deviceId(SplittableRandom random) {
        return "dev-" + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
    }

    private static String[] pickRoute(String[][] routes, SplittableRandom random) {
        int total = 0;
        for (String[] route : routes) {
            total += Integer.parseInt(route[2]);
        }
        int roll = random.nextInt(total);
        for (String[] route : routes) {
            roll -= Integer.parseInt(route[2]);
            if (roll < 0) {
                return route;
            }
        }
        return routes[0];
    }

    static boolean isWeekend(long time) {
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

    private static double median(double[] sorted) {
        return sorted.length == 0 ? 0 : sorted[(sorted.length - 1) / 2];
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }

    private record Pending(long time, long sequence, TokenUsageEvent event) {
    }

    private record Token(String jti, long issuedAt, long expiresAt, String fingerprint, String kid, String issuer) {
    }

    private record Device(String id, String userAgent, boolean phone) {
    }

    private record Context(String ip, TokenUsageEvent.Geo geo, String deviceId, String userAgent) {
    }

    /** A round trip: out (departure → arrival), a stay, back (back → home). */
    private record Trip(long departure, long arrival, long back, long home, City destination, String hotel) {
    }

    /** One benign session in the evaluation window: where it was, and each request's time and token. */
    private record SessionLog(Context context, Device device, List<Long> times, List<Token> tokens) {
    }

    private record Stolen(SessionLog session, Token token, long time) {
    }

    /** A simulated person or service account and the state the simulation keeps for it. */
    private static final class User {
        String sub;
        String issuer;
        String key;
        boolean service;
        boolean company;
        boolean team;
        City home;
        Network homeNet;
        String homeAddress;
        boolean dynamicHome;
        long addressSalt;
        String officeAddress;
        Network vpnExit;
        final List<String> egress = new ArrayList<>();
        Device laptop;
        Device phone;
        boolean phoneCellular;
        boolean concurrent;
        boolean nightShift;
        boolean lazy;
        double[] rhythm;
        boolean officeRhythm;
        double laptopSessions;
        double phoneSessions;
        double requestsPerSession;
        double meanGapSeconds;
        long firstSeen = Long.MIN_VALUE;
        Trip trip;
        long newPhoneAt = Long.MAX_VALUE;
        Device newPhone;
        long stuckRetryAt = -1;
        int historyRequests;
        final Set<BenignBehaviour> behaviours = EnumSet.of(BenignBehaviour.ALL);
        final Map<String, Token> tokens = new HashMap<>();
        final List<Token> issued = new ArrayList<>();
        final List<SessionLog> evaluationSessions = new ArrayList<>();

        Device currentPhone(long t) {
            return t >= newPhoneAt ? newPhone : phone;
        }
    }
}
