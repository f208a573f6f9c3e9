package io.tokenwatch.detector.profile;

import java.time.Duration;
import java.util.Objects;

/**
 * How much history a profile needs before baseline rules (rate spike, new context) may judge by it:
 * at least {@code minEvents} learned requests spread over at least {@code minHistory}. Until then a
 * new user (or one whose profile expired) is learned, never flagged, because everything about them is
 * "new".
 *
 * @param minEvents  learned requests needed
 * @param minHistory time since the first learned request needed
 */
public record LearningPeriod(long minEvents, Duration minHistory) {

    public LearningPeriod {
        if (minEvents < 0) {
            throw new IllegalArgumentException("min events must not be negative");
        }
        Objects.requireNonNull(minHistory, "minHistory");
        if (minHistory.isNegative()) {
            throw new IllegalArgumentException("min history must not be negative");
        }
    }

    /** 50 events over 3 days. */
    public static LearningPeriod defaults() {
        return new LearningPeriod(50, Duration.ofDays(3));
    }

    /** True once {@code profile} has learned enough to judge a request at {@code time} by it. */
    public boolean isOverFor(UserProfile profile, long time) {
        return profile.events() >= minEvents && time - profile.firstSeen() >= minHistory.toMillis();
    }
}
