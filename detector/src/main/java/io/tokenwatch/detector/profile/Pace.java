package io.tokenwatch.detector.profile;

import java.util.Arrays;

/**
 * How a subject's requests arrive in time, across all route classes: in visits (requests no more than
 * {@link #VISIT_GAP} apart), and how many visits were <em>single requests</em>. Immutable (the array
 * is copied in and out).
 *
 * <p>Why single-request visits: a person works in visits — open the app, a handful of requests
 * seconds apart, leave — so even a light user's requests come in clumps, and a visit of one request
 * is a small share of them. A script pacing itself (scraping from the victim's own device at a few
 * requests an hour, low-and-slow for a whole night) sends requests minutes apart, each one its own
 * visit. Volume cannot tell such a script from the person (a light user's scrape is a few requests an
 * hour, less than one of their visits), the arrival pattern can. Judged against the subject's own
 * baseline ({@link #daily}): a service account or a polling client sends single requests all day and
 * learns that this is normal for it.
 *
 * <p>Bookkeeping only ({@link RateJudge#paceFoldCap} caps what a day may teach); the judging is in the
 * rate rule. Bounded: one hourly count per hour of the last day and one baseline.
 *
 * @param visitSize requests in the visit in progress (saturates at 255; 0 once a gap has closed it and
 *                  before the next request is counted)
 * @param hourStart start of the hour {@code singles[0]} counts, epoch ms
 * @param singles   single-request visits closed per hour, newest first ({@link #HOURS} hours, the one in
 *                  progress included; each saturates at {@link #MAX_PER_HOUR})
 * @param daily     single-request visits per active day: a baseline whose intervals are the subject's
 *                  days with requests (days without count as 0, see {@link DecayedRate#rolledTo(long,
 *                  double, double, boolean)})
 */
public record Pace(int visitSize, long hourStart, int[] singles, DecayedRate daily) {

    /** Longest pause within one visit: a person reading a page pauses seconds, rarely minutes. */
    public static final long VISIT_GAP = 120_000L;
    /** Hours of single-visit counts kept: the sliding day the pace test judges. */
    public static final int HOURS = 24;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 86_400_000L;
    private static final int MAX_VISIT = 255;
    /** Most single visits counted per hour (one byte stored): far beyond any threshold that fires. */
    public static final int MAX_PER_HOUR = 255;

    public Pace {
        singles = singles.clone();
        if (visitSize < 0 || visitSize > MAX_VISIT) {
            throw new IllegalArgumentException("visit size must be 0 to " + MAX_VISIT);
        }
        if (singles.length != HOURS) {
            throw new IllegalArgumentException("pace keeps " + HOURS + " hourly counts");
        }
        for (int c : singles) {
            if (c < 0 || c > MAX_PER_HOUR) {
                throw new IllegalArgumentException("single-visit counts must be 0 to " + MAX_PER_HOUR);
            }
        }
        java.util.Objects.requireNonNull(daily, "daily");
    }

    /** Nothing learned yet; the first request is at {@code time}. */
    public static Pace startingAt(long time) {
        return new Pace(0, hourOf(time), new int[HOURS], DecayedRate.startingAt(dayOf(time)));
    }

    @Override
    public int[] singles() {
        return singles.clone();
    }

    /** Single-request visits closed in the last {@code hours} hours, the one in progress included. */
    public int singlesWithin(int hours) {
        int sum = 0;
        for (int i = 0; i < Math.min(hours, HOURS); i++) {
            sum += singles[i];
        }
        return sum;
    }

    /**
     * Moves on to a request at {@code time}, the previous one having been at {@code lastRequest}: if the
     * gap closes the visit in progress and that visit was a single request, it is counted (in its own hour
     * and day); the hourly counts and the day move on to {@code time}'s, the finished day folded into
     * {@link #daily} as at most {@code maxFolded}. A late request (before {@code lastRequest}) joins the
     * visit in progress.
     */
    public Pace rolledTo(long time, long lastRequest, double halfLifeMillis, double maxFolded) {
        int size = visitSize;
        int[] counts = singles.clone();
        DecayedRate day = daily;
        if (size > 0 && time - lastRequest > VISIT_GAP) {
            if (size == 1) {
                // Counted where the single request was: its hour (if still kept) and its day.
                int back = (int) Math.min(Integer.MAX_VALUE, (hourStart - hourOf(lastRequest)) / HOUR);
                if (back >= 0 && back < HOURS) {
                    counts[back] = Math.min(MAX_PER_HOUR, counts[back] + 1);
                }
                if (dayOf(lastRequest) == day.currentStart()) {
                    day = day.counted();
                }
            }
            size = 0;
        }
        long hour = hourOf(time);
        if (hour > hourStart) {
            long steps = (hour - hourStart) / HOUR;
            int[] shifted = new int[HOURS];
            if (steps < HOURS) {
                System.arraycopy(counts, 0, shifted, (int) steps, HOURS - (int) steps);
            }
            counts = shifted;
        }
        day = day.rolledTo(dayOf(time), halfLifeMillis, maxFolded, true);
        return new Pace(size, Math.max(hour, hourStart), counts, day);
    }

    /** One more request in the visit in progress. */
    public Pace counted() {
        return new Pace(Math.min(MAX_VISIT, visitSize + 1), hourStart, singles, daily);
    }

    static long hourOf(long time) {
        return Math.floorDiv(time, HOUR) * HOUR;
    }

    static long dayOf(long time) {
        return Math.floorDiv(time, DAY) * DAY;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pace other && visitSize == other.visitSize && hourStart == other.hourStart
                && Arrays.equals(singles, other.singles) && daily.equals(other.daily);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * visitSize + Long.hashCode(hourStart)) + Arrays.hashCode(singles)) + daily.hashCode();
    }

    @Override
    public String toString() {
        return "Pace[visitSize=" + visitSize + ", hourStart=" + hourStart + ", singles=" + Arrays.toString(singles)
                + ", daily=" + daily + "]";
    }
}
