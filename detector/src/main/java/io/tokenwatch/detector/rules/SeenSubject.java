package io.tokenwatch.detector.rules;

/**
 * Value of the anomalous-token subject store: when the rule first and last saw a subject's token, so
 * that lifetime outliers are judged for subjects never seen before. Immutable.
 *
 * @param firstSeen epoch ms
 * @param lastSeen  epoch ms, refreshed at most once a day
 */
public record SeenSubject(long firstSeen, long lastSeen) {
}
