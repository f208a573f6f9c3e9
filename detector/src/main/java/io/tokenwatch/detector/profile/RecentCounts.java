package io.tokenwatch.detector.profile;

import java.util.Arrays;

/**
 * The request counts of one route class's latest finished intervals and the cumulative excess over
 * its baseline: what sliding windows (e.g. 10 min, 1 h, 6 h) and the low-and-slow test read, so a
 * burst split across an interval or hour boundary still counts whole. Immutable (the array is copied
 * in and out).
 *
 * @param counts the counts of the finished intervals before the one in progress, newest first
 * @param cusum  cumulative excess over the baseline (a one-sided CUSUM), in baseline deviations
 */
public record RecentCounts(int[] counts, float cusum) {

    public RecentCounts {
        counts = counts.clone();
        if (counts.length > ProfileLimits.MAX) {
            throw new IllegalArgumentException("at most " + ProfileLimits.MAX + " intervals are kept");
        }
        if (!(cusum >= 0)) {
            throw new IllegalArgumentException("cumulative excess must not be negative");
        }
    }

    public static RecentCounts empty(int length) {
        return new RecentCounts(new int[length], 0);
    }

    @Override
    public int[] counts() {
        return counts.clone();
    }

    public int length() {
        return counts.length;
    }

    /** The count of the finished interval {@code i} intervals before the one in progress (0: the one just before). */
    public int count(int i) {
        return i < counts.length ? counts[i] : 0;
    }

    /**
     * This history moved on by {@code steps} intervals, the one in progress having ended with
     * {@code finished} requests; kept at {@code length} intervals.
     */
    public RecentCounts shifted(long steps, int finished, int length, float nextCusum) {
        int[] next = new int[length];
        if (steps >= 1 && steps <= length) {
            int s = (int) steps;
            next[s - 1] = finished;
            System.arraycopy(counts, 0, next, s, Math.max(0, Math.min(counts.length, length - s)));
        }
        return new RecentCounts(next, nextCusum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecentCounts other && Arrays.equals(counts, other.counts) && cusum == other.cusum;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(counts) + Float.hashCode(cusum);
    }

    @Override
    public String toString() {
        return "RecentCounts[counts=" + Arrays.toString(counts) + ", cusum=" + cusum + "]";
    }
}
