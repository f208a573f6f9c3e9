package io.tokenwatch.detector.profile;

/**
 * A request-rate baseline: the time-decayed mean and variance of the request count per interval,
 * over the intervals in which the subject made requests, plus the count of the interval in progress.
 * Immutable.
 *
 * <p>Busy intervals only: a user active two hours a day is compared with those hours, not diluted by
 * the 22 idle ones (counting those as zeros would put every working hour far above "normal"). Decay
 * follows elapsed time, not the number of intervals: when an interval is folded in, everything learned
 * before weighs {@code 2^(-Δt / half-life)} of what it weighed, Δt being the time since the previous
 * folded interval. So an interval a week ago counts less than yesterday's whatever happened between,
 * and irregular traffic needs no special case. The weights start as a plain average (the first
 * interval does not dominate, as it would with a fixed smoothing factor) and settle into an
 * exponentially weighted one: West's weighted incremental mean and variance with every older weight
 * multiplied by the decay factor.
 *
 * @param weight       decayed sum of the weights of the folded intervals (each weighs 1 when folded)
 * @param mean         decayed mean count per busy interval
 * @param spread       decayed sum of squared deviations; {@code spread / weight} is the variance
 * @param intervals    busy intervals folded in so far (saturates)
 * @param lastFolded   start of the latest interval folded in, epoch ms; meaningless while {@code intervals} is 0
 * @param currentStart start of the interval being counted, epoch ms
 * @param currentCount requests counted in it so far
 */
public record DecayedRate(float weight, float mean, float spread, int intervals, long lastFolded, long currentStart,
                          int currentCount) {

    public DecayedRate {
        if (weight < 0 || spread < 0 || intervals < 0 || currentCount < 0) {
            throw new IllegalArgumentException("rate figures must not be negative");
        }
    }

    /** Nothing learned yet; counting the interval that starts at {@code intervalStart}. */
    public static DecayedRate startingAt(long intervalStart) {
        return new DecayedRate(0, 0, 0, 0, 0, intervalStart, 0);
    }

    /**
     * Moves to the interval starting at {@code intervalStart}: if that is a later interval, the one in
     * progress is folded into the baseline (counted as at most {@code maxFolded}, so a spike that has
     * already been flagged does not become the new normal) and counting starts afresh. An earlier
     * interval (a late event) leaves everything as it is: the late request counts in the current one.
     */
    public DecayedRate rolledTo(long intervalStart, double halfLifeMillis, double maxFolded) {
        return rolledTo(intervalStart, halfLifeMillis, maxFolded, false);
    }

    /**
     * As {@link #rolledTo(long, double, double)}, but with {@code foldEmpty} an interval in progress that
     * counted nothing is folded in as a 0 too: for baselines whose intervals are started by activity
     * (a day with requests) while what is counted (script-like requests) may well be 0 on such a day.
     */
    public DecayedRate rolledTo(long intervalStart, double halfLifeMillis, double maxFolded, boolean foldEmpty) {
        if (intervalStart <= currentStart) {
            return this;
        }
        if (currentCount == 0 && !foldEmpty) {
            return new DecayedRate(weight, mean, spread, intervals, lastFolded, intervalStart, 0);
        }
        double x = Math.min(currentCount, maxFolded);
        double decay = intervals == 0 ? 0 : Math.pow(2, -(currentStart - lastFolded) / halfLifeMillis);
        double w = decay * weight + 1;
        double m = mean + (x - mean) / w;
        double s = decay * spread + (x - mean) * (x - m);
        return new DecayedRate((float) w, (float) m, (float) Math.max(0, s), saturatingIncrement(intervals),
                currentStart, intervalStart, 0);
    }

    /** One more request in the interval in progress. */
    public DecayedRate counted() {
        return new DecayedRate(weight, mean, spread, intervals, lastFolded, currentStart,
                saturatingIncrement(currentCount));
    }

    public double variance() {
        return weight > 0 ? Math.max(0, (double) spread / weight) : 0;
    }

    public double stdDev() {
        return Math.sqrt(variance());
    }

    private static int saturatingIncrement(int value) {
        return value == Integer.MAX_VALUE ? value : value + 1;
    }
}
