package io.tokenwatch.benchmarks;

import io.tokenwatch.filter.core.FilterRequest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * A second view of the {@link FilterBenchmark} figures for a machine too loaded for JMH's wall-clock
 * averages: the same fixture and the same four operations, but measured in <em>thread CPU time</em>
 * (time the benchmark thread was running, not waiting for a core) and <em>interleaved</em>: each
 * round runs a short slice of every operation, in a rotating order, so the two sides of a ratio are
 * measured milliseconds apart rather than minutes. The figure per operation is the median over the
 * rounds; the ± is half the interquartile range. Then {@link RatioReport} prints the usual table.
 *
 * <p>What it does not remove: other processes still share the caches and, with SMT, the cores, so
 * CPU times on a loaded machine are higher than on an idle one; ratios suffer far less. JMH remains
 * the reference method ({@code run-filter-benchmark.sh}); this one is for when its error bars are
 * wider than the effect.
 *
 * <pre>{@code java -cp benchmarks/target/benchmarks.jar io.tokenwatch.benchmarks.InterleavedCpuReport [ALG...]}</pre>
 *
 * Not thread-safe; a command-line tool.
 */
public final class InterleavedCpuReport {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int ROUNDS = 21;
    private static final long WARM_UP_NANOS = 4_000_000_000L;
    private static final long SLICE_NANOS = 40_000_000L;
    private static final List<String> METHODS = List.of("bareJjwt", "pipelineCold", "pipelineCached", "nimbus");

    /** Keeps results alive so the JIT cannot drop the work. */
    private static volatile Object sink;

    private InterleavedCpuReport() {
    }

    public static void main(String[] args) {
        if (!THREADS.isCurrentThreadCpuTimeSupported()) {
            System.err.println("this JVM cannot measure thread CPU time");
            System.exit(2);
        }
        List<SigningAlgorithm> algs = new ArrayList<>();
        for (String arg : args.length == 0 ? new String[] {"HS256", "RS256", "PS256", "ES256", "EdDSA"} : args) {
            algs.add(SigningAlgorithm.valueOf(arg));
        }
        List<RatioReport.Score> scores = new ArrayList<>();
        for (SigningAlgorithm alg : algs) {
            scores.addAll(measure(alg));
        }
        System.out.println();
        System.out.println("Interleaved, thread CPU time: median of " + ROUNDS + " rounds, +- half the interquartile range");
        RatioReport.print(scores, System.out);
        System.exit(0);
    }

    private static List<RatioReport.Score> measure(SigningAlgorithm alg) {
        try (FilterFixture fixture = FilterFixture.create(alg, FilterBenchmark.TOKENS)) {
            fixture.requireEveryPathAccepts();
            String hotToken = fixture.token(0);
            String hotIp = fixture.clientIp(0);
            int mask = FilterBenchmark.TOKENS - 1;
            List<IntFunction<Object>> ops = List.of(
                    i -> fixture.bareJjwt().parseSignedClaims(fixture.token(i & mask)),
                    i -> fixture.coldFilter().check(FilterRequest.bearer("GET", FilterFixture.ROUTE,
                            fixture.token(i & mask), fixture.clientIp(i & mask))),
                    i -> fixture.cachingFilter().check(FilterRequest.bearer("GET", FilterFixture.ROUTE, hotToken, hotIp)),
                    i -> fixture.nimbus().orElseThrow().decode(fixture.token(i & mask)));
            int[] batch = new int[ops.size()];
            int[] cursor = new int[ops.size()];
            // Warm-up, in slices, until each operation has had its share: also sizes each slice.
            long warmStart = System.nanoTime();
            while (System.nanoTime() - warmStart < WARM_UP_NANOS) {
                for (int m = 0; m < ops.size(); m++) {
                    double perOp = slice(ops.get(m), cursor, m, Math.max(1, batch[m]));
                    batch[m] = (int) Math.max(1, Math.min(1_000_000, SLICE_NANOS / Math.max(1.0, perOp)));
                }
            }
            double[][] rounds = new double[ops.size()][ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                for (int k = 0; k < ops.size(); k++) {
                    int m = (r + k) % ops.size();
                    rounds[m][r] = slice(ops.get(m), cursor, m, batch[m]);
                }
            }
            List<RatioReport.Score> scores = new ArrayList<>();
            for (int m = 0; m < ops.size(); m++) {
                double[] sorted = rounds[m].clone();
                Arrays.sort(sorted);
                double median = sorted[ROUNDS / 2] / 1000;
                double halfIqr = (sorted[ROUNDS * 3 / 4] - sorted[ROUNDS / 4]) / 2000;
                scores.add(new RatioReport.Score(METHODS.get(m), alg.jwsName(), median, halfIqr));
            }
            System.out.printf(Locale.ROOT, "# %s: %s%n", alg.jwsName(), scores);
            return scores;
        }
    }

    /** Runs {@code n} operations of method {@code m}; CPU nanoseconds per operation. */
    private static double slice(IntFunction<Object> op, int[] cursor, int m, int n) {
        int start = cursor[m];
        long before = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            sink = op.apply(start + i);
        }
        long after = THREADS.getCurrentThreadCpuTime();
        cursor[m] = start + n;
        return (after - before) / (double) n;
    }
}
