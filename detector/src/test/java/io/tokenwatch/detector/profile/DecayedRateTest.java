package io.tokenwatch.detector.profile;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DecayedRateTest {

    private static final long HOUR = 3_600_000L;
    private static final double WEEK = 7 * 24 * HOUR;

    /** One busy interval per hour with the given counts, then rolled into the next hour. */
    private static DecayedRate afterIntervals(double halfLife, int... counts) {
        DecayedRate rate = DecayedRate.startingAt(0);
        long start = 0;
        for (int count : counts) {
            for (int i = 0; i < count; i++) {
                rate = rate.counted();
            }
            start += HOUR;
            rate = rate.rolledTo(start, halfLife, Double.MAX_VALUE);
        }
        return rate;
    }

    @Test
    void shouldLearnTheMeanAndVarianceOfSteadyTraffic() {
        DecayedRate rate = afterIntervals(WEEK, 10, 10, 10, 10);

        assertThat(rate.mean()).isCloseTo(10f, within(1e-4f));
        assertThat(rate.stdDev()).isCloseTo(0, within(1e-3));
        assertThat(rate.intervals()).isEqualTo(4);
        assertThat(rate.currentCount()).isZero();
    }

    @Test
    void shouldAverageEarlyIntervalsPlainlySoTheFirstDoesNotDominate() {
        // A first, partial hour of 2 requests, then full hours of 20: the mean follows the full hours.
        DecayedRate rate = afterIntervals(WEEK, 2, 20, 20, 20);

        assertThat(rate.mean()).isCloseTo(15.5f, within(0.1f));
        assertThat(rate.stdDev()).isCloseTo(7.79, within(0.1));
    }

    @Test
    void shouldWeighOlderIntervalsLessByElapsedTimeNotByCount() {
        // Two intervals a half-life apart: the older counts half as much as the newer.
        DecayedRate rate = DecayedRate.startingAt(0);
        for (int i = 0; i < 30; i++) {
            rate = rate.counted();
        }
        long halfLife = 10 * HOUR;
        rate = rate.rolledTo(halfLife, halfLife, Double.MAX_VALUE);
        for (int i = 0; i < 60; i++) {
            rate = rate.counted();
        }
        rate = rate.rolledTo(halfLife + HOUR, halfLife, Double.MAX_VALUE);

        // weights 0.5 and 1: (0.5·30 + 60) / 1.5 = 50
        assertThat(rate.mean()).isCloseTo(50f, within(1e-3f));
        assertThat(rate.weight()).isCloseTo(1.5f, within(1e-6f));
    }

    @Test
    void shouldFoldAtMostTheCapSoAFlaggedSpikeDoesNotBecomeNormal() {
        DecayedRate rate = afterIntervals(WEEK, 10, 10);
        for (int i = 0; i < 1000; i++) {
            rate = rate.counted();
        }
        rate = rate.rolledTo(3 * HOUR, WEEK, 30);

        assertThat(rate.mean()).isLessThan(17f);
    }

    @Test
    void shouldIgnoreEmptyIntervalsAndCountLateRequestsInTheCurrentOne() {
        DecayedRate rate = afterIntervals(WEEK, 10);
        rate = rate.rolledTo(5 * HOUR, WEEK, Double.MAX_VALUE);
        assertThat(rate.intervals()).isEqualTo(1);
        assertThat(rate.currentStart()).isEqualTo(5 * HOUR);

        DecayedRate late = rate.counted().rolledTo(2 * HOUR, WEEK, Double.MAX_VALUE);
        assertThat(late.currentStart()).isEqualTo(5 * HOUR);
        assertThat(late.currentCount()).isEqualTo(1);
    }
}
