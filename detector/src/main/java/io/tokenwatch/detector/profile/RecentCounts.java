package io.tokenwatch.detector.profile;

import java.util.Arrays;

/**
 * The request counts of one route class's latest finished intervals, the cumulative excess over its
 * baseline, and how long and how big the subject's sessions usually are: what sliding windows (e.g.
 * 10 min, 1 h, 6 h), the low-and-slow test and the session test read, so a burst split across an
 * interval or hour boundary still counts whole. A <em>session</em> is a run of intervals with
 * requests, at most one empty interval apart. Immutable (the array is copied in and out).
 *
 * @param counts        the counts of the finished intervals before the one in progress, newest first
 * @param cusum         cumulative excess over the baseline (a one-sided CUSUM), in baseline deviations
 * @param sessionLength decayed maximum of the subject's finished sessions' lengths, in intervals
 * @param sessionVolume decayed maximum of the subject's finished sessions' request counts
 * @param sessions      finished sessions learned (saturates)
 */
public record RecentCounts(int[] counts, float cusum, float sessionLength, float sessionVolume, int sessions) {

    /**
     * Each finished session lowers the remembered maxima to this share before comparing: a decayed
     * maximum, so one long day fades over a few weeks of ordinary sessions instead of raising the bar
     * for good.
     */
    static final float SESSION_DECAY = 0.95f;

    public RecentCounts {
        counts = counts.clone();
        if (counts.length > ProfileLimits.MAX) {
            throw new IllegalArgumentException("at most " + ProfileLimits.MAX + " intervals are kept");
        }
        if (!(cusum >= 0) || !(sessionLength >= 0) || !(sessionVolume >= 0) || sessions < 0) {
            throw new IllegalArgumentException("recent figures must not be negative");
        }
    }

    public static RecentCounts empty(int length) {
        return new RecentCounts(new int[length], 0, 0, 0, 0);
    }

    /**
     * The session that ends with the interval in progress, which holds {@code current} requests so
     * far: {@code [length in intervals, requests]}. Bounded by the intervals kept.
     */
    public int[] sessionEndingNow(int current) {
        if (current <= 0) {
            return new int[] {0, 0};
        }
        int length = 1;
        int volume = current;
        int gap = 0;
        for (int count : counts) {
            if (count > 0) {
                length += gap + 1;
                volume += count;
                gap = 0;
            } else if (++gap > 1) {
                break;
            }
        }
        return new int[] {length, volume};
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
        float nextLength = sessionLength;
        float nextVolume = sessionVolume;
        int nextSessions = sessions;
        if (steps > 2 && finished > 0) {
            // At least two empty intervals follow: the session that ended with the finished interval is over.
            int[] session = sessionEndingNow(finished);
            nextLength = Math.max(session[0], sessionLength * SESSION_DECAY);
            nextVolume = Math.max(session[1], sessionVolume * SESSION_DECAY);
            nextSessions = sessions == Integer.MAX_VALUE ? sessions : sessions + 1;
        }
        int[] next = new int[length];
        if (steps >= 1 && steps <= length) {
            int s = (int) steps;
            next[s - 1] = finished;
            System.arraycopy(counts, 0, next, s, Math.max(0, Math.min(counts.length, length - s)));
        }
        return new RecentCounts(next, nextCusum, nextLength, nextVolume, nextSessions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecentCounts other && Arrays.equals(counts, other.counts) && cusum == other.cusum
                && sessionLength == other.sessionLength && sessionVolume == other.sessionVolume
                && sessions == other.sessions;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(counts) + Float.hashCode(cusum)) + Float.hashCode(sessionVolume) + sessions;
    }

    @Override
    public String toString() {
        return "RecentCounts[counts=" + Arrays.toString(counts) + ", cusum=" + cusum + ", sessionLength="
                + sessionLength + ", sessionVolume=" + sessionVolume + ", sessions=" + sessions + "]";
    }
}
