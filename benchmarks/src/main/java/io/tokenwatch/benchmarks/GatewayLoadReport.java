package io.tokenwatch.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The figures of the gateway load run: per measured round of one mode (filter on or off) the request
 * count, the measured time and every request's latency; per mode the throughput over all its rounds
 * and the latency percentiles over all its requests; and the throughput ratio on / off against the
 * DESIGN.md §5 target (≥ 85 %). Percentiles are nearest-rank over the recorded samples.
 *
 * <p>Not thread-safe: filled by the coordinating thread after each round.
 */
final class GatewayLoadReport {

    /** DESIGN.md §5: gateway throughput with all layers on vs the same proxy with the filter off. */
    static final double TARGET_RATIO = 0.85;

    /** Which gateway a round measured. */
    enum Mode {
        ON("filter on"), OFF("filter off");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /** One measured round: {@code latenciesNanos} holds one entry per completed request. */
    record Round(int number, Mode mode, long nanos, long[] latenciesNanos, long errors) {
        long requests() {
            return latenciesNanos.length;
        }

        double perSecond() {
            return requests() * 1e9 / nanos;
        }
    }

    /** Aggregate of one mode. */
    record Summary(Mode mode, int rounds, long requests, double perSecond, double p50Millis, double p99Millis,
                   long errors) {
    }

    private final List<Round> rounds = new ArrayList<>();

    void add(Round round) {
        rounds.add(round);
    }

    List<Round> rounds() {
        return List.copyOf(rounds);
    }

    Summary summary(Mode mode) {
        List<Round> of = rounds.stream().filter(r -> r.mode() == mode).toList();
        if (of.isEmpty()) {
            throw new IllegalStateException("no round measured " + mode.label);
        }
        long requests = of.stream().mapToLong(Round::requests).sum();
        long nanos = of.stream().mapToLong(Round::nanos).sum();
        long errors = of.stream().mapToLong(Round::errors).sum();
        long[] all = new long[Math.toIntExact(requests)];
        int at = 0;
        for (Round round : of) {
            System.arraycopy(round.latenciesNanos(), 0, all, at, round.latenciesNanos().length);
            at += round.latenciesNanos().length;
        }
        Arrays.sort(all);
        return new Summary(mode, of.size(), requests, requests * 1e9 / nanos, percentile(all, 50) / 1e6,
                percentile(all, 99) / 1e6, errors);
    }

    /** Throughput with the filter on over throughput with it off, over all measured rounds. */
    double ratio() {
        return summary(Mode.ON).perSecond() / summary(Mode.OFF).perSecond();
    }

    /** Nearest-rank percentile (the smallest sample with at least p % of samples at or below it) of sorted samples. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /** The per-round lines, then the side-by-side table and the ratio against the target. */
    String format() {
        StringBuilder out = new StringBuilder();
        out.append("round  mode        requests     req/s   p50 ms   p99 ms  errors\n");
        for (Round r : rounds) {
            long[] sorted = r.latenciesNanos().clone();
            Arrays.sort(sorted);
            out.append(String.format(Locale.ROOT, "%5d  %-10s %9d %9.0f %8.2f %8.2f %7d%n", r.number(), r.mode().label,
                    r.requests(), r.perSecond(), percentile(sorted, 50) / 1e6, percentile(sorted, 99) / 1e6,
                    r.errors()));
        }
        out.append('\n');
        out.append("| gateway | rounds | requests | req/s | p50 | p99 | errors |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Mode mode : Mode.values()) {
            Summary s = summary(mode);
            out.append(String.format(Locale.ROOT, "| %s | %d | %d | %.0f | %.2f ms | %.2f ms | %d |%n", mode.label,
                    s.rounds(), s.requests(), s.perSecond(), s.p50Millis(), s.p99Millis(), s.errors()));
        }
        double ratio = ratio();
        out.append(String.format(Locale.ROOT, "%nthroughput on / off: %.1f %% (target >= %.0f %%) %s%n", ratio * 100,
                TARGET_RATIO * 100, ratio >= TARGET_RATIO ? "met" : "NOT met"));
        return out.toString();
    }
}
