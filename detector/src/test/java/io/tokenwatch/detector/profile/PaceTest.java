package io.tokenwatch.detector.profile;

import org.junit.jupiter.api.Test;

import static io.tokenwatch.detector.profile.ProfileFixtures.DAY;
import static io.tokenwatch.detector.profile.ProfileFixtures.HOUR;
import static io.tokenwatch.detector.profile.ProfileFixtures.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

class PaceTest {

    private static final long T = 1_800_000_000_000L / DAY * DAY;
    private static final double WEEK = 7 * DAY;

    /** Requests at {@code times} (ascending), each rolled to and then counted, as the profile does. */
    private static Pace requests(Pace pace, long last, long... times) {
        for (long t : times) {
            pace = pace.rolledTo(t, last, WEEK, Double.MAX_VALUE).counted();
            last = t;
        }
        return pace;
    }

    @Test
    void shouldCountAVisitOfOneRequestOnceTheNextRequestComesAfterTheGap() {
        Pace pace = requests(Pace.startingAt(T), T, T + HOUR, T + 2 * HOUR);

        // The first request closed as a single visit; the second is still open.
        assertThat(pace.singlesWithin(Pace.HOURS)).isEqualTo(1);
        assertThat(pace.visitSize()).isEqualTo(1);
    }

    @Test
    void shouldNotCountAVisitOfSeveralRequestsSecondsApart() {
        Pace pace = requests(Pace.startingAt(T), T, T + HOUR, T + HOUR + 20_000, T + HOUR + 50_000, T + 3 * HOUR);

        assertThat(pace.singlesWithin(Pace.HOURS)).isZero();
    }

    @Test
    void shouldForgetSingleVisitsOlderThanADayAndLearnThePerDayBaselineIncludingDaysWithout() {
        Pace pace = Pace.startingAt(T);
        long last = T;
        // Day 0: four single visits (the last one closed by day 1's first request); day 1: one visit of three.
        pace = requests(pace, last, T + HOUR, T + 3 * HOUR, T + 5 * HOUR, T + 7 * HOUR);
        pace = requests(pace, T + 7 * HOUR, T + DAY + HOUR, T + DAY + HOUR + 10_000, T + DAY + HOUR + 20_000);
        assertThat(pace.singlesWithin(Pace.HOURS)).as("the 01:00 single is more than a day old").isEqualTo(3);
        pace = requests(pace, T + DAY + HOUR + 20_000, T + 3 * DAY);

        assertThat(pace.singlesWithin(Pace.HOURS)).isZero();
        // Days folded: day 0 with 4 singles, day 1 with none (a day with requests but no single visit counts).
        assertThat(pace.daily().intervals()).isEqualTo(2);
        double decay = Math.pow(2, -DAY / WEEK);
        assertThat((double) pace.daily().mean()).isCloseTo(4 - 4 / (decay + 1), org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void shouldJoinALateRequestToTheVisitInProgress() {
        Pace pace = requests(Pace.startingAt(T), T, T + HOUR);
        pace = pace.rolledTo(T + HOUR - 10 * MINUTE, T + HOUR, WEEK, Double.MAX_VALUE).counted();

        assertThat(pace.visitSize()).isEqualTo(2);
        assertThat(pace.singlesWithin(Pace.HOURS)).isZero();
    }
}
