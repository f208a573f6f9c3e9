package io.tokenwatch.detector.profile;

import io.tokenwatch.schemas.JsonSerde;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static io.tokenwatch.detector.profile.ProfileFixtures.DAY;
import static io.tokenwatch.detector.profile.ProfileFixtures.HOUR;
import static io.tokenwatch.detector.profile.ProfileFixtures.MINUTE;
import static io.tokenwatch.detector.profile.ProfileFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * State per active user (DESIGN.md §5: ≤ 2 KB): the serialized size of a profile, as stored, for a
 * realistic active user and for the worst case every cap allows. A size bound, not a timing.
 */
class ProfileSizeTest {

    private static final int BUDGET = 2048;
    private final UserProfileSerde serde = new UserProfileSerde();

    /**
     * Three weeks of a realistic active user: 3 route classes, 5 countries, 8 networks, 4 devices,
     * 3 user-agent families, every hour of the day touched, a few places, a throttle and a revoked token.
     */
    static UserProfile typicalActiveUser() {
        ProfileSettings settings = ProfileSettings.defaults();
        String[] routes = {"accounts", "payments", "profile"};
        String[] countries = {"DE", "FR", "NL", "AT", "CH"};
        double[][] cities = {{52.52, 13.405}, {48.857, 2.352}, {52.37, 4.895}, {48.208, 16.373}, {47.377, 8.541}};
        String[] networks = {"AS3320", "AS3209", "AS6830", "AS1136", "AS8881", "198.51.100.0/24", "203.0.113.0/24",
                "2001:db8:1::/48"};
        String[] devices = {"laptop-1", "phone-1", "tablet-1", "laptop-2"};
        UaFamily[] agents = {UaFamily.CHROME, UaFamily.SAFARI, UaFamily.OKHTTP};
        UserProfile profile = UserProfile.startingAt(T0);
        long midnight = Math.floorDiv(T0, DAY) * DAY;
        int n = 0;
        for (int day = 0; day < 21; day++) {
            for (int hour = 0; hour < 24; hour++) {
                int perHour = hour >= 8 && hour < 19 ? 12 : 1;
                for (int i = 0; i < perHour; i++, n++) {
                    int city = day % 5;
                    long t = midnight + day * DAY + hour * HOUR + i * 4 * MINUTE;
                    profile = ProfileFixtures.learn(profile, ProfileFixtures.request().at(t).route(routes[n % 3])
                            .network(networks[(day + i) % 8]).device(devices[n % 4]).userAgent(agents[n % 3])
                            .in(countries[city], cities[city][0], cities[city][1]).build(), settings);
                }
            }
        }
        return profile.withThrottledUntil(T0 + 30 * DAY).withRevokedToken(UserProfile.tokenHash("jti-1"));
    }

    /** Every cap full, every name as long as it may be, every bin and flag set. */
    static UserProfile cappedWorstCase() {
        ProfileSettings settings = ProfileSettings.defaults();
        ProfileLimits caps = settings.limits();
        int most = Math.max(Math.max(caps.routeClasses(), caps.countries()), Math.max(caps.networks(), caps.places()));
        UserProfile profile = UserProfile.startingAt(T0);
        for (int i = 0; i < Math.max(most * 3, 200); i++) {
            long t = T0 + i * 37 * MINUTE;
            String route = String.format("%02d", i) + "r".repeat(RouteClasses.MAX_BYTES - 2);
            String country = String.format("%02d", i) + "C".repeat(Observation.MAX_COUNTRY_BYTES - 2);
            profile = ProfileFixtures.learn(profile, ProfileFixtures.request().at(t).route(route)
                    .network("2001:db8:" + i + "::/48").device("device-" + i)
                    .userAgent(UaFamily.values()[i % UaFamily.values().length])
                    .in(country, -60.0 + (i % 17) * 7, -170.0 + (i % 30) * 11).build(), settings);
        }
        profile = profile.withThrottledUntil(Long.MAX_VALUE / 2).withRevokedToken(-1L);
        // Every trail full of hops and every signal slot taken, at the largest times the format stores.
        List<NetworkTrail> trails = new ArrayList<>();
        for (int t = 0; t < caps.trails(); t++) {
            List<NetworkTrail.Hop> hops = new ArrayList<>();
            for (int h = 0; h < NetworkTrail.MAX_HOPS; h++) {
                hops.add(new NetworkTrail.Hop(-1L - h, true, Long.MAX_VALUE / 2));
            }
            trails.add(new NetworkTrail(-100L - t, hops, -200L - t));
        }
        List<RecentSignal> signals = new ArrayList<>();
        for (int i = 0; i < caps.signals(); i++) {
            signals.add(new RecentSignal(i % 6, 20, Long.MAX_VALUE / 2));
        }
        return new UserProfile(profile.firstSeen(), profile.lastSeen(), Long.MAX_VALUE, profile.routes(),
                profile.countries(), profile.networks(), profile.devices(), profile.userAgents(), profile.hours(),
                profile.places(), profile.throttledUntil(), profile.revokedToken(), trails, signals, 0xff, -12,
                fullPace());
    }

    /** A pace with every hourly count and the baseline's figures at their widest encodings. */
    private static Pace fullPace() {
        int[] singles = new int[Pace.HOURS];
        java.util.Arrays.fill(singles, Pace.MAX_PER_HOUR);
        return new Pace(255, Long.MAX_VALUE / 2 / 60_000L * 60_000L, singles,
                new DecayedRate(1e9f, 1e9f, 1e9f, Integer.MAX_VALUE, Long.MAX_VALUE / 2 / 60_000L * 60_000L,
                        Long.MAX_VALUE / 2 / 60_000L * 60_000L, Integer.MAX_VALUE));
    }

    @Test
    void shouldStoreARealisticActiveUserInFarLessThanTwoKilobytes() throws Exception {
        UserProfile profile = typicalActiveUser();
        int binary = serde.serialize("user-profiles", profile).length;
        int json = JsonSerde.MAPPER.writeValueAsBytes(profile).length;

        System.out.printf("user profile, typical active user: %d bytes binary (%d as JSON) for %d routes, "
                        + "%d countries, %d networks, %d devices, %d UA families, %d places%n", binary, json,
                profile.routes().size(), profile.countries().size(), profile.networks().size(),
                profile.devices().size(), profile.userAgents().size(), profile.places().size());
        assertThat(profile.routes()).hasSize(3);
        assertThat(profile.countries().size()).isEqualTo(5);
        assertThat(profile.networks().size()).isEqualTo(8);
        assertThat(profile.devices().size()).isEqualTo(4);
        assertThat(profile.userAgents().size()).isEqualTo(3);
        assertThat(binary).isLessThanOrEqualTo(BUDGET);
    }

    @Test
    void shouldStayWithinTwoKilobytesWhenEveryCapIsFull() throws Exception {
        UserProfile profile = cappedWorstCase();
        ProfileLimits caps = ProfileLimits.defaults();
        assertThat(profile.routes()).hasSize(caps.routeClasses());
        assertThat(profile.countries().size()).isEqualTo(caps.countries());
        assertThat(profile.networks().size()).isEqualTo(caps.networks());
        assertThat(profile.devices().size()).isEqualTo(caps.devices());
        assertThat(profile.userAgents().size()).isEqualTo(caps.userAgents());
        assertThat(profile.places()).hasSize(caps.places());
        assertThat(profile.trails()).hasSize(caps.trails());
        assertThat(profile.signals()).hasSize(caps.signals());
        assertThat(profile.routes()).allSatisfy(r -> assertThat(r.recent().length())
                .isEqualTo(ProfileFixtures.RECENT_INTERVALS));
        assertThat(profile.hours().bins()).doesNotContain(0f);

        int binary = serde.serialize("user-profiles", profile).length;
        int json = JsonSerde.MAPPER.writeValueAsBytes(profile).length;
        System.out.printf("user profile, capped worst case: %d bytes binary (%d as JSON)%n", binary, json);
        assertThat(binary).isLessThanOrEqualTo(BUDGET);
    }
}
