package io.tokenwatch.launcher.bench;

import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.TokenUsageEvent.Anonymizer;
import io.tokenwatch.schemas.TokenUsageEvent.ConnectionType;
import io.tokenwatch.schemas.TokenUsageEvent.Geo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generated traffic really contains each behaviour and attack the benchmark claims to model
 * (issue 10, item 8): these tests look at the events themselves, as the detector would see them, not
 * at the generator's bookkeeping alone.
 */
class TrafficGeneratorTest {

    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private static Scenario scenario;
    private static LabelledTraffic traffic;
    /** Claimed subject key (verified or not) → that subject's own benign events, in time order. */
    private static Map<String, List<TokenUsageEvent>> bySubject;

    @BeforeAll
    static void generate() {
        scenario = new Scenario(7, 400, 7, 7, 3, Scenario.DEFAULT_START);
        traffic = TrafficGenerator.generate(scenario);
        bySubject = new HashMap<>();
        for (TokenUsageEvent e : traffic.events()) {
            if (e.token() != null && !traffic.maliciousEvents().contains(e.eventId())) {
                bySubject.computeIfAbsent(Keys.subject(e.token().iss(), e.token().sub()), k -> new ArrayList<>()).add(e);
            }
        }
    }

    @Test
    void shouldBeTheSameStreamForTheSameSeedAndAnotherForAnother() {
        Scenario small = new Scenario(11, 60, 2, 1, 1, Scenario.DEFAULT_START);
        List<String> first = TrafficGenerator.generate(small).events().stream().map(TokenUsageEvent::eventId).toList();
        List<String> again = TrafficGenerator.generate(small).events().stream().map(TokenUsageEvent::eventId).toList();
        List<String> other = TrafficGenerator.generate(small.withSeed(12)).events().stream()
                .map(TokenUsageEvent::eventId).toList();

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void shouldSpanTheScenarioInEventTimeOrder() {
        List<TokenUsageEvent> events = traffic.events();
        assertThat(events).isSortedAccordingTo(Comparator.comparingLong(TokenUsageEvent::eventTime));
        assertThat(events.get(0).eventTime()).isLessThan(scenario.start() + DAY);
        assertThat(events.get(events.size() - 1).eventTime()).isGreaterThan(scenario.end() - DAY)
                .isLessThan(scenario.end());
        assertThat(traffic.behaviours()).hasSize(400);
    }

    @Test
    void multiDeviceUsersUsePhoneAndLaptopAtOnceOnDifferentNetworks() {
        Set<String> users = traffic.usersWith(BenignBehaviour.MULTI_DEVICE);
        assertThat(users).hasSizeGreaterThan(100);
        long overlapping = users.stream().filter(u -> hasOverlap(bySubject.getOrDefault(u, List.of()))).count();
        assertThat(overlapping).as("multi-device users with two devices on two /24s within two minutes")
                .isGreaterThanOrEqualTo(users.size() * 7 / 10);
    }

    private static boolean hasOverlap(List<TokenUsageEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            TokenUsageEvent a = events.get(i);
            for (int j = i + 1; j < events.size() && events.get(j).eventTime() - a.eventTime() < 2 * MINUTE; j++) {
                TokenUsageEvent b = events.get(j);
                if (a.request().deviceId() != null && b.request().deviceId() != null
                        && !a.request().deviceId().equals(b.request().deviceId())
                        && !slash24(a.request().clientIp()).equals(slash24(b.request().clientIp()))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void cellularUsersGetSeveralSlash24sOfOneMobileAsnLocatedAtTheGatewayOrTheCentroid() {
        Set<String> users = traffic.usersWith(BenignBehaviour.CELLULAR_NAT);
        assertThat(users).hasSizeGreaterThan(100);
        int several = 0;
        int centroid = 0;
        for (String user : users) {
            Map<Long, Set<String>> slash24sByAsn = new HashMap<>();
            for (TokenUsageEvent e : bySubject.getOrDefault(user, List.of())) {
                Geo geo = e.request().geo();
                if (geo != null && geo.accuracyRadiusKm() != null && geo.accuracyRadiusKm() >= 500) {
                    slash24sByAsn.computeIfAbsent(geo.asn(), k -> new HashSet<>()).add(slash24(e.request().clientIp()));
                    Geography.Country country = Geography.COUNTRIES.get(geo.country());
                    if (geo.lat() == Math.round(country.lat() * 10_000) / 10_000.0 && geo.region() == null) {
                        centroid++;
                    }
                }
            }
            if (slash24sByAsn.values().stream().anyMatch(s -> s.size() >= 3)) {
                several++;
            }
        }
        assertThat(several).as("cellular users seen from three or more /24s of one ASN")
                .isGreaterThanOrEqualTo(users.size() * 8 / 10);
        assertThat(centroid).as("cellular requests located at the country centroid").isPositive();
        List<Geo> cellular = traffic.events().stream().map(e -> e.request().geo())
                .filter(g -> g != null && g.accuracyRadiusKm() != null && g.accuracyRadiusKm() >= 500).toList();
        assertThat(cellular).anyMatch(g -> g.connectionType() == ConnectionType.CELLULAR)
                .anyMatch(g -> g.connectionType() == null);
    }

    @Test
    void cellularGeolocationIsHundredsOfKilometresFromTheUserForSomeUsers() {
        Geography geography = new Geography();
        IpDatabase database = new IpDatabase(3, geography);
        Geography.City berlin = Geography.city("Berlin");
        Geography.Network carrier = geography.mobile("DE");
        double farthest = 0;
        for (int c = 0; c < TrafficGenerator.CARRIER_POOL_SLASH24S; c++) {
            Geo geo = database.locate(carrier.address(c, 9));
            farthest = Math.max(farthest, Geography.distanceKm(berlin.lat(), berlin.lon(), geo.lat(), geo.lon()));
            assertThat(geo.asn()).isEqualTo(carrier.asn());
            assertThat(geo.accuracyRadiusKm()).isGreaterThanOrEqualTo(500);
        }
        assertThat(farthest).as("a Berlin phone's farthest database location").isGreaterThan(200);
    }

    @Test
    void roamingPhonesResolveAtHomeWhileTheLaptopIsAbroad() {
        Set<String> users = traffic.usersWith(BenignBehaviour.ROAMING);
        assertThat(users).isNotEmpty();
        long split = users.stream().filter(u -> {
            List<TokenUsageEvent> events = bySubject.getOrDefault(u, List.of());
            String home = mostCommonCountry(events.stream().filter(e -> e.eventTime() < scenario.evaluationStart()).toList());
            for (TokenUsageEvent a : events) {
                for (TokenUsageEvent b : events) {
                    if (Math.abs(a.eventTime() - b.eventTime()) < HOUR && a.request().geo() != null
                            && b.request().geo() != null && isPhone(a) && !isPhone(b)
                            && home.equals(a.request().geo().country()) && !home.equals(b.request().geo().country())) {
                        return true;
                    }
                }
            }
            return false;
        }).count();
        assertThat(split).as("roaming users with a phone at home and a laptop abroad within an hour").isPositive();
    }

    @Test
    void vpnUsersAppearInAnotherCountryAndSomeExitsAreNotFlagged() {
        Set<String> users = traffic.usersWith(BenignBehaviour.VPN);
        assertThat(users).isNotEmpty();
        Set<String> abroad = new HashSet<>();
        for (String u : users) {
            List<TokenUsageEvent> events = bySubject.getOrDefault(u, List.of());
            String home = mostCommonCountry(events);
            if (events.stream().anyMatch(e -> !isPhone(e) && e.request().geo() != null
                    && !home.equals(e.request().geo().country()) && e.eventTime() < scenario.evaluationStart())) {
                abroad.add(u);
            }
        }
        assertThat(abroad).hasSizeGreaterThanOrEqualTo(users.size() / 2);
        Geography geography = new Geography();
        IpDatabase database = new IpDatabase(5, geography);
        Geography.Network vpn = geography.network(Geography.city("Amsterdam"), Geography.Kind.VPN);
        List<Anonymizer> flags = new ArrayList<>();
        for (int c = 0; c < 100; c++) {
            flags.add(database.locate(vpn.address(c, 1)).anonymizer());
        }
        assertThat(flags).contains(Anonymizer.VPN).containsNull();
    }

    @Test
    void hundredsOfPeopleShareTheCorporateNatAddress() {
        Map<String, Set<String>> byAddress = traffic.usersByAddress();
        int most = byAddress.values().stream().mapToInt(Set::size).max().orElse(0);
        // 25 % of 400 subjects are the company's staff; in the default 1000 it is about 250.
        assertThat(most).isGreaterThanOrEqualTo(90);
        assertThat(traffic.usersWith(BenignBehaviour.CORPORATE_NAT)).hasSizeGreaterThanOrEqualTo(90);
    }

    @Test
    void serviceAccountsShareOneTokenAcrossSeveralCloudEgressAddresses() {
        Set<String> services = traffic.usersWith(BenignBehaviour.SERVICE_ACCOUNT);
        assertThat(services).isNotEmpty();
        for (String service : services) {
            List<TokenUsageEvent> events = bySubject.get(service);
            Set<String> slash24s = events.stream().map(e -> slash24(e.request().clientIp())).collect(Collectors.toSet());
            Set<Long> asns = events.stream().map(e -> e.request().geo().asn()).collect(Collectors.toSet());
            Map<String, Set<String>> addressesPerToken = new HashMap<>();
            events.forEach(e -> addressesPerToken.computeIfAbsent(e.token().jti(), k -> new HashSet<>())
                    .add(e.request().clientIp()));
            assertThat(slash24s).as(service).hasSizeGreaterThanOrEqualTo(2);
            assertThat(asns).as(service).hasSize(1);
            assertThat(addressesPerToken.values()).as(service).anyMatch(a -> a.size() >= 2);
            assertThat(events).as(service).allMatch(e -> e.request().deviceId() == null);
        }
    }

    @Test
    void nightShiftsAndFarTimeZonesAreActiveAtUtcHoursOthersSleep() {
        Set<String> far = traffic.usersWith(BenignBehaviour.FAR_TIME_ZONE);
        assertThat(far).hasSizeGreaterThan(20);
        Set<String> night = new HashSet<>(traffic.usersWith(BenignBehaviour.NIGHT_SHIFT));
        night.removeAll(far); // the rest live at UTC+0 or UTC+1
        assertThat(night).isNotEmpty();
        // Europeans on night shift work between 20:00 and 06:00 UTC+0/+1; their daytime traffic is small.
        long nightRequests = 0;
        long all = 0;
        for (String u : night) {
            for (TokenUsageEvent e : bySubject.getOrDefault(u, List.of())) {
                long hour = Math.floorMod(e.eventTime(), DAY) / HOUR;
                all++;
                if (hour >= 19 || hour < 8) {
                    nightRequests++;
                }
            }
        }
        assertThat(nightRequests).isGreaterThan(all / 2);
    }

    @Test
    void theMonthEndTeamWorksAtThreeToFiveTimesItsVolumeThatDay() {
        Set<String> team = traffic.usersWith(BenignBehaviour.MONTH_END_BURST);
        assertThat(team).hasSizeGreaterThanOrEqualTo(5);
        long burstDay = scenario.monthEndDay();
        Map<Long, Long> perWeekday = new HashMap<>();
        for (String u : team) {
            for (TokenUsageEvent e : bySubject.getOrDefault(u, List.of())) {
                long day = Math.floorDiv(e.eventTime(), DAY) * DAY;
                if (!TrafficGenerator.isWeekend(day)) {
                    perWeekday.merge(day, 1L, Long::sum);
                }
            }
        }
        long burst = perWeekday.getOrDefault(burstDay, 0L);
        double usual = perWeekday.entrySet().stream().filter(e -> e.getKey() != burstDay)
                .mapToLong(Map.Entry::getValue).average().orElseThrow();
        assertThat(burst / usual).as("team volume on the reporting day / an ordinary weekday").isBetween(2.5, 6.0);
    }

    @Test
    void newJoinersAreFirstSeenInTheEvaluationWindow() {
        Set<String> joiners = traffic.usersWith(BenignBehaviour.NEW_JOINER);
        assertThat(joiners).isNotEmpty();
        for (String u : joiners) {
            assertThat(bySubject.getOrDefault(u, List.of())).allMatch(e -> e.eventTime() >= scenario.evaluationStart());
        }
    }

    @Test
    void peoplesTokensLiveOneHourAndLazyClientsPresentTheExpiredOneFirst() {
        Set<String> services = traffic.usersWith(BenignBehaviour.SERVICE_ACCOUNT);
        Set<String> attacked = traffic.attacks().stream().map(AttackLabel::victimKey).collect(Collectors.toSet());
        bySubject.forEach((subject, events) -> {
            if (!attacked.contains(subject)) {
                assertThat(events).allMatch(e -> e.token().expiresAt() - e.token().issuedAt() == HOUR);
            }
        });
        long lazyExpired = traffic.usersWith(BenignBehaviour.LAZY_REFRESH).stream()
                .filter(u -> bySubject.getOrDefault(u, List.of()).stream().anyMatch(e -> e.outcome() == Outcome.EXPIRED))
                .count();
        assertThat(lazyExpired).isGreaterThan(traffic.usersWith(BenignBehaviour.LAZY_REFRESH).size() / 2);
        assertThat(services).allMatch(s -> bySubject.get(s).stream().map(e -> e.token().jti()).distinct().count()
                >= (scenario.historyDays() + scenario.evaluationDays()) * 8L);
    }

    @Test
    void stuckClientsRetryOneExpiredTokenForMinutes() {
        Set<String> users = traffic.usersWith(BenignBehaviour.EXPIRED_RETRY);
        assertThat(users).isNotEmpty();
        for (String u : users) {
            Map<String, List<Long>> expiredByJti = new HashMap<>();
            bySubject.getOrDefault(u, List.of()).stream().filter(e -> e.outcome() == Outcome.EXPIRED)
                    .forEach(e -> expiredByJti.computeIfAbsent(e.token().jti(), k -> new ArrayList<>()).add(e.eventTime()));
            assertThat(expiredByJti.values()).as(u).anyMatch(times -> times.size() >= 20
                    && times.get(times.size() - 1) - times.get(0) >= 4 * MINUTE);
        }
    }

    @Test
    void theWrongOrderKeyRotationFailsUnknownKeyForManyUsersBehindTheCorporateNat() {
        List<TokenUsageEvent> failures = traffic.events().stream().filter(e -> e.outcome() == Outcome.UNKNOWN_KEY
                && e.token() != null && TrafficGenerator.COMPANY_NEW_KEY_ID.equals(e.token().kid())).toList();
        assertThat(failures).isNotEmpty().allMatch(e -> !e.token().verified());
        long span = failures.get(failures.size() - 1).eventTime() - failures.get(0).eventTime();
        assertThat(span).isLessThanOrEqualTo(75 * MINUTE);
        Map<String, Set<String>> subjectsByAddress = new HashMap<>();
        failures.forEach(e -> subjectsByAddress.computeIfAbsent(e.request().clientIp(), k -> new HashSet<>())
                .add(e.token().sub()));
        assertThat(subjectsByAddress.values().stream().mapToInt(Set::size).max().orElse(0))
                .as("claimed subjects failing behind one address").isGreaterThanOrEqualTo(3);
        long last = failures.get(failures.size() - 1).eventTime();
        assertThat(traffic.events()).anyMatch(e -> e.eventTime() > last && e.outcome() == Outcome.ACCEPTED
                && TrafficGenerator.COMPANY_NEW_KEY_ID.equals(e.token().kid()));
    }

    @Test
    void fixedLineGeolocationIsOffByTensOfKilometresAndSometimesUntyped() {
        Geography geography = new Geography();
        IpDatabase database = new IpDatabase(9, geography);
        Geography.City paris = Geography.city("Paris");
        Geography.Network broadband = geography.network(paris, Geography.Kind.BROADBAND);
        List<Double> errors = new ArrayList<>();
        Set<ConnectionType> types = new HashSet<>();
        for (int c = 0; c < 200; c++) {
            Geo geo = database.locate(broadband.address(c, 1));
            errors.add(Geography.distanceKm(paris.lat(), paris.lon(), geo.lat(), geo.lon()));
            types.add(geo.connectionType());
        }
        errors.sort(null);
        assertThat(errors.get(errors.size() / 2)).as("median error, km").isBetween(10.0, 70.0);
        assertThat(errors.get(errors.size() - 1)).as("a /24 in the wrong city").isGreaterThan(100.0);
        assertThat(types).contains(ConnectionType.CABLE_DSL).containsNull();
        assertThat(database.locate(broadband.address(5, 1))).isSameAs(database.locate(broadband.address(5, 200)));
    }

    // ---------------------------------------------------------------------------------------------
    // Attacks

    @Test
    void everyAttackTypeIsInjectedWithItsLabel() {
        for (AttackType type : AttackType.values()) {
            List<AttackLabel> labels = labels(type);
            assertThat(labels).as(type.label()).hasSize(scenario.attacksPerType());
            for (AttackLabel label : labels) {
                assertThat(label.firstMalicious()).isGreaterThanOrEqualTo(scenario.evaluationStart());
                assertThat(label.attackerIps()).isNotEmpty();
                assertThat(label.jtis()).isNotEmpty();
                assertThat(attackEvents(label)).hasSize(label.events());
            }
        }
        assertThat(traffic.attacks().stream().map(AttackLabel::victimKey).distinct().count())
                .isEqualTo(traffic.attacks().size());
    }

    @Test
    void sameCityTheftCopiesDeviceAndAgentAndInterleavesWithTheVictimFromAnotherNetwork() {
        for (AttackLabel label : labels(AttackType.SAME_CITY_THEFT)) {
            List<TokenUsageEvent> attack = attackEvents(label);
            List<TokenUsageEvent> victim = bySubject.get(label.victimKey());
            Set<String> devices = attack.stream().map(e -> e.request().deviceId()).collect(Collectors.toSet());
            assertThat(devices).hasSize(1);
            List<TokenUsageEvent> victimOnDevice = victim.stream()
                    .filter(e -> devices.contains(e.request().deviceId())).toList();
            assertThat(victimOnDevice).isNotEmpty();
            assertThat(attack).allMatch(e -> e.request().userAgent().equals(victimOnDevice.get(0).request().userAgent()));
            TokenUsageEvent a = attack.get(0);
            assertThat(a.request().geo().country()).isEqualTo(victimOnDevice.get(0).request().geo().country());
            assertThat(victimOnDevice).anyMatch(v -> v.eventTime() > a.eventTime()
                    && v.eventTime() < label.lastMalicious() && !v.request().clientIp().equals(a.request().clientIp()));
        }
    }

    @Test
    void scrapingRatesAreMultiplesOfTheVictimsOwnBaseline() {
        // Over all attacks of a type, so that a sparse Poisson stream's noise does not decide.
        for (AttackType type : List.of(AttackType.SCRAPING_OWN_DEVICE, AttackType.LOW_AND_SLOW)) {
            double requests = 0;
            double expectedAtBaseline = 0;
            for (AttackLabel label : labels(type)) {
                long history = bySubject.get(label.victimKey()).stream()
                        .filter(e -> e.eventTime() < scenario.evaluationStart() && e.outcome() == Outcome.ACCEPTED)
                        .count();
                double baseline = Math.max(0.2, history / (scenario.historyDays() * 24.0));
                double hours = (label.lastMalicious() - label.firstMalicious()) / (double) HOUR;
                requests += label.events() - 1;
                expectedAtBaseline += hours * baseline;
                TokenUsageEvent first = attackEvents(label).get(0);
                if (type == AttackType.SCRAPING_OWN_DEVICE) {
                    assertThat(bySubject.get(label.victimKey())).as("the victim's own device and agent")
                            .anyMatch(e -> first.request().deviceId().equals(e.request().deviceId())
                                    && first.request().userAgent().equals(e.request().userAgent()));
                } else {
                    assertThat(hours).as("a sparse stream over four to eight hours").isGreaterThanOrEqualTo(2.5);
                }
            }
            double multiple = requests / expectedAtBaseline;
            if (type == AttackType.SCRAPING_OWN_DEVICE) {
                assertThat(multiple).as(type.label()).isBetween(15.0, 60.0);
            } else {
                assertThat(multiple).as(type.label()).isBetween(2.0, 5.0);
            }
        }
        for (AttackLabel label : labels(AttackType.SPLIT_BURST)) {
            long hourAfterStart = (label.firstMalicious() / HOUR + 1) * HOUR;
            assertThat(label.lastMalicious()).as("the burst crosses a full hour").isGreaterThan(hourAfterStart);
            long before = attackEvents(label).stream().filter(e -> e.eventTime() < hourAfterStart).count();
            assertThat(before).isBetween(label.events() / 5L, label.events() * 4L / 5);
        }
    }

    @Test
    void forgedFloodsAreDistributedBelowPerAddressCountsOrPacedJustUnderTwentyAMinute() {
        for (AttackLabel label : labels(AttackType.FORGED_FLOOD_DISTRIBUTED)) {
            List<TokenUsageEvent> events = attackEvents(label);
            assertThat(label.attackerIps()).hasSizeGreaterThanOrEqualTo(150);
            Map<String, Long> perAddress = events.stream().collect(Collectors.groupingBy(e -> e.request().clientIp(),
                    Collectors.counting()));
            assertThat(perAddress.values()).allMatch(n -> n <= 3);
            assertThat(events).allMatch(e -> !e.token().verified() && e.outcome().isForgerySignal()
                    && e.token().sub().equals(label.victimSub()));
        }
        for (AttackLabel label : labels(AttackType.FORGED_FLOOD_PACED)) {
            double perMinute = label.events() / ((label.lastMalicious() - label.firstMalicious()) / (double) MINUTE);
            assertThat(perMinute).isBetween(14.0, 20.0);
            assertThat(label.attackerIps()).hasSize(1);
        }
    }

    @Test
    void theExpiredStashIsThirtyToFortyFiveOfTheVictimsTokensOverFifteenToTwentyMinutes() {
        for (AttackLabel label : labels(AttackType.EXPIRED_TOKEN_STASH)) {
            List<TokenUsageEvent> events = attackEvents(label);
            assertThat(label.jtis()).hasSizeBetween(30, 45);
            assertThat(events).allMatch(e -> e.outcome() == Outcome.EXPIRED && e.token().expiresAt() < e.eventTime());
            assertThat(label.lastMalicious() - label.firstMalicious()).isBetween(14 * MINUTE, 21 * MINUTE);
            assertThat(label.jtis()).allMatch(jti -> label.victimKey().equals(traffic.subjectOfJti().get(jti)));
        }
    }

    @Test
    void longLivedTokensNameASubjectNeverSeenBefore() {
        for (AttackLabel label : labels(AttackType.LONG_LIVED_NEW_SUBJECT)) {
            TokenUsageEvent first = attackEvents(label).get(0);
            long lifetime = first.token().expiresAt() - first.token().issuedAt();
            assertThat(lifetime).isBetween(6 * HOUR, 20 * HOUR);
            assertThat(traffic.behaviours()).doesNotContainKey(label.victimKey());
            assertThat(traffic.events()).noneMatch(e -> e.eventTime() < label.firstMalicious() && e.token() != null
                    && label.victimSub().equals(e.token().sub()));
        }
    }

    @Test
    void stolenTokensAreUsedAbroadOrFromAnonymousNetworksAndReplayedFromSeveralNetworks() {
        for (AttackLabel label : labels(AttackType.STOLEN_TOKEN_ABROAD)) {
            String home = mostCommonCountry(bySubject.get(label.victimKey()));
            TokenUsageEvent e = attackEvents(label).get(0);
            assertThat(e.request().geo().country()).isNotEqualTo(home);
            assertThat(bySubject.get(label.victimKey())).noneMatch(v -> e.request().deviceId().equals(v.request().deviceId()));
        }
        for (AttackLabel label : labels(AttackType.TOKEN_REPLAY)) {
            Set<Long> asns = attackEvents(label).stream().map(e -> e.request().geo().asn()).collect(Collectors.toSet());
            assertThat(asns).hasSizeGreaterThanOrEqualTo(3);
            assertThat(label.jtis()).hasSize(1);
        }
        Geography geography = new Geography();
        for (AttackLabel label : labels(AttackType.ANONYMOUS_NETWORK_THEFT)) {
            String ip = label.attackerIps().iterator().next();
            assertThat(geography.networkOf(ip).kind()).isIn(Geography.Kind.HOSTING, Geography.Kind.VPN);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static List<AttackLabel> labels(AttackType type) {
        return traffic.attacks().stream().filter(a -> a.type() == type).toList();
    }

    /** The attack's own requests, by the ground truth's event ids. */
    private static List<TokenUsageEvent> attackEvents(AttackLabel label) {
        return traffic.events().stream().filter(e -> traffic.maliciousEvents().contains(e.eventId())
                && e.token() != null && label.jtis().contains(e.token().jti())
                && label.attackerIps().contains(e.request().clientIp())
                && e.eventTime() >= label.firstMalicious() && e.eventTime() <= label.lastMalicious()).toList();
    }

    private static boolean isPhone(TokenUsageEvent e) {
        String agent = e.request().userAgent();
        return agent.contains("iPhone") || agent.contains("BankingApp");
    }

    private static String mostCommonCountry(List<TokenUsageEvent> events) {
        return events.stream().filter(e -> e.request().geo() != null)
                .collect(Collectors.groupingBy(e -> e.request().geo().country(), Collectors.counting()))
                .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
    }

    private static String slash24(String ip) {
        return ip.substring(0, ip.lastIndexOf('.'));
    }
}
