package io.tokenwatch.detector.profile;

/** Test fixture: observations built one field at a time, starting as a plain located browser request. */
final class ProfileFixtures {

    static final long T0 = 1_800_000_000_000L;
    static final long MINUTE = 60_000L;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;
    /** Finished intervals kept per route class, as the default rate rule keeps them (6 h of 10 min). */
    static final int RECENT_INTERVALS = 36;
    /** Folds without a cap, keeps the default number of recent intervals, and counts every interval as excess. */
    static final RateJudge JUDGE = new RateJudge() {
        @Override
        public double foldCap(DecayedRate baseline) {
            return Double.MAX_VALUE;
        }

        @Override
        public float cusum(float before, DecayedRate baseline, int count, long idleIntervals) {
            return before + count;
        }

        @Override
        public int recentIntervals() {
            return RECENT_INTERVALS;
        }

        @Override
        public double hourlyFoldCap(DecayedRate baseline) {
            return Double.MAX_VALUE;
        }
    };

    private long time = T0;
    private String routeClass = "accounts";
    private String network = "AS3320";
    private Long device = Text.hash64("laptop-1");
    private UaFamily userAgent = UaFamily.CHROME;
    private String country = "DE";
    private Double lat = 52.52;
    private Double lon = 13.405;
    private NetworkIdentity.Kind kind = NetworkIdentity.Kind.UNKNOWN;
    private Long token;
    private Integer radiusKm;

    static ProfileFixtures request() {
        return new ProfileFixtures();
    }

    ProfileFixtures at(long value) {
        time = value;
        return this;
    }

    ProfileFixtures route(String value) {
        routeClass = value;
        return this;
    }

    ProfileFixtures network(String value) {
        network = value;
        return this;
    }

    ProfileFixtures device(String value) {
        device = value == null ? null : Text.hash64(value);
        return this;
    }

    ProfileFixtures userAgent(UaFamily value) {
        userAgent = value;
        return this;
    }

    ProfileFixtures in(String value, Double latitude, Double longitude) {
        country = value;
        lat = latitude;
        lon = longitude;
        return this;
    }

    ProfileFixtures kind(NetworkIdentity.Kind value) {
        kind = value;
        return this;
    }

    ProfileFixtures token(String jti) {
        token = jti == null ? null : UserProfile.tokenHash(jti);
        return this;
    }

    ProfileFixtures radiusKm(Integer value) {
        radiusKm = value;
        return this;
    }

    Observation build() {
        return new Observation(time, routeClass, network, Text.hash64(network), kind, null, device, token, userAgent,
                country, lat, lon, radiusKm);
    }

    /** {@code profile} rolled to and then learning {@code observation}, as the processor does. */
    static UserProfile learn(UserProfile profile, Observation observation, ProfileSettings settings) {
        return profile.rolledTo(observation, settings, JUDGE).learn(observation, settings);
    }
}
