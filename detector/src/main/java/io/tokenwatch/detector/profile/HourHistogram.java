package io.tokenwatch.detector.profile;

import java.util.Arrays;

/**
 * When in the day a subject is active, in the subject's learned local time
 * ({@link UserProfile#utcOffset()}): 24 bins of request counts, decayed by elapsed time with a
 * half-life, so last month's night shift fades and this month's rhythm takes over. Local rather than
 * UTC so a person who travels to another zone keeps their rhythm (09:00 is 09:00 in Tokyo too); a
 * daylight-saving shift or a zone guessed an hour off moves it by a bin, which the tolerance of
 * {@link #shareAround(int, int)} absorbs. Immutable (the bins are copied in and out).
 *
 * @param updatedAt the time the bins are decayed to, epoch ms
 * @param bins      24 decayed counts, bin {@code h} for requests in local hour {@code h}
 */
public record HourHistogram(long updatedAt, float[] bins) {

    public static final int HOURS = 24;
    private static final long HOUR_MILLIS = 3_600_000L;

    public HourHistogram {
        if (bins.length != HOURS) {
            throw new IllegalArgumentException("an hour histogram has 24 bins");
        }
        bins = bins.clone();
    }

    public static HourHistogram empty() {
        return new HourHistogram(0, new float[HOURS]);
    }

    /** The UTC hour of {@code epochMillis}. */
    public static int hourOf(long epochMillis) {
        return hourOf(epochMillis, 0);
    }

    /** The hour of {@code epochMillis} at UTC offset {@code offsetHours}. */
    public static int hourOf(long epochMillis, int offsetHours) {
        return (int) Math.floorMod(Math.floorDiv(epochMillis, HOUR_MILLIS) + offsetHours, HOURS);
    }

    @Override
    public float[] bins() {
        return bins.clone();
    }

    /** One request at {@code time}, in UTC hour terms (see {@link #observe(long, int, double)}). */
    public HourHistogram observe(long time, double halfLifeMillis) {
        return observe(time, hourOf(time), halfLifeMillis);
    }

    /** One request at {@code time}, local hour {@code hour}: older counts decay to {@code time}, then the hour gains 1. */
    public HourHistogram observe(long time, int hour, double halfLifeMillis) {
        float[] next = bins.clone();
        long to = Math.max(time, updatedAt);
        if (time > updatedAt) {
            double decay = Math.pow(2, -(time - updatedAt) / halfLifeMillis);
            for (int h = 0; h < HOURS; h++) {
                next[h] = (float) (next[h] * decay);
            }
        }
        // A late request counts as much as it would have counted then, decayed to now.
        double weight = time >= updatedAt ? 1 : Math.pow(2, -(updatedAt - time) / halfLifeMillis);
        next[hour] += (float) weight;
        return new HourHistogram(to, next);
    }

    public double total() {
        double total = 0;
        for (float bin : bins) {
            total += bin;
        }
        return total;
    }

    /**
     * The share of activity at {@code hour}, counting half of each neighbouring hour, so that 18:05 is
     * not unusual for someone who usually stops at 17:55. 1 when nothing has been learned.
     */
    public double shareAround(int hour) {
        double total = total();
        if (total <= 0) {
            return 1;
        }
        double around = bins[hour] + 0.5 * (bins[Math.floorMod(hour - 1, HOURS)] + bins[(hour + 1) % HOURS]);
        return around / total;
    }

    /**
     * The share of activity within {@code tolerance} hours either side of {@code hour} (circular: 23
     * and 01 are neighbours), so a shift worker's early start or a zone an hour off is not unusual.
     * 1 when nothing has been learned.
     */
    public double shareAround(int hour, int tolerance) {
        double total = total();
        if (total <= 0) {
            return 1;
        }
        double around = 0;
        for (int d = -tolerance; d <= tolerance; d++) {
            around += bins[Math.floorMod(hour + d, HOURS)];
        }
        return around / total;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HourHistogram other && updatedAt == other.updatedAt && Arrays.equals(bins, other.bins);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(updatedAt) + Arrays.hashCode(bins);
    }

    @Override
    public String toString() {
        return "HourHistogram[updatedAt=" + updatedAt + ", bins=" + Arrays.toString(bins) + "]";
    }
}
