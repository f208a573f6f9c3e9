package io.tokenwatch.detector.profile;

/**
 * What the rate rule decides while a profile's rate moves on to a new interval: how much of a finished
 * interval may enter the baseline, and how the cumulative (CUSUM) excess evolves. The profile does the
 * bookkeeping, the rule the judging, so thresholds live in one place.
 */
public interface RateJudge {

    /** The most a finished interval may add to {@code baseline} when folded in. */
    double foldCap(DecayedRate baseline);

    /**
     * The cumulative excess after a finished interval with {@code count} requests judged against
     * {@code baseline} (as it was before the interval was folded), followed by {@code idleIntervals}
     * intervals without a request.
     */
    float cusum(float before, DecayedRate baseline, int count, long idleIntervals);

    /** Finished intervals to keep per route class for the sliding windows (at most 255). */
    int recentIntervals();

    /** The most a finished hour may add to the hourly {@code baseline} when folded in. */
    double hourlyFoldCap(DecayedRate baseline);

    /**
     * The most single-request visits a finished day may add to the subject's {@link Pace#daily()}
     * baseline, so a day a script ran does not teach that scripts are normal. Uncapped by default.
     */
    default double paceFoldCap(DecayedRate daily) {
        return Double.MAX_VALUE;
    }

    /** Folds without judging: no cap, no cumulative excess (tests, learning from scratch). */
    RateJudge NONE = new RateJudge() {
        @Override
        public double foldCap(DecayedRate baseline) {
            return Double.MAX_VALUE;
        }

        @Override
        public float cusum(float before, DecayedRate baseline, int count, long idleIntervals) {
            return 0;
        }

        @Override
        public int recentIntervals() {
            return 0;
        }

        @Override
        public double hourlyFoldCap(DecayedRate baseline) {
            return Double.MAX_VALUE;
        }
    };
}
