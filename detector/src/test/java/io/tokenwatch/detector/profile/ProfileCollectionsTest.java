package io.tokenwatch.detector.profile;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.tokenwatch.detector.profile.ProfileFixtures.DAY;
import static io.tokenwatch.detector.profile.ProfileFixtures.HOUR;
import static io.tokenwatch.detector.profile.ProfileFixtures.MINUTE;
import static io.tokenwatch.detector.profile.ProfileFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ProfileCollectionsTest {

    @Test
    void shouldKeepTheMostRecentlySeenWithinTheCap() {
        LastSeen<String> seen = LastSeen.none();
        seen = seen.seen("DE", T0, 3).seen("FR", T0 + MINUTE, 3).seen("IT", T0 + 2 * MINUTE, 3);
        seen = seen.seen("DE", T0 + 3 * MINUTE, 3).seen("ES", T0 + 4 * MINUTE, 3);

        assertThat(seen.values()).containsExactly("IT", "DE", "ES");
        assertThat(seen.contains("FR")).as("least recently seen, evicted").isFalse();
        assertThat(seen.entries().get(1).lastSeen()).isEqualTo(T0 + 3 * MINUTE);
    }

    @Test
    void shouldRoundLastSeenToTheMinuteAndNeverMoveItBack() {
        LastSeen<String> seen = LastSeen.<String>none().seen("DE", T0 + 59_999, 3).seen("DE", T0 - DAY, 3);

        assertThat(seen.entries()).singleElement().satisfies(e -> assertThat(e.lastSeen()).isEqualTo(T0));
    }

    @Test
    void shouldDecayTheHourHistogramByElapsedTime() {
        double halfLife = 7 * DAY;
        HourHistogram hours = HourHistogram.empty();
        long midnight = Math.floorDiv(T0, DAY) * DAY;
        for (int h = 9; h < 17; h++) {
            hours = hours.observe(midnight + h * HOUR, halfLife);
        }
        assertThat(hours.shareAround(12)).isCloseTo(0.25, within(0.01));
        assertThat(hours.shareAround(17)).as("half the neighbouring hour").isCloseTo(0.0625, within(0.01));
        assertThat(hours.shareAround(3)).isZero();

        HourHistogram weekLater = hours.observe(midnight + 7 * DAY + 3 * HOUR, halfLife);
        // The 8 old requests are each a little less than a half-life old now; the new one weighs 1.
        double expected = 1;
        for (int h = 9; h < 17; h++) {
            expected += Math.pow(2, -(7 * DAY + 3 * HOUR - h * HOUR) / halfLife);
        }
        assertThat(weekLater.total()).isCloseTo(expected, within(0.001));
        assertThat(weekLater.total()).isCloseTo(5.16, within(0.01));
        assertThat(HourHistogram.empty().shareAround(3)).as("nothing learned: nothing unusual").isEqualTo(1);
    }

    @Test
    void shouldParseUserAgentFamiliesCoarsely() {
        assertThat(UaFamily.of("curl/8.4.0")).isEqualTo(UaFamily.CURL);
        assertThat(UaFamily.of("python-requests/2.31.0")).isEqualTo(UaFamily.PYTHON_REQUESTS);
        assertThat(UaFamily.of("okhttp/4.12.0")).isEqualTo(UaFamily.OKHTTP);
        assertThat(UaFamily.of("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"))
                .isEqualTo(UaFamily.FIREFOX);
        assertThat(UaFamily.of("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0")).isEqualTo(UaFamily.CHROME);
        assertThat(UaFamily.of("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                + "Version/17.5 Safari/605.1.15")).isEqualTo(UaFamily.SAFARI);
        assertThat(UaFamily.of("Go-http-client/2.0")).isEqualTo(UaFamily.OTHER);
        assertThat(UaFamily.of(null)).isEqualTo(UaFamily.NONE);
    }

    @Test
    void shouldClassRoutesByFirstSegmentOrTheLongestConfiguredPrefix() {
        RouteClasses firstSegment = RouteClasses.firstSegment();
        assertThat(firstSegment.classOf("/accounts/{id}/transfers")).isEqualTo("accounts");
        assertThat(firstSegment.classOf("/")).isEqualTo(RouteClasses.ROOT);
        assertThat(firstSegment.classOf("/" + "x".repeat(100))).hasSize(RouteClasses.MAX_BYTES);
        assertThat(firstSegment.classOf("/" + "é".repeat(40))).hasSize(RouteClasses.MAX_BYTES / 2);

        RouteClasses mapped = new RouteClasses(Map.of("/api/v1", "api", "/api/v1/reports", "reports"));
        assertThat(mapped.classOf("/api/v1/reports/{id}")).isEqualTo("reports");
        assertThat(mapped.classOf("/api/v1/users")).isEqualTo("api");
        assertThat(mapped.classOf("/api/v10/users")).isEqualTo("api");
        assertThat(mapped.classOf("/health")).isEqualTo("health");
    }

    @Test
    void shouldCapEveryCollectionOfAProfile() {
        ProfileSettings settings = ProfileSettings.defaults();
        UserProfile profile = UserProfile.startingAt(T0);
        for (int i = 0; i < 100; i++) {
            long t = T0 + i * HOUR;
            profile = ProfileFixtures.learn(profile, ProfileFixtures.request().at(t).route("r" + i)
                    .network("AS" + i).device("d" + i).in("C" + i, -80.0 + i, 0.0 + i).build(), settings);
        }
        ProfileLimits caps = settings.limits();
        assertThat(profile.routes()).hasSize(caps.routeClasses());
        assertThat(profile.routes().get(caps.routeClasses() - 1).routeClass()).isEqualTo("r99");
        assertThat(profile.countries().size()).isEqualTo(caps.countries());
        assertThat(profile.networks().size()).isEqualTo(caps.networks());
        assertThat(profile.devices().size()).isEqualTo(caps.devices());
        assertThat(profile.places()).hasSize(caps.places());
        assertThat(profile.lastLocated()).get().satisfies(p -> assertThat(p.lastSeen()).isEqualTo(T0 + 99 * HOUR));
        assertThat(profile.events()).isEqualTo(100);
    }

    @Test
    void shouldMergeNearbyRequestsIntoOnePlace() {
        ProfileSettings settings = ProfileSettings.defaults();
        UserProfile profile = UserProfile.startingAt(T0);
        profile = ProfileFixtures.learn(profile, ProfileFixtures.request().at(T0).build(), settings);
        // Potsdam, 27 km from Berlin.
        profile = ProfileFixtures.learn(profile, ProfileFixtures.request().at(T0 + MINUTE).in("DE", 52.39, 13.06)
                .build(), settings);

        assertThat(profile.places()).singleElement().satisfies(p -> {
            assertThat(p.lat()).isEqualTo(52.39f);
            assertThat(p.lastSeen()).isEqualTo(T0 + MINUTE);
        });
        assertThat(Place.haversineKm(52.52, 13.405, 40.7128, -74.006)).isCloseTo(6385, within(10.0));
    }
}
