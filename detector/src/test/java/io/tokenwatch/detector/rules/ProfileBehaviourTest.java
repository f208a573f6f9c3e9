package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.TokenUsageEvent.Anonymizer;
import io.tokenwatch.schemas.TokenUsageEvent.ConnectionType;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole detector (default configuration) on the behaviours of issue 10: every benign behaviour
 * that used to raise false alarms or revoke honest users stays silent (no alert, no revocation), and
 * every attack, including the hard ones, is alerted — and contained where two independent signals
 * agree. Traffic is generated per person with hourly token rotation (a benign behaviour of its own).
 */
class ProfileBehaviourTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    private static final long DAY0 = Math.floorDiv(T0, DAY) * DAY;
    private static final String ISSUER = "https://issuer.example";
    private static final String CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";
    private static final String SAFARI_IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
            + "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
    private static final String[] ROUTES = {"/accounts/{id}", "/payments/{id}", "/profile"};

    @TempDir
    Path stateDir;

    private DetectorDriver detector;
    private final List<TokenUsageEvent> pending = new ArrayList<>();

    @BeforeEach
    void setUp() {
        detector = DetectorDriver.start(stateDir);
    }

    @AfterEach
    void tearDown() {
        detector.close();
    }

    /**
     * Where and how one client of a person connects.
     *
     * @param device device id, or null when the service sends none
     */
    record Client(String device, String userAgent, String ip, String country, Double lat, Double lon, Long asn,
                  ConnectionType connection, Anonymizer anonymizer, Integer radiusKm) {

        Client at(String newIp, String newCountry, Double newLat, Double newLon, Long newAsn,
                  ConnectionType newConnection, Anonymizer newAnonymizer, Integer newRadius) {
            return new Client(device, userAgent, newIp, newCountry, newLat, newLon, newAsn, newConnection,
                    newAnonymizer, newRadius);
        }

        private Client withIp(String value) {
            return new Client(device, userAgent, value, country, lat, lon, asn, connection, anonymizer, radiusKm);
        }

        Client device(String value, String agent) {
            return new Client(value, agent, ip, country, lat, lon, asn, connection, anonymizer, radiusKm);
        }
    }

    /** A laptop on a Berlin home line (cable), located to the city. */
    private static Client berlinLaptop(String device) {
        return new Client(device, CHROME, "198.51.100.7", "DE", 52.52, 13.405, 3320L, ConnectionType.CABLE_DSL, null,
                20);
    }

    /** A phone on mobile data: carrier-grade NAT located at the carrier's Frankfurt gateway. */
    private static Client cellularPhone(String device) {
        return new Client(device, SAFARI_IOS, "100.64.3.9", "DE", 50.11, 8.68, 3209L, ConnectionType.CELLULAR, null,
                100);
    }

    /** The request of {@code client} for subject {@code sub} at {@code time}: a token rotated every hour. */
    private static UsageEvents request(String sub, Client client, long time) {
        UsageEvents e = UsageEvents.accepted().subject(sub).at(time)
                .jti(sub + "-" + Math.floorDiv(time, HOUR) + (client.device() == null ? "" : "-" + client.device()))
                .expiresAt((Math.floorDiv(time, HOUR) + 1) * HOUR).from(client.ip()).userAgent(client.userAgent())
                .device(client.device()).route(ROUTES[(int) Math.floorMod(time / MINUTE, 3)]);
        if (client.lat() != null || client.country() != null || client.asn() != null) {
            e.located(client.country(), client.lat(), client.lon(), client.asn());
        }
        return e.network(client.connection(), client.anonymizer(), client.radiusKm());
    }

    /** Queues {@code event}; {@link #flush()} sends every queued event in time order, as a topic would hold them. */
    private void queue(UsageEvents event) {
        pending.add(event.build());
    }

    private void flush() {
        pending.sort(Comparator.comparingLong(TokenUsageEvent::eventTime));
        pending.forEach(detector::send);
        pending.clear();
    }

    /** A working day of {@code client}: 09:00–17:00 UTC, a request every {@code everyMinutes}. */
    private void workday(String sub, Client client, int day, int everyMinutes) {
        for (long t = DAY0 + day * DAY + 9 * HOUR; t < DAY0 + day * DAY + 17 * HOUR; t += everyMinutes * MINUTE) {
            queue(request(sub, client, t));
        }
    }

    private List<Alert> alerts() {
        return detector.alerts().stream().map(kv -> kv.value).toList();
    }

    private List<Revocation> revocations() {
        return detector.revocations().stream().map(kv -> kv.value).filter(r -> r != null).toList();
    }

    private void assertSilent() {
        assertThat(alerts()).extracting(a -> a.findingInfo().analytic().name() + ": " + a.message()).isEmpty();
        assertThat(revocations()).isEmpty();
    }

    /** The subject's profile exists and is past its learning period, so silence is the rules' verdict. */
    private void assertJudged(String sub) {
        io.tokenwatch.detector.profile.UserProfile profile = detector
                .<io.tokenwatch.detector.profile.UserProfile>store(UserProfileProcessor.PROFILES_STORE)
                .get(ISSUER + "|" + sub);
        assertThat(profile).isNotNull();
        assertThat(UserProfileRules.defaults().profile().learning().isOverFor(profile, profile.lastSeen()))
                .as("learning over for " + sub).isTrue();
    }

    private static List<String> rules(List<Alert> alerts) {
        return alerts.stream().map(a -> a.findingInfo().analytic().name()).toList();
    }

    // ---------------------------------------------------------------------------------------------
    // Benign behaviours: no alert, no revocation.

    @Test
    void shouldStaySilentForAPhoneAndALaptopInUseAtOnce() {
        Client laptop = berlinLaptop("laptop-1");
        // The phone on mobile data is located at the carrier's gateway, 420 km away; at times at the
        // country centroid. A second phone app sends no device id at all.
        Client phone = cellularPhone("phone-1");
        Client centroid = phone.at("100.64.7.1", "DE", 51.0, 9.0, 3209L, ConnectionType.CELLULAR, null, 500);
        Client appWithoutDevice = cellularPhone(null);
        for (int day = 0; day < 10; day++) {
            workday("alice", laptop, day, 4);
            workday("alice", day % 2 == 0 ? phone : centroid, day, 7);
            workday("alice", appWithoutDevice, day, 29);
        }
        flush();

        assertSilent();
        assertJudged("alice");
    }

    @Test
    void shouldStaySilentForAPhoneMovingAcrossItsCarriersNatPoolAndGateways() {
        Client laptop = berlinLaptop("laptop-1");
        String[] pool = {"100.64.3.9", "100.65.17.2", "100.66.201.40", "100.70.8.8"};
        double[][] gateways = {{50.11, 8.68}, {48.14, 11.58}, {53.55, 9.99}, {51.0, 9.0}};
        Random random = new Random(7);
        for (int day = 0; day < 10; day++) {
            workday("bob", laptop, day, 5);
            for (long t = DAY0 + day * DAY + 7 * HOUR; t < DAY0 + day * DAY + 22 * HOUR; t += 3 * MINUTE) {
                int i = random.nextInt(pool.length);
                queue(request("bob", cellularPhone("phone-1").at(pool[i], "DE", gateways[i][0], gateways[i][1], 3209L,
                        ConnectionType.CELLULAR, null, i == 3 ? 500 : 100), t));
            }
        }
        flush();

        assertSilent();
        assertJudged("bob");
    }

    @Test
    void shouldStaySilentWhenARoamingPhoneIsRoutedHomeWhileTheLaptopIsAbroad() {
        Client laptop = berlinLaptop("laptop-1");
        Client phone = cellularPhone("phone-1");
        for (int day = 0; day < 8; day++) {
            workday("carol", laptop, day, 4);
            workday("carol", phone, day, 6);
        }
        // Days 8 and 9 in Madrid: the laptop on the hotel's line, the phone roaming and routed home (DE).
        Client hotel = laptop.at("192.0.2.80", "ES", 40.4168, -3.7038, 12479L, ConnectionType.CABLE_DSL, null, 20);
        for (int day = 8; day < 10; day++) {
            workday("carol", hotel, day, 4);
            workday("carol", phone, day, 6);
        }
        flush();

        assertSilent();
        assertJudged("carol");
    }

    @Test
    void shouldStaySilentForAVpnUserAndForAFirstVpnSessionOnTheUsualDevice() {
        Client office = berlinLaptop("laptop-1").at("203.0.113.10", "DE", 52.52, 13.405, 8881L,
                ConnectionType.CORPORATE, null, 20);
        Client vpn = office.at("192.0.2.200", "US", 37.75, -97.82, 9009L, null, Anonymizer.VPN, 1000);
        for (int day = 0; day < 10; day++) {
            // Half-hourly switches between the office line and a VPN exit in another country.
            for (long t = DAY0 + day * DAY + 9 * HOUR; t < DAY0 + day * DAY + 17 * HOUR; t += 5 * MINUTE) {
                queue(request("dave", (t / (30 * MINUTE)) % 2 == 0 ? office : vpn, t));
            }
        }
        // Erin never used a VPN; on day 8 she switches one on for an afternoon, on her usual laptop.
        Client erin = berlinLaptop("erin-laptop");
        for (int day = 0; day < 10; day++) {
            workday("erin", day == 8 ? erin.at("192.0.2.201", "NL", 52.37, 4.89, 60068L, null, Anonymizer.VPN, 500)
                    : erin, day, 6);
        }
        flush();

        assertSilent();
        assertJudged("erin");
    }

    @Test
    void shouldStaySilentForHundredsOfUsersBehindOneCorporateNat() {
        String[] egress = {"203.0.113.", "198.51.100.", "192.0.2.", "100.100.4."};
        Random random = new Random(11);
        for (int user = 0; user < 200; user++) {
            Client desk = new Client("pc-" + user, CHROME, "203.0.113.1", "DE", 48.14, 11.58, 8881L,
                    ConnectionType.CORPORATE, null, 50);
            for (int day = 0; day < 5; day++) {
                for (long t = DAY0 + day * DAY + 8 * HOUR + user * 7 * SECOND; t < DAY0 + day * DAY + 16 * HOUR;
                     t += 20 * MINUTE) {
                    // Every request may leave through another address of the pool.
                    queue(request("user-" + user, desk.withIp(egress[random.nextInt(4)] + (1 + random.nextInt(250))),
                            t));
                }
            }
        }
        flush();

        assertSilent();
        assertJudged("user-199");
    }

    @Test
    void shouldStaySilentForAServiceAccountOnSeveralCloudEgressAddressesSharingOneToken() {
        Client[] egress = {
            new Client(null, "Go-http-client/2.0", "3.80.1.1", "US", 39.04, -77.49, 16509L, null, Anonymizer.HOSTING, 1000),
            new Client(null, "Go-http-client/2.0", "18.216.2.2", "US", 39.96, -83.0, 16509L, null, Anonymizer.HOSTING, 1000),
            new Client(null, "Go-http-client/2.0", "52.12.3.3", "US", 45.84, -119.7, 16509L, null, Anonymizer.HOSTING, 1000)};
        Random random = new Random(3);
        for (long t = DAY0; t < DAY0 + 6 * DAY; t += 20 * SECOND) {
            queue(request("svc-reporting", egress[random.nextInt(3)], t));
        }
        flush();

        assertSilent();
        assertJudged("svc-reporting");
    }

    @Test
    void shouldStaySilentForShiftWorkersAndPeopleInOtherTimeZones() {
        // A night nurse in Tokyo (UTC+9): 22:00–06:00 local is 13:00–21:00 UTC.
        Client tokyo = new Client("tablet-1", CHROME, "192.0.2.33", "JP", 35.68, 139.69, 2516L,
                ConnectionType.CABLE_DSL, null, 20);
        // A rotating shift in Berlin: a week of early shifts (06:00–14:00), then late shifts (14:00–22:00).
        Client berlin = berlinLaptop("laptop-9");
        for (int day = 0; day < 14; day++) {
            for (long t = DAY0 + day * DAY + 13 * HOUR; t < DAY0 + day * DAY + 21 * HOUR; t += 6 * MINUTE) {
                queue(request("nurse", tokyo, t));
            }
            int start = day < 7 ? 5 : 13;
            for (long t = DAY0 + day * DAY + start * HOUR; t < DAY0 + day * DAY + (start + 8) * HOUR; t += 6 * MINUTE) {
                queue(request("shift", berlin, t));
            }
        }
        flush();

        assertSilent();
        assertJudged("shift");
    }

    @Test
    void shouldStaySilentForAMonthEndBurstAWholeTeamShares() {
        List<String> team = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            team.add("analyst-" + i);
        }
        for (int day = 0; day < 9; day++) {
            for (int i = 0; i < team.size(); i++) {
                Client laptop = berlinLaptop("laptop-" + i).withIp("198.51.100." + (10 + i));
                // Usually a request every 4 minutes; on day 8, reporting at 4× for the whole afternoon.
                int every = day == 8 ? 1 : 4;
                for (long t = DAY0 + day * DAY + 9 * HOUR + i * 5 * SECOND; t < DAY0 + day * DAY + 17 * HOUR;
                     t += (day == 8 && t >= DAY0 + day * DAY + 12 * HOUR ? every : 4) * MINUTE) {
                    queue(request(team.get(i), laptop, t));
                }
            }
        }
        flush();

        assertSilent();
        assertJudged("analyst-11");
    }

    @Test
    void shouldStaySilentForANewJoinerOnTheirFirstDays() {
        Client laptop = berlinLaptop("new-laptop");
        Client phone = cellularPhone("new-phone");
        for (int day = 0; day < 3; day++) {
            workday("newbie", laptop, day, 3);
            workday("newbie", phone, day, 9);
        }
        // Day 3: a conference in Vienna, from the hotel's line and the phone.
        workday("newbie", laptop.at("192.0.2.44", "AT", 48.21, 16.37, 1901L, ConnectionType.CABLE_DSL, null, 20), 3, 3);
        flush();

        assertSilent();
        assertJudged("newbie");
    }

    // ---------------------------------------------------------------------------------------------
    // Attacks: alerted; contained where two independent signals agree.

    /** Ten ordinary working days of Alice on her laptop and phone. */
    private void aliceLivesNormally(Client laptop) {
        for (int day = 0; day < 10; day++) {
            workday("alice", laptop, day, 4);
            workday("alice", cellularPhone("phone-1"), day, 10);
        }
        flush();
        assertSilent();
    }

    @Test
    void shouldRevokeAStolenTokenUsedFromAnotherCountryOnANewDevice() {
        Client laptop = berlinLaptop("laptop-1");
        aliceLivesNormally(laptop);
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        detector.send(request("alice", laptop, t).build());
        String stolen = "alice-" + Math.floorDiv(t, HOUR) + "-laptop-1";
        Client thief = new Client("android-x", "okhttp/4.12.0", "192.0.2.99", "BR", -23.55, -46.63, 28573L,
                ConnectionType.CABLE_DSL, null, 20);
        detector.send(request("alice", thief, t + 20 * MINUTE).jti(stolen).build());

        List<Alert> alerts = alerts();
        assertThat(rules(alerts)).contains(ImpossibleTravelRule.NAME);
        assertThat(revocations()).extracting(Revocation::key).contains("jti|" + ISSUER + "|" + stolen);
    }

    @Test
    void shouldRevokeATokenReplayedFromSeveralNetworksWhileTheVictimKeepsUsingIt() {
        Client laptop = berlinLaptop("laptop-1");
        aliceLivesNormally(laptop);
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        String token = "alice-" + Math.floorDiv(t, HOUR) + "-laptop-1";
        Client[] proxies = {
            new Client(null, "python-requests/2.32", "192.0.2.10", "DE", 52.5, 13.4, 6805L, ConnectionType.CABLE_DSL, null, 20),
            new Client(null, "python-requests/2.32", "203.0.113.77", "DE", 52.5, 13.4, 3209L, ConnectionType.CABLE_DSL, null, 20),
            new Client(null, "python-requests/2.32", "100.99.1.1", "DE", 52.5, 13.4, 8422L, ConnectionType.CABLE_DSL, null, 20)};
        for (int i = 0; i < 6; i++) {
            detector.send(request("alice", laptop, t + i * 40 * SECOND).build());
            detector.send(request("alice", proxies[i % 3], t + i * 40 * SECOND + 20 * SECOND).jti(token).build());
        }

        List<Alert> alerts = alerts();
        assertThat(rules(alerts)).contains(TokenReplayRule.NAME);
        assertThat(revocations()).extracting(Revocation::key).contains("jti|" + ISSUER + "|" + token);
    }

    @Test
    void shouldCatchSameCityTheftWithACopiedDeviceIdAndUserAgentByInterleaving() {
        Client laptop = berlinLaptop("laptop-1");
        aliceLivesNormally(laptop);
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        String token = "alice-" + Math.floorDiv(t, HOUR) + "-laptop-1";
        // Same city, same device id, same user agent: only the home line differs.
        Client thief = laptop.at("203.0.113.45", "DE", 52.51, 13.39, 3320L, ConnectionType.CABLE_DSL, null, 20);
        detector.send(request("alice", laptop, t).build());
        detector.send(request("alice", thief, t + 2 * MINUTE).jti(token).build());
        detector.send(request("alice", laptop, t + 4 * MINUTE).build());

        List<Alert> alerts = alerts();
        assertThat(rules(alerts)).containsExactly(ConcurrentUseRule.NAME);
        assertThat(alerts.get(0).unmapped().get("corroboration").toString()).contains("containment_allowed=true");
        assertThat(revocations()).extracting(Revocation::key).containsExactly("jti|" + ISSUER + "|" + token);
    }

    @Test
    void shouldDetectScrapingFromTheVictimsOwnDeviceAtTwentyTimesALightBaselineWithoutThrottling() {
        Client laptop = berlinLaptop("laptop-1");
        // A light user: three requests an hour.
        for (int day = 0; day < 10; day++) {
            workday("light", laptop, day, 20);
        }
        flush();
        assertSilent();

        // A script on her own laptop, same network and client: 20× (60 an hour, one a minute).
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        for (int i = 0; i < 60; i++) {
            detector.send(request("light", laptop, t + i * MINUTE).route(ROUTES[0]).build());
        }

        List<Alert> alerts = alerts();
        assertThat(rules(alerts)).isNotEmpty().containsOnly(RateSpikeRule.NAME);
        assertThat(revocations()).as("one signal: alert, no throttle").isEmpty();
    }

    @Test
    void shouldDetectAScriptOnTheVictimsDeviceKeepingEveryIntervalBusyAtThePersonsOwnPace() {
        Client laptop = berlinLaptop("laptop-1");
        // Short visits: three a day, six requests within a minute or two each (18 a day, under one an hour).
        for (int day = 0; day < 10; day++) {
            for (int visit : new int[] {9, 13, 18}) {
                for (int i = 0; i < 6; i++) {
                    queue(request("visitor", laptop, DAY0 + day * DAY + visit * HOUR + i * 15 * SECOND)
                            .route(ROUTES[0]));
                }
            }
        }
        flush();
        assertSilent();

        // A script on her laptop: one request every four minutes (15 an hour, 20× her average hour)
        // for two hours, never more in ten minutes than one of her visits.
        long t = DAY0 + 10 * DAY + 20 * HOUR;
        for (int i = 0; i < 30; i++) {
            detector.send(request("visitor", laptop, t + i * 4 * MINUTE).route(ROUTES[0]).build());
        }

        List<Alert> alerts = alerts();
        assertThat(rules(alerts)).isNotEmpty().containsOnly(RateSpikeRule.NAME);
        // Each of the script's requests is a visit of its own, unlike her clumped visits: the pace test
        // speaks first (after five such requests), before two hours of busy intervals make coverage fire.
        assertThat(alerts.get(0).unmapped().get("details").toString()).contains("test=pace");
        assertThat(revocations()).as("one signal: alert only").isEmpty();
    }

    @Test
    void shouldThrottleAScrapeWhenASecondSignalBacksIt() {
        Client laptop = berlinLaptop("laptop-1");
        for (int day = 0; day < 10; day++) {
            workday("light", laptop, day, 20);
        }
        flush();
        // A script with her token and a new client family: volume plus a new client.
        Client script = laptop.device("laptop-1", "python-requests/2.32");
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        for (int i = 0; i < 40; i++) {
            detector.send(request("light", script, t + i * 15 * SECOND).route(ROUTES[0]).build());
        }

        assertThat(rules(alerts())).contains(RateSpikeRule.NAME);
        assertThat(revocations()).extracting(Revocation::action).containsOnly(Revocation.Action.THROTTLE);
    }

    @Test
    void shouldDetectLowAndSlowScrapingAtThreeAndAHalfTimesTheBaselineForHours() {
        Client laptop = berlinLaptop("laptop-1");
        for (int day = 0; day < 10; day++) {
            workday("alice", laptop, day, 4);
        }
        flush();
        assertSilent();
        // 3.5× her pace (a request every 4 minutes), from 18:00 for six hours.
        long start = DAY0 + 10 * DAY + 18 * HOUR;
        List<Alert> alerts = new ArrayList<>();
        for (long t = start; t < start + 6 * HOUR; t += (long) (4 * MINUTE / 3.5)) {
            detector.send(request("alice", laptop, t).build());
        }
        alerts.addAll(alerts());

        assertThat(rules(alerts)).contains(RateSpikeRule.NAME);
        assertThat(alerts.get(0).unmapped().get("details").toString()).contains("test=cusum");
    }

    @Test
    void shouldCountABurstSplitAcrossAnHourBoundaryWhole() {
        Client laptop = berlinLaptop("laptop-1");
        for (int day = 0; day < 10; day++) {
            workday("light", laptop, day, 20);
        }
        flush();
        // 15 requests in the five minutes before 11:00 and 15 in the five after: neither calendar
        // interval reaches the floor of 20, the ten minutes around the boundary do.
        long boundary = DAY0 + 10 * DAY + 11 * HOUR;
        for (int i = 0; i < 15; i++) {
            detector.send(request("light", laptop, boundary - 5 * MINUTE + i * 20 * SECOND).route(ROUTES[0]).build());
        }
        for (int i = 0; i < 15; i++) {
            detector.send(request("light", laptop, boundary + i * 20 * SECOND).route(ROUTES[0]).build());
        }

        assertThat(rules(alerts())).containsOnly(RateSpikeRule.NAME).isNotEmpty();
    }

    // ---------------------------------------------------------------------------------------------
    // Paced scripts against people who work in visits (issue 10, cause 3).

    /** Visit sizes of a person: mostly a handful of requests, now and then a single quick look. */
    private static final int[] VISIT_SIZES = {6, 1, 4, 8, 3, 5, 2, 7};

    /**
     * {@code visits} visits of {@code sub} on {@code day}, from {@code firstHour} on, spread over
     * {@code spanHours}: each a handful of requests 10 to 40 seconds apart (sizes from {@link #VISIT_SIZES}).
     */
    private void visits(String sub, Client client, int day, int visits, int firstHour, int spanHours, Random random) {
        for (int v = 0; v < visits; v++) {
            long t = DAY0 + day * DAY + firstHour * HOUR + (long) (random.nextDouble() * spanHours * HOUR);
            int size = VISIT_SIZES[random.nextInt(VISIT_SIZES.length)];
            for (int i = 0; i < size; i++) {
                queue(request(sub, client, t));
                t += 10 * SECOND + random.nextInt(30) * SECOND;
            }
        }
    }

    /** A light user: three visits a day on her laptop, between 08:00 and 22:00, for ten days. */
    private void lightUserLives(String sub, Client laptop, Random random) {
        for (int day = 0; day < 10; day++) {
            visits(sub, laptop, day, 3, 8, 14, random);
        }
        flush();
        assertSilent();
    }

    /** A script's requests from {@code start}: exponential gaps of mean {@code meanGap}, for {@code length}. */
    private void script(String sub, Client client, long start, long length, long meanGap, Random random) {
        for (long t = start; t < start + length; t += Math.max(SECOND, (long) (-Math.log(1 - random.nextDouble()) * meanGap))) {
            detector.send(request(sub, client, t).build());
        }
    }

    @Test
    void shouldDetectAPacedScrapeOfALightUsersOwnDeviceAtAFewRequestsAnHour() {
        Random random = new Random(11);
        Client laptop = berlinLaptop("laptop-1");
        lightUserLives("light-scraped", laptop, random);

        // Malware on her laptop: about 20× her average hour (some 12 requests an hour) for 90 minutes,
        // never as many in ten minutes or an hour as one of her visits.
        script("light-scraped", laptop, DAY0 + 10 * DAY + 15 * HOUR, 90 * MINUTE, 5 * MINUTE, random);

        List<Alert> alerts = alerts();
        assertThat(rules(alerts)).isNotEmpty().containsOnly(RateSpikeRule.NAME);
        assertThat(alerts.get(0).unmapped().get("details").toString()).contains("test=pace");
        assertThat(revocations()).as("her own device, one signal: alert, no throttle").isEmpty();
    }

    @Test
    void shouldDetectLowAndSlowScrapingOfALightUserThroughTheNight() {
        Random random = new Random(12);
        Client laptop = berlinLaptop("laptop-1");
        lightUserLives("light-slow", laptop, random);

        // Three to four times her average hour (about two requests an hour) for six hours from 23:00.
        script("light-slow", laptop, DAY0 + 10 * DAY + 23 * HOUR, 6 * HOUR, 30 * MINUTE, random);

        assertThat(rules(alerts())).isNotEmpty().containsOnly(RateSpikeRule.NAME);
        assertThat(revocations()).isEmpty();
    }

    @Test
    void shouldDetectAScriptBurstSplitAcrossAnHourBoundaryAtALightUsersScale() {
        Random random = new Random(13);
        Client laptop = berlinLaptop("laptop-1");
        lightUserLives("light-burst", laptop, random);

        // A script with her token, from her address, 25 minutes either side of 16:00: some 15 requests an hour.
        Client script = laptop.device(null, "python-requests/2.32");
        script("light-burst", script, DAY0 + 10 * DAY + 16 * HOUR - 25 * MINUTE, 50 * MINUTE, 4 * MINUTE, random);

        assertThat(rules(alerts())).contains(RateSpikeRule.NAME);
    }

    @Test
    void shouldStaySilentForABusyDayOfALightUserAndForAWholeTeamsMonthEndInVisits() {
        Random random = new Random(14);
        Client laptop = berlinLaptop("laptop-1");
        for (int day = 0; day < 10; day++) {
            // A light user whose day 8 is four times as busy as usual.
            visits("light-busy", laptop, day, day == 8 ? 12 : 3, 8, 14, random);
            // A team of eight in office hours; month-end reporting on day 9: four times the visits each.
            for (int i = 0; i < 8; i++) {
                Client desk = berlinLaptop("desk-" + i).withIp("198.51.100." + (20 + i));
                visits("team-" + i, desk, day, day == 9 ? 16 : 4, 8, 9, random);
            }
        }
        flush();

        assertSilent();
        assertJudged("light-busy");
        assertJudged("team-7");
    }

    @Test
    void shouldStaySilentForANightShiftWorkerAndAPollingServiceAccountThatLearnedTheirOwnPace() {
        Random random = new Random(15);
        Client tablet = berlinLaptop("tablet-1");
        Client service = new Client(null, "Go-http-client/2.0", "3.80.1.1", "US", 39.04, -77.49, 16509L, null,
                Anonymizer.HOSTING, 1000);
        for (int day = 0; day < 10; day++) {
            // Night shifts, 22:00–06:00, quick looks included.
            visits("night", tablet, day, 5, 22, 8, random);
        }
        // A service polling one request every few minutes around the clock, busier on its last day.
        for (long t = DAY0; t < DAY0 + 10 * DAY; ) {
            queue(request("svc-poller", service, t));
            long mean = t >= DAY0 + 9 * DAY ? 2 * MINUTE : 3 * MINUTE;
            t += Math.max(SECOND, (long) (-Math.log(1 - random.nextDouble()) * mean));
        }
        flush();

        assertSilent();
        assertJudged("night");
        assertJudged("svc-poller");
    }

    @Test
    void shouldAlertOnAStolenTokenUsedThroughAHostingNetworkAndRevokeOnceItInterleaves() {
        Client laptop = berlinLaptop("laptop-1");
        aliceLivesNormally(laptop);
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        String token = "alice-" + Math.floorDiv(t, HOUR) + "-laptop-1";
        Client cloud = new Client(null, "python-requests/2.32", "3.80.9.9", "US", 39.04, -77.49, 16509L, null,
                Anonymizer.HOSTING, 1000);
        detector.send(request("alice", laptop, t).build());
        detector.send(request("alice", cloud, t + MINUTE).jti(token).build());

        List<Alert> first = alerts();
        assertThat(rules(first)).containsAnyOf(AnonymousNetworkRule.NAME, NewContextRule.NAME);
        assertThat(rules(first)).doesNotContain(ImpossibleTravelRule.NAME);

        detector.send(request("alice", laptop, t + 2 * MINUTE).build());
        detector.send(request("alice", cloud, t + 3 * MINUTE).jti(token).build());
        detector.send(request("alice", laptop, t + 4 * MINUTE).build());

        assertThat(rules(alerts())).contains(ConcurrentUseRule.NAME);
        assertThat(revocations()).extracting(Revocation::key).contains("jti|" + ISSUER + "|" + token);
    }

    @Test
    void shouldRevokeAStolenTokenUsedThroughAVpnWithTheVictimsUserAgentButNotItsDevice() {
        Client laptop = berlinLaptop("laptop-1");
        aliceLivesNormally(laptop);
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        String token = "alice-" + Math.floorDiv(t, HOUR) + "-laptop-1";
        // The thief copied the user agent but sends no device id, through a VPN exit in Germany.
        Client vpn = new Client(null, CHROME, "192.0.2.150", "DE", 50.11, 8.68, 9009L, null, Anonymizer.VPN, 100);
        detector.send(request("alice", laptop, t).build());
        detector.send(request("alice", vpn, t + MINUTE).jti(token).build());

        List<Alert> alerts = alerts();
        assertThat(rules(alerts)).containsExactly(AnonymousNetworkRule.NAME);
        assertThat(alerts.get(0).unmapped().get("corroboration").toString()).contains("token_on_another_client");
        assertThat(revocations()).extracting(Revocation::key).containsExactly("jti|" + ISSUER + "|" + token);
    }

    @Test
    void shouldOnlyObserveOneDevicesOwnJumpAbroadOnAKnownClient() {
        Client laptop = berlinLaptop("laptop-1");
        aliceLivesNormally(laptop);
        long t = DAY0 + 10 * DAY + 10 * HOUR;
        detector.send(request("alice", laptop, t).build());
        // The same laptop and client located in New York 30 minutes later: what a VPN exit the database
        // does not flag looks like. Travel of one holder and a new country: one family, observed.
        detector.send(request("alice", laptop.at("198.51.100.7", "US", 40.71, -74.0, 3320L, ConnectionType.CABLE_DSL,
                null, 20).withIp("198.51.101.7"), t + 30 * MINUTE).build());

        assertSilent();
        assertThat(detector.<io.tokenwatch.detector.profile.UserProfile>store(UserProfileProcessor.PROFILES_STORE)
                .get(ISSUER + "|alice").signals()).extracting(s -> SignalFamily.values()[s.family()])
                .contains(SignalFamily.PLACE);
    }
}
