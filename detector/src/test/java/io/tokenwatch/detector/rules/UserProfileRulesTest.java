package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentPolicy;
import io.tokenwatch.detector.profile.LearningPeriod;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.detector.profile.UserProfileSerde;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

class UserProfileRulesTest {

    private static final long SECOND = 1_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    /** Midnight UTC of the day {@link DetectorDriver#T0} falls on. */
    private static final long DAY0 = Math.floorDiv(T0, DAY) * DAY;
    private static final String ISSUER = "https://issuer.example";
    private static final String ALICE = ISSUER + "|alice";
    private static final String CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/126.0.0.0 Safari/537.36";
    private static final String[] ROUTES = {"/accounts/{id}", "/payments/{id}", "/profile"};
    private static final TokenUsageEvent.ConnectionType CABLE = TokenUsageEvent.ConnectionType.CABLE_DSL;

    @TempDir
    Path stateDir;

    private DetectorDriver detector;

    @BeforeEach
    void setUp() {
        detector = DetectorDriver.start(stateDir);
    }

    @AfterEach
    void tearDown() {
        detector.close();
    }

    private void restartWith(UnaryOperator<UserProfileRules> change) {
        detector.close();
        detector = DetectorDriver.start(stateDir.resolve("custom"),
                config -> config.withUserProfile(change.apply(UserProfileRules.defaults())));
    }

    /** Alice at home: Berlin, Deutsche Telekom, her laptop's Chrome, a fresh token each day. */
    private static UsageEvents alice(long time) {
        return UsageEvents.accepted().at(time).expiresAt(time + HOUR).jti("token-" + Math.floorDiv(time, DAY))
                .from("198.51.100.7").located("DE", 52.52, 13.405, 3320L).userAgent(CHROME).device("laptop-1");
    }

    /** Alice in New York, on another carrier. */
    private static UsageEvents aliceInNewYork(long time) {
        return alice(time).from("203.0.113.50").located("US", 40.7128, -74.006, 7018L);
    }

    /** {@code days} working days: 09:00–17:00 UTC, a request every 4 minutes over three route classes. */
    private void livesNormally(int days) {
        for (int day = 0; day < days; day++) {
            for (int hour = 9; hour < 17; hour++) {
                for (int i = 0; i < 15; i++) {
                    long t = DAY0 + day * DAY + hour * HOUR + i * 4 * MINUTE;
                    detector.send(alice(t).route(ROUTES[i % 3]).build());
                }
            }
        }
    }

    private static long dayAt(int day, int hour) {
        return DAY0 + day * DAY + hour * HOUR;
    }

    private List<Alert> alerts() {
        return detector.alerts().stream().map(kv -> kv.value).toList();
    }

    private UserProfile profileOfAlice() {
        return detector.<UserProfile>store(UserProfileProcessor.PROFILES_STORE).get(ALICE);
    }

    @Test
    void shouldStayQuietForADailyRhythmFromOneCountryAndDevice() {
        livesNormally(10);

        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
        UserProfile profile = profileOfAlice();
        assertThat(profile.events()).isEqualTo(10 * 8 * 15);
        assertThat(profile.countries().values()).containsExactly("DE");
        assertThat(profile.routes()).extracting(UserProfile.RouteRate::routeClass)
                .containsExactlyInAnyOrder("accounts", "payments", "profile");
        // A request to each route class every 12 minutes: one per busy 10-minute interval.
        assertThat(profile.rate("accounts")).get().satisfies(rate -> assertThat(rate.mean()).isEqualTo(1f));
    }

    @Test
    void shouldNotJudgeBaselinesDuringTheLearningPeriod() {
        livesNormally(2);
        // New country, new device, 03:00: everything new, but only two days of history.
        detector.send(alice(dayAt(2, 3)).located("US", null, null, 7018L).device("phone-x").build());
        assertThat(detector.alerts()).as("learning: 2 of 3 days").isEmpty();

        restartWith(rules -> rules);
        for (int day = 0; day < 5; day++) {
            detector.send(alice(dayAt(day, 10)).build());
        }
        detector.send(alice(dayAt(5, 3)).located("US", null, null, 7018L).device("phone-x").build());
        assertThat(detector.alerts()).as("learning: 5 of 50 events").isEmpty();
    }

    @Test
    void shouldHonourAConfiguredLearningPeriod() {
        restartWith(rules -> rules.withProfile(rules.profile().withLearning(new LearningPeriod(5,
                Duration.ofDays(1)))));
        for (int day = 0; day < 2; day++) {
            for (int i = 0; i < 3; i++) {
                detector.send(alice(dayAt(day, 10) + i * MINUTE).build());
            }
        }
        detector.send(alice(dayAt(2, 10)).located("US", null, null, 7018L).device("phone-x").build());

        assertThat(alerts()).extracting(a -> a.findingInfo().analytic().name()).containsExactly(NewContextRule.NAME);
    }

    @Test
    void shouldAlertOnANewContextOnceLearnedAndUpdateTheIncidentOnRepeats() {
        livesNormally(7);
        long t = dayAt(7, 10);
        detector.send(aliceInNewYork(t).device("phone-x").build());

        List<KeyValue<String, Alert>> created = detector.alerts();
        assertThat(created).hasSize(1);
        assertThat(created.get(0).key).isEqualTo(ALICE);
        Alert alert = created.get(0).value;
        assertThat(alert.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(alert.severityId()).isEqualTo(Alert.Severity.MEDIUM.id);
        assertThat(alert.findingInfo().analytic().name()).isEqualTo(NewContextRule.NAME);
        assertThat(alert.actor().user().uid()).isEqualTo(ALICE);
        assertThat(alert.unmapped().get("figures")).isEqualTo(Map.of("parameter", "new_context_signals",
                "observed", 2, "baseline", 0, "threshold", 2));
        @SuppressWarnings("unchecked")
        Map<String, Object> details = (Map<String, Object>) alert.unmapped().get("details");
        // A new network (and an odd hour) in a new country are the same move: only the country counts.
        assertThat(details.get("components")).isEqualTo(Map.of("new_country", 1.0, "new_device", 1.0));
        assertThat(alert.message()).contains("new country US", "new device");
        assertThat(alert.anomalyAnalyses().get(0).analysisTargets().get(0).name()).isEqualTo(ALICE);
        assertThat(detector.revocations()).as("new context alerts only").isEmpty();

        // Two minutes later, from Canada (no coordinates) on yet another device with its own token: the
        // same incident (the same token on a second device would be a replay).
        detector.send(alice(t + 2 * MINUTE).from("192.0.2.9").located("CA", null, null, 812L).device("phone-y")
                .jti("token-phone-y").build());
        List<Alert> updates = alerts();
        assertThat(updates).hasSize(1);
        assertThat(updates.get(0).activityId()).isEqualTo(Alert.Activity.UPDATE.id);
        assertThat(updates.get(0).findingInfo().uid()).isEqualTo(alert.findingInfo().uid());
        assertThat(updates.get(0).findingInfo().firstSeenTime()).isEqualTo(t);
        assertThat(updates.get(0).findingInfo().lastSeenTime()).isEqualTo(t + 2 * MINUTE);
    }

    @Test
    void shouldJudgeTheRequestBeforeLearningFromIt() {
        livesNormally(7);
        long t = dayAt(7, 10);
        detector.send(aliceInNewYork(t).device("phone-x").build());
        assertThat(detector.alerts()).hasSize(1);

        // The same context 20 minutes later (after the cooldown): now known, so nothing new.
        detector.send(aliceInNewYork(t + 20 * MINUTE).device("phone-x").build());
        assertThat(detector.alerts()).isEmpty();
        assertThat(profileOfAlice().countries().values()).containsExactlyInAnyOrder("DE", "US");
    }

    @Test
    void shouldOnlyObserveATripOnTheUsualDevice() {
        livesNormally(7);
        // Paris on a hotel network, usual device, usual hour: a new country alone.
        detector.send(alice(dayAt(7, 10)).from("192.0.2.80").located("FR", 48.857, 2.352, 3215L).build());

        assertThat(detector.alerts()).isEmpty();
    }

    @Test
    void shouldJudgeHoursInTheSubjectsLocalTimeAndOnlyObserveAnOddHourAlone() {
        livesNormally(7);
        // 03:00 UTC at home is 04:00 in Berlin: far from her 10:00–18:00, but one faint signal.
        detector.send(alice(dayAt(7, 3)).build());
        assertThat(detector.alerts()).isEmpty();
        assertThat(profileOfAlice().utcOffset()).as("learned from Berlin's longitude").isEqualTo(1);
        assertThat(profileOfAlice().signals()).extracting(s -> SignalFamily.values()[s.family()])
                .containsExactly(SignalFamily.TIME);

        // With a new device as well, still no alert: a faint and a medium signal.
        detector.send(alice(dayAt(7, 3) + MINUTE).device("tablet-1").jti("tablet-token").build());
        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
    }

    @Test
    void shouldAlertButNotThrottleOnARateSpikeFromTheUsualClient() {
        livesNormally(7);
        long t = dayAt(7, 10);
        // A script on Alice's laptop, same network and client: a request to accounts every 10 s; her
        // baseline is one per busy 10 minutes.
        for (int i = 0; i < 300; i++) {
            detector.send(alice(t + i * 10 * SECOND).build());
        }

        List<Alert> alerts = alerts();
        assertThat(alerts).isNotEmpty().allSatisfy(a -> assertThat(a.findingInfo().analytic().name())
                .isEqualTo(RateSpikeRule.NAME));
        Alert create = alerts.get(0);
        assertThat(create.activityId()).isEqualTo(Alert.Activity.CREATE.id);
        assertThat(create.time()).as("the 21st request within ten minutes").isEqualTo(t + 20 * 10 * SECOND);
        assertThat(create.unmapped().get("figures")).isEqualTo(Map.of("parameter", "requests_per_window",
                "observed", 21, "baseline", 1, "threshold", 21));
        assertThat(create.message()).contains("21 requests to accounts within the last 10 min");
        assertThat(alerts).extracting(a -> a.findingInfo().uid()).containsOnly(create.findingInfo().uid());
        assertThat(detector.revocations()).as("one signal: no throttle").isEmpty();
    }

    @Test
    void shouldThrottleTheSubjectOnARateSpikeBackedByASecondSignal() {
        livesNormally(7);
        long t = dayAt(7, 10);
        // The same script, but with a client family Alice never used.
        for (int i = 0; i < 300; i++) {
            detector.send(alice(t + i * 10 * SECOND).userAgent("python-requests/2.32").build());
        }

        List<Alert> alerts = alerts();
        Alert create = alerts.get(0);
        assertThat(create.findingInfo().analytic().name()).isEqualTo(RateSpikeRule.NAME);
        assertThat(create.message()).contains("subject throttled for 15 min");
        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).as("a throttle, renewed while the second signal is recent (30 min)").hasSize(2);
        Revocation throttle = revocations.get(0).value;
        assertThat(revocations.get(0).key).isEqualTo("sub|" + ALICE);
        assertThat(throttle.scope()).isEqualTo(Revocation.Scope.SUBJECT);
        assertThat(throttle.action()).isEqualTo(Revocation.Action.THROTTLE);
        assertThat(throttle.notBefore()).isEqualTo(create.time());
        assertThat(throttle.expiresAt()).isEqualTo(create.time() + 15 * MINUTE);
        assertThat(throttle.source()).isEqualTo(create.findingInfo().uid());
        assertThat(revocations.get(1).value.notBefore()).isEqualTo(throttle.expiresAt());
    }

    @Test
    void shouldFlagImpossibleTravelEvenWithoutABaselineButNotRevokeOnThatAlone() {
        long t = dayAt(0, 10);
        detector.send(alice(t).jti("token-a").build());
        // Another device with another token, in New York: a new holder far from every recent place.
        detector.send(aliceInNewYork(t + 30 * MINUTE).jti("token-b").expiresAt(t + 90 * MINUTE).device("phone-x")
                .build());

        List<Alert> alerts = alerts();
        assertThat(alerts).hasSize(1);
        Alert alert = alerts.get(0);
        assertThat(alert.findingInfo().analytic().name()).isEqualTo(ImpossibleTravelRule.NAME);
        assertThat(alert.severityId()).isEqualTo(Alert.Severity.HIGH.id);
        @SuppressWarnings("unchecked")
        Map<String, Object> figures = (Map<String, Object>) alert.unmapped().get("figures");
        assertThat(figures.get("parameter")).isEqualTo("travel_speed_kmh");
        assertThat(((Number) figures.get("observed")).longValue()).isBetween(12_700L, 12_800L);
        assertThat(figures.get("baseline")).isEqualTo(900);
        assertThat(figures.get("threshold")).isEqualTo(1000);
        assertThat(alert.evidences()).hasSize(2);
        assertThat(alert.evidences().get(0).srcEndpoint().ip()).isEqualTo("203.0.113.50");
        assertThat(alert.evidences().get(1).data()).containsEntry("country", "DE").containsEntry("time", t);

        assertThat(alert.unmapped().get("corroboration").toString()).contains("corroborated=false");
        assertThat(detector.revocations()).as("one signal never revokes").isEmpty();
    }

    @Test
    void shouldRevokeTheTokenWhenANewDeviceBacksImpossibleTravel() {
        livesNormally(7);
        long t = dayAt(7, 10);
        detector.send(alice(t).jti("token-a").build());
        detector.send(aliceInNewYork(t + 30 * MINUTE).jti("token-a").expiresAt(t + 90 * MINUTE).device("phone-x")
                .build());

        List<Alert> alerts = alerts();
        assertThat(alerts).extracting(a -> a.findingInfo().analytic().name()).containsExactly(ImpossibleTravelRule.NAME);
        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).extracting(kv -> kv.key).containsExactly("jti|" + ISSUER + "|token-a");
        Revocation block = revocations.get(0).value;
        assertThat(block.action()).isEqualTo(Revocation.Action.BLOCK);
        assertThat(block.expiresAt()).as("exp plus the largest skew").isEqualTo(t + 95 * MINUTE);
        assertThat(block.source()).isEqualTo(alerts.get(0).findingInfo().uid());
    }

    @Test
    void shouldNotFlagCredibleTravelNearbyRequestsOrOneNetwork() {
        long t = dayAt(0, 10);
        detector.send(alice(t).build());
        // Potsdam, 27 km away, a minute later: closer than geolocation is precise.
        detector.send(alice(t + MINUTE).from("192.0.2.1").located("DE", 52.39, 13.06, 680L).build());
        // Hamburg, 255 km, half an hour later: 510 km/h.
        detector.send(alice(t + 31 * MINUTE).from("192.0.2.2").located("DE", 53.55, 9.99, 680L).build());
        // New York five minutes later, but in the same network as Hamburg (a carrier's egress).
        detector.send(aliceInNewYork(t + 36 * MINUTE).located("US", 40.7128, -74.006, 680L).build());
        // Berlin again after a 9-hour flight: 710 km/h.
        detector.send(alice(t + 36 * MINUTE + 9 * HOUR).build());

        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
    }

    @Test
    void shouldOpenANewTravelIncidentAfterTheCooldownAndUpdateWithinIt() {
        long t = dayAt(0, 10);
        detector.send(alice(t).jti("token-a").build());
        detector.send(aliceInNewYork(t + 30 * MINUTE).jti("token-b").expiresAt(t + 2 * HOUR).device("phone-b").build());
        detector.send(alice(t + 35 * MINUTE).jti("token-c").expiresAt(t + 2 * HOUR).device("phone-c").build());
        List<Alert> first = alerts();
        assertThat(first).extracting(Alert::activityId).containsExactly(1, 2);
        assertThat(first).extracting(a -> a.findingInfo().uid()).containsOnly(first.get(0).findingInfo().uid());
        assertThat(detector.revocations()).as("travel alone").isEmpty();

        detector.send(aliceInNewYork(t + 60 * MINUTE).jti("token-d").expiresAt(t + 2 * HOUR).device("phone-d").build());
        List<Alert> next = alerts();
        assertThat(next).extracting(Alert::activityId).containsExactly(1);
        assertThat(next.get(0).findingInfo().uid()).isNotEqualTo(first.get(0).findingInfo().uid());
    }

    @Test
    void shouldFlagConcurrentUseWhenOneTokenTakesTurnsBetweenTwoHomeLinesButNotOnOneSwitch() {
        long t = dayAt(0, 10);
        // One switch from the home line to mobile data and back is a phone, not two holders.
        detector.send(alice(t).jti("token-a").network(CABLE, null, 20).build());
        detector.send(alice(t + MINUTE).jti("token-a").from("100.64.1.1").located("DE", 50.1, 8.7, 3209L)
                .network(TokenUsageEvent.ConnectionType.CELLULAR, null, 100).build());
        detector.send(alice(t + 2 * MINUTE).jti("token-a").network(CABLE, null, 20).build());
        assertThat(detector.alerts()).isEmpty();

        // Another home line in the same city using the same token, in turn with Alice: two holders.
        detector.send(alice(t + 3 * MINUTE).jti("token-b").network(CABLE, null, 20).build());
        detector.send(alice(t + 4 * MINUTE).jti("token-b").from("203.0.113.9").network(CABLE, null, 20).build());
        detector.send(alice(t + 5 * MINUTE).jti("token-b").network(CABLE, null, 20).build());

        List<Alert> alerts = alerts();
        assertThat(alerts).extracting(a -> a.findingInfo().analytic().name()).containsExactly(ConcurrentUseRule.NAME);
        Alert concurrent = alerts.get(0);
        assertThat(concurrent.severityId()).isEqualTo(Alert.Severity.HIGH.id);
        @SuppressWarnings("unchecked")
        Map<String, Object> figures = (Map<String, Object>) concurrent.unmapped().get("figures");
        assertThat(figures.get("observed")).isEqualTo(2);
        assertThat(figures.get("threshold")).isEqualTo(2);
        assertThat(detector.revocations()).as("learning: no second signal yet").isEmpty();
    }

    @Test
    void shouldNeverLetForgedTokensOrRejectedRequestsTouchTheVictimsProfile() {
        livesNormally(7);
        UserProfileSerde serde = new UserProfileSerde();
        byte[] before = serde.serialize("", profileOfAlice());
        long t = dayAt(7, 3);
        for (int i = 0; i < 10; i++) {
            long at = t + i * SECOND;
            // Forged tokens naming alice, from New York, odd hour, new device, at a burst's pace (below the
            // forged-burst threshold, so that rule stays quiet too).
            detector.send(aliceInNewYork(at).unverified().outcome(Outcome.BAD_SIGNATURE).device("evil").build());
            detector.send(aliceInNewYork(at).unverified().device("evil").build());
            // Alice's own token, refused: refusals are not her behaviour.
            detector.send(aliceInNewYork(at).outcome(Outcome.EXPIRED).device("evil").build());
            detector.send(aliceInNewYork(at).outcome(Outcome.RATE_LIMITED).device("evil").build());
        }

        // Twenty refusals of one of her own verified tokens are one client retrying, not a stash of
        // tokens (the failure burst counts distinct tokens); no profile rule speaks, nothing is revoked.
        assertThat(detector.alerts()).isEmpty();
        assertThat(detector.revocations()).isEmpty();
        assertThat(serde.serialize("", profileOfAlice())).isEqualTo(before);
        assertThat(detector.<Incident>store(UserProfileProcessor.INCIDENTS_STORE).approximateNumEntries()).isZero();
    }

    @Test
    void shouldExpireIdleProfilesOnWallClockPunctuation() {
        detector.send(alice(T0).build());
        assertThat(profileOfAlice()).isNotNull();

        detector.advanceWallClock(Duration.ofDays(29));
        assertThat(profileOfAlice()).isNotNull();
        detector.advanceWallClock(Duration.ofDays(1).plusHours(1));
        assertThat(profileOfAlice()).isNull();
    }

    @Test
    void shouldApplyTheConfiguredResponsePolicy() {
        restartWith(rules -> rules.withResponse(ResponsePolicy.defaults()
                .with(ImpossibleTravelRule.NAME, Alert.Severity.HIGH, ResponseAction.REVOKE_SUBJECT)
                .with(ConcurrentUseRule.NAME, null, ResponseAction.OBSERVE)));
        livesNormally(7);
        long t = dayAt(7, 10);
        detector.send(alice(t).build());
        // New York a minute later on a device never seen: travel backed by a new device.
        detector.send(aliceInNewYork(t + MINUTE).device("phone-x").jti("token-ny").build());
        detector.send(alice(t + 2 * MINUTE).build());

        assertThat(alerts()).extracting(a -> a.findingInfo().analytic().name()).containsOnly(ImpossibleTravelRule.NAME);
        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).as("the subject once per incident; no token revocation configured").hasSize(1);
        Revocation subject = revocations.get(0).value;
        assertThat(revocations.get(0).key).isEqualTo("sub|" + ALICE);
        assertThat(subject.action()).isEqualTo(Revocation.Action.BLOCK);
        assertThat(subject.notBefore()).isEqualTo(t + MINUTE);
        assertThat(subject.expiresAt()).isEqualTo(t + MINUTE + DAY);
    }

    @Test
    void shouldMapRuleAndSeverityToActionsWithAnAlertForEveryContainment() {
        ResponsePolicy policy = ResponsePolicy.defaults()
                .with(RateSpikeRule.NAME, Alert.Severity.HIGH, ResponseAction.REVOKE_SUBJECT)
                .with(NewContextRule.NAME, Alert.Severity.MEDIUM, ResponseAction.OBSERVE);

        assertThat(policy.actionsFor(RateSpikeRule.NAME, Alert.Severity.MEDIUM))
                .containsExactlyInAnyOrder(ResponseAction.ALERT, ResponseAction.THROTTLE_SUBJECT);
        assertThat(policy.actionsFor(RateSpikeRule.NAME, Alert.Severity.HIGH))
                .containsExactlyInAnyOrder(ResponseAction.ALERT, ResponseAction.REVOKE_SUBJECT);
        assertThat(policy.actionsFor(NewContextRule.NAME, Alert.Severity.MEDIUM)).containsExactly(ResponseAction.OBSERVE);
        assertThat(policy.actionsFor(NewContextRule.NAME, Alert.Severity.HIGH)).containsExactly(ResponseAction.ALERT);
        assertThat(policy.actionsFor(ImpossibleTravelRule.NAME, Alert.Severity.HIGH))
                .containsExactlyInAnyOrder(ResponseAction.ALERT, ResponseAction.REVOKE_TOKEN);
        assertThat(policy.actionsFor("unknown_rule", Alert.Severity.LOW)).containsExactly(ResponseAction.ALERT);
    }

    @Test
    void shouldPublishAlertsOfEveryProfileRuleThatConformToOcsfAndToTheAlertSchema() throws Exception {
        restartWith(rules -> rules.withIncidents(IncidentPolicy.defaults()));
        livesNormally(7);
        List<Alert> alerts = new ArrayList<>();
        long t = dayAt(7, 10);
        // New context: a new country and a new device.
        detector.send(aliceInNewYork(t - 5 * HOUR).device("phone-x").build());
        // Travel backed by a new device.
        detector.send(alice(t).build());
        detector.send(aliceInNewYork(t + MINUTE).device("phone-y").build());
        // Anonymous network with a new client family.
        detector.send(alice(t + 2 * MINUTE).from("3.80.1.1").located("US", 39.0, -77.5, 16509L)
                .network(null, TokenUsageEvent.Anonymizer.HOSTING, 1000).userAgent("python-requests/2.32").build());
        // Interleaving on two home lines, then a scripted burst with a new client family.
        detector.send(alice(t + 3 * MINUTE).jti("token-z").network(CABLE, null, 20).build());
        detector.send(alice(t + 4 * MINUTE).jti("token-z").from("203.0.113.9").network(CABLE, null, 20).build());
        detector.send(alice(t + 5 * MINUTE).jti("token-z").network(CABLE, null, 20).build());
        for (int i = 0; i < 110; i++) {
            detector.send(alice(t + 6 * MINUTE + i * SECOND).userAgent("curl/8.1").build());
        }
        alerts.addAll(alerts());
        assertThat(alerts).extracting(a -> a.findingInfo().analytic().name()).contains(NewContextRule.NAME,
                ImpossibleTravelRule.NAME, AnonymousNetworkRule.NAME, ConcurrentUseRule.NAME, RateSpikeRule.NAME);

        alerts.forEach(Contracts::assertConforms);
        List<KeyValue<String, Revocation>> revocations = detector.revocations();
        assertThat(revocations).extracting(kv -> kv.value.action()).contains(Revocation.Action.THROTTLE,
                Revocation.Action.BLOCK);
        revocations.forEach(revocation -> Contracts.assertConforms(revocation.value));
    }
}
