package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numbers behind a finding, so every alert states what was observed, what is normal and the
 * threshold that fired: as an OCSF {@code anomaly_analysis} (anomaly = the observed value;
 * baselines = the normal value and the threshold) and as plain numbers in {@code unmapped.figures}
 * for SIEM queries. Immutable.
 *
 * @param parameter        what was measured, e.g. {@code forgery_rejections}
 * @param observed         the value that fired
 * @param observedPattern  the observation in words
 * @param baseline         what a normal client shows
 * @param baselinePattern  why that is normal
 * @param threshold        the value at or above which the rule fires
 * @param thresholdPattern the threshold in words (with its window)
 */
record Figures(String parameter, long observed, String observedPattern, long baseline, String baselinePattern,
               long threshold, String thresholdPattern) {

    Alert.AnomalyAnalysis analysis(Alert.AnalysisTarget target) {
        return new Alert.AnomalyAnalysis(
                List.of(anomaly("count", observed, observedPattern)),
                List.of(anomaly("baseline", baseline, baselinePattern),
                        anomaly("threshold", threshold, thresholdPattern)),
                List.of(target));
    }

    Map<String, Object> unmapped() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("parameter", parameter);
        figures.put("observed", observed);
        figures.put("baseline", baseline);
        figures.put("threshold", threshold);
        return figures;
    }

    private Alert.Anomaly anomaly(String type, long value, String pattern) {
        int count = (int) Math.min(Integer.MAX_VALUE, value);
        return new Alert.Anomaly(parameter, type, List.of(new Alert.Observation(Long.toString(value), count)),
                pattern);
    }
}
