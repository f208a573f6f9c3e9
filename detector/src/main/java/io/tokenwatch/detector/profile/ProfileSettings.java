package io.tokenwatch.detector.profile;

import java.time.Duration;
import java.util.Objects;

/**
 * How profiles learn and how long they live. Immutable.
 *
 * @param limits         caps on the collections in a profile
 * @param routeClasses   how routes map to the classes rates are learned for
 * @param rateInterval   the counting interval of request rates (whole minutes; the seed used an hour)
 * @param rateHalfLife   after this much time a past interval weighs half in the rate baseline
 * @param hourHalfLife   after this much time a past request weighs half in the hour-of-day histogram
 * @param samePlaceKm    located requests closer than this share one {@link Place}
 * @param learning       history needed before baseline rules may fire
 * @param idleExpiry     a profile with no request for this long is deleted
 * @param expiryScan     how often (wall clock) idle profiles are looked for
 */
public record ProfileSettings(ProfileLimits limits, RouteClasses routeClasses, Duration rateInterval,
                              Duration rateHalfLife, Duration hourHalfLife, double samePlaceKm,
                              LearningPeriod learning, Duration idleExpiry, Duration expiryScan) {

    private static final long MINUTE = 60_000L;

    public ProfileSettings {
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(routeClasses, "routeClasses");
        Objects.requireNonNull(learning, "learning");
        requirePositive(rateInterval, "rate interval");
        if (rateInterval.toMillis() % MINUTE != 0) {
            throw new IllegalArgumentException("rate interval must be a whole number of minutes");
        }
        requirePositive(rateHalfLife, "rate half-life");
        requirePositive(hourHalfLife, "hour half-life");
        requirePositive(idleExpiry, "idle expiry");
        requirePositive(expiryScan, "expiry scan interval");
        if (!(samePlaceKm >= 0)) {
            throw new IllegalArgumentException("same-place radius must not be negative");
        }
    }

    /**
     * Default caps; first-segment route classes; 10-minute rate intervals with a 7-day half-life; hours with a
     * 14-day half-life; 100 km places; learning 50 events over 3 days; expiry after 30 idle days,
     * looked for hourly.
     */
    public static ProfileSettings defaults() {
        return new ProfileSettings(ProfileLimits.defaults(), RouteClasses.firstSegment(), Duration.ofMinutes(10),
                Duration.ofDays(7), Duration.ofDays(14), 100, LearningPeriod.defaults(), Duration.ofDays(30),
                Duration.ofHours(1));
    }

    public ProfileSettings withLimits(ProfileLimits value) {
        return new ProfileSettings(value, routeClasses, rateInterval, rateHalfLife, hourHalfLife, samePlaceKm, learning,
                idleExpiry, expiryScan);
    }

    public ProfileSettings withRouteClasses(RouteClasses value) {
        return new ProfileSettings(limits, value, rateInterval, rateHalfLife, hourHalfLife, samePlaceKm, learning,
                idleExpiry, expiryScan);
    }

    public ProfileSettings withRateInterval(Duration value) {
        return new ProfileSettings(limits, routeClasses, value, rateHalfLife, hourHalfLife, samePlaceKm, learning,
                idleExpiry, expiryScan);
    }

    public ProfileSettings withRateHalfLife(Duration value) {
        return new ProfileSettings(limits, routeClasses, rateInterval, value, hourHalfLife, samePlaceKm, learning,
                idleExpiry, expiryScan);
    }

    public ProfileSettings withHourHalfLife(Duration value) {
        return new ProfileSettings(limits, routeClasses, rateInterval, rateHalfLife, value, samePlaceKm, learning,
                idleExpiry, expiryScan);
    }

    public ProfileSettings withSamePlaceKm(double value) {
        return new ProfileSettings(limits, routeClasses, rateInterval, rateHalfLife, hourHalfLife, value, learning,
                idleExpiry, expiryScan);
    }

    public ProfileSettings withLearning(LearningPeriod value) {
        return new ProfileSettings(limits, routeClasses, rateInterval, rateHalfLife, hourHalfLife, samePlaceKm, value,
                idleExpiry, expiryScan);
    }

    public ProfileSettings withIdleExpiry(Duration value) {
        return new ProfileSettings(limits, routeClasses, rateInterval, rateHalfLife, hourHalfLife, samePlaceKm, learning,
                value, expiryScan);
    }

    public ProfileSettings withExpiryScan(Duration value) {
        return new ProfileSettings(limits, routeClasses, rateInterval, rateHalfLife, hourHalfLife, samePlaceKm, learning,
                idleExpiry, value);
    }

    /** Start of the rate interval {@code time} falls in. */
    public long intervalStart(long time) {
        long interval = rateInterval.toMillis();
        return Math.floorDiv(time, interval) * interval;
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
