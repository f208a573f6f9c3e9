package io.tokenwatch.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the JSON result of a {@link FilterBenchmark} run ({@code -rf json -rff FILE}) into the
 * DESIGN.md §5 ratios, one row per algorithm:
 *
 * <ul>
 *   <li>pipelineCold / bareJjwt, target ≤ {@value #COLD_OVER_BARE_MAX};</li>
 *   <li>pipelineCached in µs, target ≤ {@value #CACHED_MAX_MICROS};</li>
 *   <li>nimbus / pipelineCold, target &gt; 1 (the filter is faster).</li>
 * </ul>
 *
 * A report, not a gate: it always exits 0 once it could read the file. Stateless.
 *
 * <pre>{@code java -cp benchmarks/target/benchmarks.jar io.tokenwatch.benchmarks.RatioReport benchmarks/target/jmh-result.json}</pre>
 *
 * Given several files (one per algorithm, as {@code run-filter-benchmark.sh} writes), it reads them
 * all; a later row for the same method and algorithm replaces an earlier one.
 */
public final class RatioReport {

    static final double COLD_OVER_BARE_MAX = 1.3;
    static final double CACHED_MAX_MICROS = 3.0;

    private static final String BENCHMARK = FilterBenchmark.class.getName() + ".";
    private static final List<String> ALGORITHMS = List.of("HS256", "RS256", "PS256", "ES256", "EdDSA");

    private RatioReport() {
    }

    /** Reads one or more JMH JSON results (e.g. one per algorithm) and prints the ratio table. */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: RatioReport <jmh-result.json>...");
            System.exit(2);
        }
        List<Score> scores = new ArrayList<>();
        for (String file : args) {
            scores.addAll(read(Files.readString(Path.of(file))));
        }
        print(scores, System.out);
    }

    /** One JMH primary result, in microseconds per operation. */
    record Score(String method, String alg, double micros, double errorMicros) {
    }

    /** The FilterBenchmark rows of a JMH JSON result; other benchmarks in the file are ignored. */
    static List<Score> read(String json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        List<Score> scores = new ArrayList<>();
        for (JsonNode run : root) {
            String name = run.path("benchmark").asText();
            if (!name.startsWith(BENCHMARK)) {
                continue;
            }
            JsonNode metric = run.path("primaryMetric");
            double toMicros = microsPer(metric.path("scoreUnit").asText());
            double error = metric.path("scoreError").asDouble(Double.NaN);
            scores.add(new Score(name.substring(BENCHMARK.length()), run.path("params").path("alg").asText(),
                    metric.path("score").asDouble() * toMicros, error * toMicros));
        }
        return scores;
    }

    private static double microsPer(String unit) {
        return switch (unit) {
            case "ns/op" -> 1e-3;
            case "us/op" -> 1.0;
            case "ms/op" -> 1e3;
            case "s/op" -> 1e6;
            default -> throw new IllegalArgumentException("not an AverageTime unit: " + unit
                    + " (run FilterBenchmark in its default mode)");
        };
    }

    static void print(List<Score> scores, PrintStream out) {
        Map<String, Map<String, Score>> byAlg = new LinkedHashMap<>();
        for (String alg : ALGORITHMS) {
            byAlg.put(alg, new LinkedHashMap<>());
        }
        for (Score s : scores) {
            byAlg.computeIfAbsent(s.alg(), a -> new LinkedHashMap<>()).put(s.method(), s);
        }

        // ASCII only: the console of a CI or a POSIX-locale shell may not print anything else.
        out.println("FilterBenchmark, average time per token in us (+- JMH 99.9% half-interval)");
        out.println();
        out.printf(Locale.ROOT, "| alg | bareJjwt | pipelineCold | cold/bare (<= %.1f) | pipelineCached (<= %.0f us) "
                + "| nimbus | nimbus/cold (> 1) |%n", COLD_OVER_BARE_MAX, CACHED_MAX_MICROS);
        out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, Map<String, Score>> row : byAlg.entrySet()) {
            Map<String, Score> m = row.getValue();
            if (m.isEmpty()) {
                continue;
            }
            Optional<Score> bare = Optional.ofNullable(m.get("bareJjwt"));
            Optional<Score> cold = Optional.ofNullable(m.get("pipelineCold"));
            Optional<Score> cached = Optional.ofNullable(m.get("pipelineCached"));
            Optional<Score> nimbus = Optional.ofNullable(m.get("nimbus"));
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s |%n", row.getKey(),
                    time(bare), time(cold),
                    ratio(cold, bare, r -> r <= COLD_OVER_BARE_MAX),
                    cached.map(s -> time(cached) + verdict(s.micros() <= CACHED_MAX_MICROS)).orElse("n/a"),
                    time(nimbus),
                    ratio(nimbus, cold, r -> r > 1.0));
        }
        out.println();
        out.println("n/a: that benchmark did not run or failed (e.g. Nimbus EdDSA without Tink).");
        out.println("Ratios are of means; with two benchmarks each +- e%, a ratio is good to about +- 2e%.");
    }

    private static String time(Optional<Score> score) {
        // JMH reports no error (NaN) for a single measurement iteration.
        return score.map(s -> Double.isNaN(s.errorMicros())
                        ? String.format(Locale.ROOT, "%.2f", s.micros())
                        : String.format(Locale.ROOT, "%.2f +- %.2f", s.micros(), s.errorMicros()))
                .orElse("n/a");
    }

    private static String ratio(Optional<Score> numerator, Optional<Score> denominator,
                                java.util.function.DoublePredicate meetsTarget) {
        if (numerator.isEmpty() || denominator.isEmpty()) {
            return "n/a";
        }
        double r = numerator.get().micros() / denominator.get().micros();
        return String.format(Locale.ROOT, "%.2f", r) + verdict(meetsTarget.test(r));
    }

    private static String verdict(boolean met) {
        return met ? " ok" : " MISS";
    }
}
