package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.DecayedRate;
import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.Pace;
import io.tokenwatch.detector.profile.ProfileSettings;
import io.tokenwatch.detector.profile.RateJudge;
import io.tokenwatch.detector.profile.RecentCounts;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Alert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Rate spike: a subject's requests to one route class far above its own baseline, judged two ways.
 *
 * <ul>
 *   <li><b>Tail test over sliding windows</b> of 1, {@code mediumIntervals} and {@code longIntervals}
 *       rate intervals (10 min, 1 h and 6 h by default): a window fires above
 *       {@code max(floor·n^¼, ratioₙ·n·μ, n·μ + k·σ·√n)}, μ and σ being the subject's mean and deviation
 *       per busy interval ({@link DecayedRate}) for the shortest window and per busy hour (n in hours)
 *       for the others, since a light user's active hour holds far fewer requests than six busy
 *       10-minute intervals. Windows slide (the oldest interval counts in
 *       proportion to the part still inside), so a burst split across an hour boundary counts whole.
 *       The floor is small (20 per 10 min), so a script scraping from a light user's own device at
 *       20–50× that user's baseline fires, which the seed's 100-per-calendar-hour floor hid. Until a
 *       route class has {@code minIntervals} busy intervals only five times the floor applies.</li>
 *   <li><b>Cumulative test</b> (one-sided CUSUM): each finished interval adds
 *       {@code (count − (cusumReference·μ + σ/2)) / max(σ, √μ, 1)}, at most a quarter of the limit
 *       (one burst is the windows' job), never going below 0 (idle intervals pull it down); at
 *       {@code cusumLimit} it fires. This catches low-and-slow scraping at
 *       3–4× the baseline kept up for hours, which no single window shows.</li>
 *   <li><b>Coverage test</b>: busy intervals in the last two hours (one hour) against the subject's
 *       busy intervals per busy hour. A script on the victim's own device at 20–50× the person's
 *       average hourly volume may not beat the person's busiest hour in count, but it keeps every
 *       interval busy for hours, which a person's short visits never do.</li>
 *   <li><b>Pace test</b>, across route classes: requests that were each a visit of their own (no other
 *       request of the subject within {@link Pace#VISIT_GAP}) in the sliding day, against the subject's
 *       own such visits per active day (a Poisson tail). A person's requests come in visits of several;
 *       a script pacing itself on the victim's device — a light user's scrape at a few requests an
 *       hour, low-and-slow for a night — sends them minutes apart, which no volume test can see at a
 *       light user's scale. Service accounts and polling clients learn their own pace.</li>
 * </ul>
 *
 * <p>Peer and calendar awareness ({@link PeerActivity}): when many users of one issuer, service and
 * route class are elevated the same day (month-end reporting, 3–5× for a whole team), or it is a
 * month's last or first day and several are, the group is surging: every ratio and the CUSUM
 * reference are multiplied by {@code surgeFactor}, so a shared spike is not a per-user anomaly while
 * a 20–50× scrape still is. A {@link SignalFamily#VOLUME volume} signal — strong for the 10-minute
 * and 1-hour windows, the cumulative test and two hours of coverage, which alert alone; medium for the
 * 6-hour window and one hour of coverage, which sustained honest work can also reach, so they alert
 * only with a second medium signal (a new client, an anonymous network) — and it throttles only with
 * a second family (a volume spike from one's own device is an alert, not a
 * lock-out). A baseline rule: silent during the learning period. Immutable; evaluation is stateless.
 *
 * @param floor           the least count per single interval that can fire (scaled by √n for n intervals)
 * @param k               standard deviations above the window's expectation that fire
 * @param ratio           how many times the expectation fires in a single interval
 * @param minIntervals    busy intervals a route class needs before mean and σ count
 * @param mediumIntervals intervals in the medium window (6 × 10 min = 1 h)
 * @param mediumRatio     how many times the expectation fires in the medium window
 * @param longIntervals   intervals in the long window (36 × 10 min = 6 h); also how many are kept
 * @param longRatio       how many times the expectation fires in the long window
 * @param cusumReference  multiple of the mean above which an interval adds to the cumulative excess
 * @param cusumLimit      cumulative excess, in deviations, that fires
 * @param surgeFactor     how much every ratio and the reference grow while the subject's peer group surges
 * @param paceFloor       the least single-request visits in a sliding day that can fire the pace test
 * @param paceTail        the pace test's tail probability: it fires at a count a Poisson variable with the
 *                        subject's expected single visits per day reaches at most this often
 */
public record RateSpikeRule(long floor, double k, double ratio, int minIntervals, int mediumIntervals,
                            double mediumRatio, int longIntervals, double longRatio, double cusumReference,
                            double cusumLimit, double surgeFactor, int paceFloor, double paceTail) {

    public static final String NAME = "rate_spike";
    public static final String VERSION = "2";
    /** Peer awareness: what makes a member of a group elevated (see {@link #isElevated}). */
    private static final double ELEVATED_RATIO = 2.5;
    private static final int ELEVATED_LEAST = 10;
    /** Active days a subject's pace needs before the pace test judges it. */
    private static final int PACE_MIN_DAYS = 3;
    /** How many times its expectation a sliding day's single visits must reach, however many it has. */
    private static final double PACE_RATIO = 3;
    /** Windows of the pace test, in hours (each within {@link Pace#HOURS}). */
    private static final int[] PACE_WINDOWS = {3, 6, Pace.HOURS};
    /** Hours a person's day of visits is taken to spread over, at least. */
    private static final double PACE_ACTIVE_HOURS = 8;
    /** The medium pace signal (alerts only with another medium signal): floor, ratio and tail. */
    private static final int PACE_MEDIUM_FLOOR = 3;
    private static final double PACE_MEDIUM_RATIO = 2;
    private static final double PACE_MEDIUM_TAIL = 1e-2;
    /** The least expected single visits per day: a subject that never had one is not held to zero. */
    private static final double PACE_LEAST_MEAN = 0.25;

    public RateSpikeRule {
        if (floor < 1) {
            throw new IllegalArgumentException("floor must be at least 1");
        }
        if (!(k >= 0) || !(ratio >= 1) || !(mediumRatio >= 1) || !(longRatio >= 1)) {
            throw new IllegalArgumentException("k must not be negative and ratios must be at least 1");
        }
        if (minIntervals < 1) {
            throw new IllegalArgumentException("min intervals must be at least 1");
        }
        if (mediumIntervals < 2 || longIntervals <= mediumIntervals || longIntervals > 255) {
            throw new IllegalArgumentException("windows must satisfy 2 <= medium < long <= 255 intervals");
        }
        if (!(cusumReference >= 1) || !(cusumLimit > 0) || !(surgeFactor >= 1)) {
            throw new IllegalArgumentException("cusum reference >= 1, limit > 0 and surge factor >= 1 required");
        }
        if (paceFloor < 1 || !(paceTail > 0 && paceTail < 0.5)) {
            throw new IllegalArgumentException("pace floor must be at least 1 and pace tail in (0, 0.5)");
        }
    }

    /**
     * Floor 20, k 4, 6× in 10 min, 5× in 1 h and 4× in 6 h of the busy-hour baseline (with 10-minute
     * intervals), 6 busy intervals
     * before the baseline counts; CUSUM above 2× the mean firing at 12 deviations; peers surging
     * double every ratio; the pace test fires strongly at 5 single visits or more, at a Poisson tail of
     * 10⁻³ (per window; the windows overlap, so far fewer than one honest user in a thousand a day).
     */
    public static RateSpikeRule defaults() {
        return new RateSpikeRule(20, 4, 6.0, 6, 6, 5.0, 36, 4.0, 2.0, 12, 2.0, 5, 1e-3);
    }

    public RateSpikeRule withFloor(long value) {
        return new RateSpikeRule(value, k, ratio, minIntervals, mediumIntervals, mediumRatio, longIntervals, longRatio,
                cusumReference, cusumLimit, surgeFactor, paceFloor, paceTail);
    }

    public RateSpikeRule withK(double value) {
        return new RateSpikeRule(floor, value, ratio, minIntervals, mediumIntervals, mediumRatio, longIntervals,
                longRatio, cusumReference, cusumLimit, surgeFactor, paceFloor, paceTail);
    }

    public RateSpikeRule withRatio(double value) {
        return new RateSpikeRule(floor, k, value, minIntervals, mediumIntervals, mediumRatio, longIntervals,
                longRatio, cusumReference, cusumLimit, surgeFactor, paceFloor, paceTail);
    }

    public RateSpikeRule withMinIntervals(int value) {
        return new RateSpikeRule(floor, k, ratio, value, mediumIntervals, mediumRatio, longIntervals, longRatio,
                cusumReference, cusumLimit, surgeFactor, paceFloor, paceTail);
    }

    public RateSpikeRule withCusum(double reference, double limit) {
        return new RateSpikeRule(floor, k, ratio, minIntervals, mediumIntervals, mediumRatio, longIntervals,
                longRatio, reference, limit, surgeFactor, paceFloor, paceTail);
    }

    public RateSpikeRule withPace(int floorValue, double tailValue) {
        return new RateSpikeRule(floor, k, ratio, minIntervals, mediumIntervals, mediumRatio, longIntervals,
                longRatio, cusumReference, cusumLimit, surgeFactor, floorValue, tailValue);
    }

    public RateSpikeRule withSurgeFactor(double value) {
        return new RateSpikeRule(floor, k, ratio, minIntervals, mediumIntervals, mediumRatio, longIntervals,
                longRatio, cusumReference, cusumLimit, value, paceFloor, paceTail);
    }

    /** The bookkeeping judge for a subject whose peer group is ({@code surging}) or is not surging. */
    public RateJudge judge(boolean surging) {
        double factor = surging ? surgeFactor : 1;
        return new RateJudge() {
            @Override
            public double foldCap(DecayedRate baseline) {
                return isEstablished(baseline) ? threshold(baseline, 1, ratio * factor, floor) : Double.MAX_VALUE;
            }

            @Override
            public float cusum(float before, DecayedRate baseline, int count, long idleIntervals) {
                if (!isEstablished(baseline)) {
                    return 0;
                }
                double reference = reference(baseline, factor);
                double scale = scale(baseline);
                // Winsorised: one bursty interval adds at most a quarter of the limit, so the cumulative
                // test needs volume kept up over several intervals (a single burst is the windows' job).
                double step = Math.min(cusumLimit / 4, (count - reference) / scale);
                double after = Math.max(0, before + step);
                after = Math.max(0, after - Math.min(idleIntervals, longIntervals) * reference / scale);
                return (float) after;
            }

            @Override
            public int recentIntervals() {
                return longIntervals;
            }

            @Override
            public double paceFoldCap(DecayedRate daily) {
                return isPaceEstablished(daily) ? paceThreshold(daily, factor) - 1 : Double.MAX_VALUE;
            }

            @Override
            public double hourlyFoldCap(DecayedRate baseline) {
                return isEstablished(baseline) ? threshold(baseline, 1, mediumRatio * factor, floorFor(mediumIntervals))
                        : Double.MAX_VALUE;
            }
        };
    }

    /**
     * Whether the subject's current traffic to the route class is well above its own habit, for peer
     * awareness: the last hour above both 2.5× and 3σ over its busy-hour baseline (and at least 10
     * requests), or the cumulative excess half-way to its limit (these once {@code learned}), or the
     * single-request visits of the sliding day half-way to the pace test's threshold. A statistical excess, not a ratio
     * alone, so bursty people with two visits in one hour do not make every group look like it surges.
     */
    boolean isElevated(UserProfile profile, Observation observation, ProfileSettings settings, boolean learned) {
        if (isPaceElevated(profile.pace())) {
            return true;
        }
        Optional<UserProfile.RouteRate> found = profile.route(observation.routeClass());
        if (!learned || found.isEmpty() || !isEstablished(found.get().hourly())) {
            return false;
        }
        UserProfile.RouteRate route = found.get();
        DecayedRate hourly = route.hourly();
        double span = hours(mediumIntervals, settings);
        double expected = span * hourly.mean();
        double count = window(route, mediumIntervals, elapsedFraction(route.rate(), observation.time(), settings));
        boolean byWindow = count >= ELEVATED_LEAST && count > ELEVATED_RATIO * expected
                && count > expected + 3 * hourly.stdDev() * Math.sqrt(span);
        return byWindow || route.recent().cusum() >= cusumLimit / 2;
    }

    /** Single-request visits in the sliding day at least half-way to what the pace test fires at. */
    private boolean isPaceElevated(Pace pace) {
        DecayedRate daily = pace.daily();
        int observed = pace.singlesWithin(Pace.HOURS);
        return isPaceEstablished(daily) && observed >= paceFloor && observed * 2 >= paceThreshold(daily, 1);
    }

    /**
     * Judges the request {@code observation} against {@code profile} as rolled to its interval and
     * before it is learned; {@code surging} when the subject's peer group surges today.
     */
    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation, ProfileSettings settings,
                                      boolean surging) {
        return evaluate(profile, observation, settings, surging, true);
    }

    /**
     * As {@link #evaluate(UserProfile, Observation, ProfileSettings, boolean)}; with {@code learned} false
     * (the subject's learning period is not over) only the pace test judges, as soon as its own baseline
     * has {@value #PACE_MIN_DAYS} active days: a light user may take weeks to reach the learning
     * period's request count, and is exactly whom a paced script hides behind.
     */
    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation, ProfileSettings settings,
                                      boolean surging, boolean learned) {
        Optional<UserProfile.RouteRate> found = profile.route(observation.routeClass());
        if (found.isEmpty()) {
            return Optional.empty();
        }
        UserProfile.RouteRate route = found.get();
        if (!learned) {
            return paceFinding(observation, profile.pace(), route.rate(), surging ? surgeFactor : 1, surging);
        }
        DecayedRate rate = route.rate();
        double factor = surging ? surgeFactor : 1;
        double fraction = elapsedFraction(rate, observation.time(), settings);
        int[] sizes = {1, mediumIntervals, longIntervals};
        double[] ratios = {ratio, mediumRatio, longRatio};
        // The shortest window is judged per busy interval; windows of an hour or more per busy hour.
        DecayedRate[] baselines = {rate, route.hourly(), route.hourly()};
        double[] spans = {1, hours(mediumIntervals, settings), hours(longIntervals, settings)};
        for (int i = 0; i < sizes.length; i++) {
            double observed = window(route, sizes[i], fraction);
            double threshold = threshold(baselines[i], spans[i], ratios[i] * factor, floorFor(sizes[i]));
            if (observed > threshold) {
                long minutes = settings.rateInterval().toMinutes() * sizes[i];
                // Six hours above habit is what a busy honest day looks like too: it corroborates, alone it is observed.
                return Optional.of(finding(observation, baselines[i], Math.round(observed), threshold,
                        Findings.describe(java.time.Duration.ofMinutes(minutes)), ratios[i] * factor, surging,
                        "window", i < 2 ? Signal.Strength.STRONG : Signal.Strength.MEDIUM));
            }
        }
        if (isEstablished(rate)) {
            double cusum = route.recent().cusum();
            if (cusum >= cusumLimit) {
                return Optional.of(cusumFinding(observation, rate, route.recent(), cusum, factor, surging, settings));
            }
        }
        return coverageFinding(observation, route, factor, surging, settings)
                .or(() -> paceFinding(observation, profile.pace(), route.rate(), factor, surging));
    }

    /**
     * The pace test: single-request visits ({@link Pace}) in sliding windows of 3, 6 and 24 hours against
     * the subject's own single visits per active day. A person's requests come in visits of several
     * requests seconds apart; a script pacing itself (a few requests an hour from the victim's own
     * device, or low and slow all night) makes each request its own visit, one after the other, far
     * more of them than the person's baseline allows. λ, the expectation for a window of h hours, is
     * {@code max(0.25, μ + σ/2) × min(1, h/8)} (μ, σ of the single visits per active day; a day's worth is
     * allowed in any 8 hours) times the surge factor. A window fires at {@code max(paceFloor, 3λ, c)}, c
     * the least count a Poisson variable with mean λ reaches with probability at most {@code paceTail}.
     * Strong (it alerts alone), of the {@link SignalFamily#VOLUME volume} family (it throttles only
     * with a second family). Below that,
     * at {@code max(3, 2λ, c at 1 %)}, medium: it alerts only with another medium signal.
     */
    private Optional<ProfileFinding> paceFinding(Observation observation, Pace pace, DecayedRate rate,
                                                 double factor, boolean surging) {
        DecayedRate daily = pace.daily();
        if (!isPaceEstablished(daily)) {
            return Optional.empty();
        }
        ProfileFinding medium = null;
        for (int hours : PACE_WINDOWS) {
            int observed = pace.singlesWithin(hours);
            if (observed < PACE_MEDIUM_FLOOR) {
                continue;
            }
            double lambda = paceMean(daily, factor) * paceShare(hours);
            // Cheap screen first: the exact tails are computed only for a count well above the expectation.
            if (observed < PACE_MEDIUM_RATIO * lambda) {
                continue;
            }
            int strong = paceThreshold(lambda);
            int least = (int) Math.min(strong, Math.max(Math.max(PACE_MEDIUM_FLOOR,
                    poissonQuantile(lambda, PACE_MEDIUM_TAIL)), Math.ceil(PACE_MEDIUM_RATIO * lambda)));
            if (observed >= strong) {
                return Optional.of(paceFinding(observation, rate, daily, hours, observed, strong, lambda, true,
                        surging));
            }
            // Below the strong threshold, a paced script is still unusual enough to corroborate another
            // medium signal (a new client family: a script with the victim's token), never to alert alone.
            if (observed >= least && medium == null) {
                medium = paceFinding(observation, rate, daily, hours, observed, least, lambda, false, surging);
            }
        }
        return Optional.ofNullable(medium);
    }

    private ProfileFinding paceFinding(Observation observation, DecayedRate rate, DecayedRate daily, int hours,
                                       int observed, int threshold, double lambda, boolean isStrong, boolean surging) {
        String observedText = String.format(Locale.ROOT, "%d requests that were each a visit of their own (no other "
                + "request within %d minutes) in the last %d hours", observed, Pace.VISIT_GAP / 60_000, hours);
        Figures figures = new Figures("single_request_visits", observed, observedText, Math.round(lambda),
                String.format(Locale.ROOT, "%.1f (σ %.1f) single-request visits per active day over %d days; "
                        + "%.2f expected in %d h", daily.mean(), daily.stdDev(), daily.intervals(), lambda, hours),
                threshold,
                String.format(Locale.ROOT, "at least max(%d, %.0f × %.2f, Poisson(%.2f) tail %.0e)%s",
                        isStrong ? paceFloor : PACE_MEDIUM_FLOOR, isStrong ? PACE_RATIO : PACE_MEDIUM_RATIO, lambda,
                        lambda, isStrong ? paceTail : PACE_MEDIUM_TAIL, surging ? " (peer group surging)" : ""));
        return build(observation, rate, observedText, figures, Alert.Severity.MEDIUM, hours + " h", "pace", surging,
                isStrong ? Signal.Strength.STRONG : Signal.Strength.MEDIUM);
    }

    /**
     * The share of a day's single visits a window of {@code hours} may hold: a person's day is spread
     * over at least {@value #PACE_ACTIVE_HOURS} active hours (a whole day's worth is allowed in any 8 h),
     * a script's single visits come one after the other.
     */
    private static double paceShare(int hours) {
        return Math.min(1, hours / PACE_ACTIVE_HOURS);
    }

    private boolean isPaceEstablished(DecayedRate daily) {
        return daily.intervals() >= PACE_MIN_DAYS;
    }

    private static double paceMean(DecayedRate daily, double factor) {
        return Math.max(PACE_LEAST_MEAN, daily.mean() + daily.stdDev() / 2) * factor;
    }

    /** The least single-visit count in a sliding day that fires for {@code daily} (see {@link #paceFinding}). */
    int paceThreshold(DecayedRate daily, double factor) {
        return paceThreshold(paceMean(daily, factor));
    }

    /** The least single-visit count that fires strongly where {@code lambda} are expected. */
    int paceThreshold(double lambda) {
        // Day-to-day counts of a heavy user vary more than a Poisson variable's: a ratio bounds them too.
        return (int) Math.max(Math.max(paceFloor, poissonQuantile(lambda, paceTail)), Math.ceil(PACE_RATIO * lambda));
    }

    /**
     * The least c with P(X ≥ c) ≤ {@code tail} for X Poisson with mean {@code lambda} (c above the mode).
     * Hand-written because the build carries no statistics library and this is a dozen lines: the
     * probabilities are taken relative to the mode's (P(k−1)/P(k) = k/λ, P(k+1)/P(k) = λ/(k+1)), so
     * nothing underflows even for a service account's thousands a day; the sums stop once terms are
     * negligible, a few times √λ terms each way.
     */
    static int poissonQuantile(double lambda, double tail) {
        if (!(lambda > 0)) {
            return 1;
        }
        int mode = (int) Math.floor(lambda);
        double below = 0;
        double term = 1;
        for (int k = mode; k > 0 && term > 1e-18; k--) {
            term *= k / lambda;
            below += term;
        }
        double above = 0;
        term = 1;
        for (int k = mode; term > 1e-18; k++) {
            above += term;
            term *= lambda / (k + 1);
        }
        double total = below + above;
        double remaining = above;
        term = 1;
        int k = mode;
        while (remaining > tail * total && term > 1e-18) {
            remaining -= term;
            term *= lambda / (k + 1);
            k++;
        }
        return Math.max(k, mode + 1);
    }

    /**
     * The coverage test: how many of the intervals of the last two hours (one hour) were busy, against
     * the subject's busy intervals per busy hour. A person's visits are a few minutes long; a script on
     * their device keeps every interval busy, even at the person's own pace. At least 8 of 12 intervals
     * and more than {@code 2·μ + max(k·σ·√2, 2)} busy in two hours is strong; 5 of 6 and more than
     * {@code μ + max(k·σ, 1)} in one hour is medium (it alerts with a second medium signal, such as a new
     * client family). Both grow by the surge factor while the peer group surges.
     */
    private Optional<ProfileFinding> coverageFinding(Observation observation, UserProfile.RouteRate route,
                                                     double factor, boolean surging, ProfileSettings settings) {
        DecayedRate coverage = route.coverage();
        if (!isEstablished(coverage)) {
            return Optional.empty();
        }
        int perHour = (int) Math.max(1, UserProfile.HOUR_MILLIS / settings.rateInterval().toMillis());
        int[] hours = {2, 1};
        int[] least = {(2 * 2 * perHour + 2) / 3, perHour - 1};
        for (int i = 0; i < hours.length; i++) {
            int n = hours[i] * perHour;
            int busy = 1;
            for (int j = 0; j < n - 1; j++) {
                busy += route.recent().count(j) > 0 ? 1 : 0;
            }
            double expected = hours[i] * coverage.mean();
            // Strictly above the tail, by at least one interval per hour: someone busy in every interval as a
            // rule can never exceed their own habit.
            double tail = (expected + Math.max(k * coverage.stdDev() * Math.sqrt(hours[i]), hours[i])) * factor;
            double threshold = Math.max(least[i] * factor, Math.floor(tail) + 1);
            if (busy >= threshold) {
                String window = Findings.describe(settings.rateInterval().multipliedBy(n));
                String observedText = String.format(Locale.ROOT, "requests to %s in %d of the last %d intervals (%s); "
                        + "usually %.1f busy intervals per busy hour", observation.routeClass(), busy, n, window,
                        coverage.mean());
                Figures figures = new Figures("busy_intervals", busy, observedText, Math.round(expected),
                        String.format(Locale.ROOT, "%.1f (σ %.1f) busy intervals per busy hour", coverage.mean(),
                                coverage.stdDev()), (long) Math.ceil(threshold),
                        String.format(Locale.ROOT, "at least max(%d, expectation + %.1fσ)%s busy intervals in %s",
                                least[i], k, surging ? " × the surge factor (peer group surging)" : "", window));
                return Optional.of(build(observation, route.rate(), observedText, figures, Alert.Severity.MEDIUM,
                        window, "coverage", surging, i == 0 ? Signal.Strength.STRONG : Signal.Strength.MEDIUM));
            }
        }
        return Optional.empty();
    }

    /**
     * The count above which a window spanning {@code n} of {@code baseline}'s intervals fires at
     * {@code times} the expectation, never below {@code floorN}.
     */
    double threshold(DecayedRate baseline, double n, double times, double floorN) {
        if (!isEstablished(baseline)) {
            return 5 * floorN;
        }
        double expected = n * baseline.mean();
        return Math.max(floorN, Math.max(times * expected, expected + k * baseline.stdDev() * Math.sqrt(n)));
    }

    /** The floor of a window of {@code n} intervals: the single-interval floor grown by the fourth root of n. */
    double floorFor(int n) {
        return floor * Math.sqrt(Math.sqrt(n));
    }

    private static double hours(int intervals, ProfileSettings settings) {
        return intervals * settings.rateInterval().toMillis() / (double) UserProfile.HOUR_MILLIS;
    }

    private boolean isEstablished(DecayedRate rate) {
        return rate.intervals() >= minIntervals;
    }

    private double reference(DecayedRate rate, double factor) {
        return cusumReference * factor * rate.mean() + 0.5 * rate.stdDev();
    }

    private static double scale(DecayedRate rate) {
        return Math.max(1, Math.max(rate.stdDev(), Math.sqrt(rate.mean())));
    }

    private static double elapsedFraction(DecayedRate rate, long time, ProfileSettings settings) {
        double f = (time - rate.currentStart()) / (double) settings.rateInterval().toMillis();
        return Math.max(0, Math.min(1, f));
    }

    /**
     * Requests in the sliding window of {@code n} intervals ending now, this request included: the
     * interval in progress, the {@code n − 1} before it, and the part of the one before those still
     * inside the window.
     */
    private static double window(UserProfile.RouteRate route, int n, double fraction) {
        RecentCounts recent = route.recent();
        double count = route.rate().currentCount() + 1;
        for (int i = 0; i < n - 1; i++) {
            count += recent.count(i);
        }
        return count + recent.count(n - 1) * (1 - fraction);
    }

    private ProfileFinding finding(Observation observation, DecayedRate rate, long observed, double threshold,
                                   String window, double times, boolean surging, String test,
                                   Signal.Strength strength) {
        String routeClass = observation.routeClass();
        String observedText = observed + " requests to " + routeClass + " within the last " + window;
        String baseline = isEstablished(rate)
                ? String.format(Locale.ROOT, "mean %.1f (σ %.1f) requests per busy interval over %d intervals",
                rate.mean(), rate.stdDev(), rate.intervals())
                : rate.intervals() + " busy intervals learned, fewer than " + minIntervals + ": only the floor applies";
        String thresholdText = String.format(Locale.ROOT, "above %.1f per %s = max(floor, %.1f × expectation, "
                + "expectation + %.1fσ)%s", threshold, window, times, k, surging ? " (peer group surging)" : "");
        Figures figures = new Figures("requests_per_window", observed, observedText, Math.round(rate.mean()),
                baseline, (long) Math.floor(threshold) + 1, thresholdText);
        Alert.Severity severity = observed >= 3 * threshold ? Alert.Severity.HIGH : Alert.Severity.MEDIUM;
        return build(observation, rate, observedText, figures, severity, window, test, surging, strength);
    }

    private ProfileFinding cusumFinding(Observation observation, DecayedRate rate, RecentCounts recent, double cusum,
                                        double factor, boolean surging, ProfileSettings settings) {
        String observedText = String.format(Locale.ROOT, "sustained volume to %s: cumulative excess %.1f deviations "
                + "above %.1f× the baseline", observation.routeClass(), cusum, cusumReference * factor);
        Figures figures = new Figures("cumulative_excess", Math.round(cusum), observedText, 0,
                String.format(Locale.ROOT, "mean %.1f (σ %.1f) per busy %s", rate.mean(), rate.stdDev(),
                        Findings.describe(settings.rateInterval())),
                Math.round(cusumLimit), String.format(Locale.ROOT, "a CUSUM of %.0f deviations above %.1f× the mean%s",
                cusumLimit, cusumReference * factor, surging ? " (peer group surging)" : ""));
        return build(observation, rate, observedText, figures, Alert.Severity.MEDIUM, "cumulative", "cusum",
                surging, Signal.Strength.STRONG);
    }

    private ProfileFinding build(Observation observation, DecayedRate rate, String observedText, Figures figures,
                                 Alert.Severity severity, String window, String test, boolean surging,
                                 Signal.Strength strength) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("route_class", observation.routeClass());
        details.put("test", test);
        details.put("window", window);
        details.put("mean", round2(rate.mean()));
        details.put("std_dev", round2(rate.stdDev()));
        details.put("busy_intervals", rate.intervals());
        details.put("peer_group_surging", surging);
        return new ProfileFinding(NAME, VERSION, severity, "Request rate far above the subject's baseline",
                "One subject sent many more requests to one route class than its own learned baseline allows, in a "
                        + "burst or sustained for hours. A stolen token driven by a script, or a client gone wrong.",
                observedText, figures, List.of(),
                List.of(ProfileFinding.TOKEN_USE, new Alert.Attack("15.1",
                        new Alert.Technique("T1119", "Automated Collection"), new Alert.Tactic("TA0009", "Collection"))),
                details, List.of(new Signal(NAME, SignalFamily.VOLUME, strength)));
    }

    static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
