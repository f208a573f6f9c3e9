package io.tokenwatch.launcher.bench;

import io.tokenwatch.launcher.bench.QualityBench.AttackRow;
import io.tokenwatch.launcher.bench.QualityBench.BehaviourRow;
import io.tokenwatch.launcher.bench.QualityBench.Report;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints a {@link Report} as the benchmark's tables. Stateless and thread-safe. */
public final class QualityTables {

    private QualityTables() {
    }

    /** The attack table, the benign table and the overall figures of one seed or of several. */
    public static void print(Report report, String title, PrintWriter out) {
        List<Scenario> scenarios = report.scenarios();
        Scenario first = scenarios.get(0);
        String seeds = scenarios.stream().map(s -> Long.toString(s.seed())).collect(Collectors.joining(","));
        out.printf(Locale.ROOT, "== %s: seed%s %s; %d subjects, %d days of history + %d of evaluation; "
                        + "%d events through the detector topology (TopologyTestDriver) in %.1f s%n",
                title, scenarios.size() > 1 ? "s" : "", seeds, first.users(), first.historyDays(),
                first.evaluationDays(), report.events(), report.seconds());
        out.printf(Locale.ROOT, "%-26s %8s %8s %7s %9s %9s %9s %9s %7s  %s%n", "attack", "injected", "detected",
                "rate", "alert p50", "alert max", "contained", "cont. p50", "harmed", "alerts (rule: attacks) / containment");
        for (AttackRow row : report.attacks()) {
            out.printf(Locale.ROOT, "%-26s %8d %8d %7s %9s %9s %9d %9s %7s  %s / %s%n", row.type().label(),
                    row.injected(), row.detected(), percent(row.detected(), row.injected()),
                    seconds(median(row.alertDelays())), seconds(max(row.alertDelays())), row.contained(),
                    seconds(median(row.containDelays())), row.type().isForgery() ? Integer.toString(row.victimsHarmed())
                            : "-", summary(row.rules()), summary(row.actions()));
        }
        out.println();
        out.printf(Locale.ROOT, "%-26s %6s %8s %10s %8s %8s %9s %8s %8s  %s%n", "benign behaviour", "users",
                "false al", "/1000/day", "alerted", "revoked", "throttled", "1-signal", "step-up",
                "false alarms by rule");
        for (BehaviourRow row : report.behaviours()) {
            out.printf(Locale.ROOT, "%-26s %6d %8d %10.1f %8d %8d %9d %8d %8d  %s%n", row.behaviour().label(),
                    row.users(), row.falseAlarms(), row.perThousandPerDay(), row.usersAlerted(), row.revoked(),
                    row.throttled(), row.throttledAlone(), row.steppedUp(), summary(row.rules()));
        }
        BehaviourRow all = report.all();
        out.println();
        out.printf(Locale.ROOT, "detected: %s of attacks (%d of %d)%n", percent(report.detected(), report.injected()),
                report.detected(), report.injected());
        out.printf(Locale.ROOT, "false alarms per 1,000 benign users per day: %.1f (%d alerts, %d users x %d days)%n",
                all.perThousandPerDay(), all.falseAlarms(), all.users(), first.evaluationDays());
        out.printf(Locale.ROOT, "benign users revoked: %d of %d (reached by scope: %s); throttled: %d (%d on a "
                + "single signal); asked to step up: %d%n", all.revoked(), all.users(),
                summary(report.revokedByScope()), all.throttled(), all.throttledAlone(), all.steppedUp());
        int harmed = report.attacks().stream().filter(a -> a.type().isForgery()).mapToInt(AttackRow::victimsHarmed).sum();
        int forged = report.attacks().stream().filter(a -> a.type().isForgery()).mapToInt(AttackRow::injected).sum();
        out.printf(Locale.ROOT, "forged-token victims contained: %d of %d (must be 0, DESIGN.md §4)%n", harmed, forged);
        out.printf(Locale.ROOT, "alerts in the history days (not scored): %d; other evaluation alerts (about attacked "
                + "subjects outside their attack, or about no simulated user): %s%n", report.historyAlerts(),
                summary(report.otherAlerts()));
        if (report.subjects() > 0) {
            out.printf(Locale.ROOT, "state: %d live changelog keys, %.0f bytes per simulated subject (all stores, "
                            + "latest value per key; an upper bound for window stores)%n", report.stateKeys(),
                    report.stateBytes() / (double) report.subjects());
        }
        out.println();
        out.flush();
    }

    private static String summary(Map<String, Integer> counts) {
        return counts.isEmpty() ? "-" : counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String percent(int part, int whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    private static Long median(List<Long> sorted) {
        return sorted.isEmpty() ? null : sorted.get((sorted.size() - 1) / 2);
    }

    private static Long max(List<Long> sorted) {
        return sorted.isEmpty() ? null : sorted.get(sorted.size() - 1);
    }

    private static String seconds(Long millis) {
        if (millis == null) {
            return "-";
        }
        return millis < 600_000 ? String.format(Locale.ROOT, "%.0f s", millis / 1000.0)
                : String.format(Locale.ROOT, "%.0f min", millis / 60_000.0);
    }
}
