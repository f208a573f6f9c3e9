package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.DecayedRate;
import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.ProfileSettings;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.schemas.Alert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rate spike: more requests of one subject to one route class in the current interval than
 * {@code max(floor, mean + k·σ, ratio × mean)} of its learned busy intervals ({@link DecayedRate}).
 * The seed's monitor used {@code ratio} 3.0 against an hourly baseline. While a route class has fewer
 * than {@code minIntervals} busy intervals learned, its mean and σ mean little and only the floor
 * applies. A baseline rule: silent during the learning period. Immutable; evaluation is stateless.
 *
 * @param floor        the least count that can ever fire, per interval
 * @param k            how many standard deviations above the mean fire
 * @param ratio        how many times the mean fires
 * @param minIntervals busy intervals a route class needs before mean and σ count
 */
public record RateSpikeRule(long floor, double k, double ratio, int minIntervals) {

    public static final String NAME = "rate_spike";
    public static final String VERSION = "1";

    public RateSpikeRule {
        if (floor < 1) {
            throw new IllegalArgumentException("floor must be at least 1");
        }
        if (!(k >= 0) || !(ratio >= 1)) {
            throw new IllegalArgumentException("k must not be negative and ratio must be at least 1");
        }
        if (minIntervals < 1) {
            throw new IllegalArgumentException("min intervals must be at least 1");
        }
    }

    /** Floor 100 per interval, k 3, ratio 3.0 (the seed's), 5 busy intervals before the baseline counts. */
    public static RateSpikeRule defaults() {
        return new RateSpikeRule(100, 3, 3.0, 5);
    }

    public RateSpikeRule withFloor(long value) {
        return new RateSpikeRule(value, k, ratio, minIntervals);
    }

    public RateSpikeRule withK(double value) {
        return new RateSpikeRule(floor, value, ratio, minIntervals);
    }

    public RateSpikeRule withRatio(double value) {
        return new RateSpikeRule(floor, k, value, minIntervals);
    }

    public RateSpikeRule withMinIntervals(int value) {
        return new RateSpikeRule(floor, k, ratio, value);
    }

    /** The count per interval above which {@code rate} fires. */
    public double threshold(DecayedRate rate) {
        if (!isEstablished(rate)) {
            return floor;
        }
        return Math.max(floor, Math.max(rate.mean() + k * rate.stdDev(), ratio * rate.mean()));
    }

    /**
     * The most an interval may add to {@code rate} when it is folded in: its threshold once the
     * baseline is established, so a flagged spike does not become the new normal; a real lasting rise
     * still moves the mean, by up to {@code ratio} per interval.
     */
    public double foldCap(DecayedRate rate) {
        return isEstablished(rate) ? threshold(rate) : Double.MAX_VALUE;
    }

    private boolean isEstablished(DecayedRate rate) {
        return rate.intervals() >= minIntervals;
    }

    /**
     * Judges the request {@code observation} against {@code profile} as rolled to its interval and
     * before it is learned.
     */
    Optional<ProfileFinding> evaluate(UserProfile profile, Observation observation, ProfileSettings settings) {
        Optional<DecayedRate> found = profile.rate(observation.routeClass());
        if (found.isEmpty()) {
            return Optional.empty();
        }
        DecayedRate rate = found.get();
        long observed = (long) rate.currentCount() + 1;
        double threshold = threshold(rate);
        if (observed <= threshold) {
            return Optional.empty();
        }
        String interval = Findings.describe(settings.rateInterval());
        String routeClass = observation.routeClass();
        String observedText = observed + " requests to " + routeClass + " within the current " + interval;
        Figures figures = new Figures("requests_per_interval", observed, observedText, Math.round(rate.mean()),
                baselineText(rate, interval), (long) Math.floor(threshold) + 1, thresholdText(rate, threshold, interval));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("route_class", routeClass);
        details.put("interval_start", rate.currentStart());
        details.put("interval_ms", settings.rateInterval().toMillis());
        details.put("mean", round2(rate.mean()));
        details.put("std_dev", round2(rate.stdDev()));
        details.put("busy_intervals", rate.intervals());
        Alert.Severity severity = observed >= 3 * threshold ? Alert.Severity.HIGH : Alert.Severity.MEDIUM;
        return Optional.of(new ProfileFinding(NAME, VERSION, severity, "Request rate far above the subject's baseline",
                "One subject sent many more requests to one route class in the current interval than its learned "
                        + "baseline allows. A stolen token driven by a script, or a client gone wrong.",
                observedText, figures, List.of(),
                List.of(ProfileFinding.TOKEN_USE, new Alert.Attack("15.1",
                        new Alert.Technique("T1119", "Automated Collection"), new Alert.Tactic("TA0009", "Collection"))),
                details));
    }

    private String baselineText(DecayedRate rate, String interval) {
        if (!isEstablished(rate)) {
            return rate.intervals() + " busy intervals learned for this route class, fewer than " + minIntervals
                    + ": only the floor applies";
        }
        return String.format(java.util.Locale.ROOT, "mean %.1f (σ %.1f) requests per busy %s over %d intervals",
                rate.mean(), rate.stdDev(), interval, rate.intervals());
    }

    private String thresholdText(DecayedRate rate, double threshold, String interval) {
        if (!isEstablished(rate)) {
            return "above the floor of " + floor + " per " + interval;
        }
        return String.format(java.util.Locale.ROOT,
                "above %.1f per %s = max(floor %d, mean + %.1fσ = %.1f, %.1f × mean = %.1f)", threshold, interval,
                floor, k, rate.mean() + k * rate.stdDev(), ratio, ratio * rate.mean());
    }

    static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
