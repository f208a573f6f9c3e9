package io.tokenwatch.detector.explain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Value of the {@link RecentAlertsProcessor#STORE} store: a subject's latest alerts, oldest first,
 * at most {@link #MAX} of them. Immutable.
 *
 * @param alerts the summaries, oldest first
 */
public record RecentAlerts(List<AlertSummary> alerts) {

    /** How many alerts are kept per subject. */
    public static final int MAX = 10;

    public RecentAlerts {
        alerts = alerts == null ? List.of() : List.copyOf(alerts);
    }

    public static RecentAlerts none() {
        return new RecentAlerts(List.of());
    }

    /** With {@code summary} added, dropping the oldest beyond {@link #MAX}. */
    public RecentAlerts with(AlertSummary summary) {
        List<AlertSummary> next = new ArrayList<>(alerts);
        next.add(summary);
        next.sort(Comparator.comparingLong(AlertSummary::time));
        while (next.size() > MAX) {
            next.remove(0);
        }
        return new RecentAlerts(next);
    }

    /** The time of the newest alert, or {@link Long#MIN_VALUE} if none. */
    public long latest() {
        return alerts.isEmpty() ? Long.MIN_VALUE : alerts.get(alerts.size() - 1).time();
    }
}
