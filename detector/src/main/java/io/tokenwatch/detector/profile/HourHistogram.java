package io.tokenwatch.detector.profile;

import java.util.Arrays;

/**
 * When in the day (UTC) a subject is active: 24 bins of request counts, decayed by elapsed time with
 * a half-life, so last month's night shift fades and this month's rhythm takes over. UTC rather than
 * the user's zone because the histogram is per user: a rhythm is a rhythm in any zone; a daylight
 * saving shift moves it by one bin, which {@link #shareAround(int)} tolerates. Immutable (the bins
 * are copied in and out).
 *
 * @param updatedAt the time the bins are decayed to, epoch ms
 * @param bins      24 decayed counts, bin {@code h} for requests in hour {@code h} UTC
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
        return (int) Math.floorMod(Math.floorDiv(epochMillis, HOUR_MILLIS), HOURS);
    }

    @Override
    public float[] bins() {
        return bins.clone();
    }

    /** One request at {@code time}: older counts decay to {@code time}, then its hour gains 1. */
    public HourHistogram observe(long time, double halfLifeMillis) {
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
        next[hourOf(time)] += (float) weight;
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
