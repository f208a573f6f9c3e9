package io.tokenwatch.benchmarks;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RatioReportTest {

    private static final String RESULT = """
            [
              {"benchmark": "io.tokenwatch.benchmarks.FilterBenchmark.bareJjwt", "mode": "avgt",
               "params": {"alg": "RS256"},
               "primaryMetric": {"score": 40000.0, "scoreError": 400.0, "scoreUnit": "ns/op"}},
              {"benchmark": "io.tokenwatch.benchmarks.FilterBenchmark.pipelineCold", "mode": "avgt",
               "params": {"alg": "RS256"},
               "primaryMetric": {"score": 48.0, "scoreError": 1.0, "scoreUnit": "us/op"}},
              {"benchmark": "io.tokenwatch.benchmarks.FilterBenchmark.pipelineCached", "mode": "avgt",
               "params": {"alg": "RS256"},
               "primaryMetric": {"score": 2500.0, "scoreError": 10.0, "scoreUnit": "ns/op"}},
              {"benchmark": "io.tokenwatch.benchmarks.FilterBenchmark.nimbus", "mode": "avgt",
               "params": {"alg": "RS256"},
               "primaryMetric": {"score": 60000.0, "scoreError": 600.0, "scoreUnit": "ns/op"}},
              {"benchmark": "some.OtherBenchmark.run", "mode": "avgt", "params": {"alg": "RS256"},
               "primaryMetric": {"score": 1.0, "scoreError": 0.0, "scoreUnit": "ns/op"}}
            ]
            """;

    @Test
    void shouldReadFilterBenchmarkRowsInMicroseconds() throws IOException {
        List<RatioReport.Score> scores = RatioReport.read(RESULT);

        assertThat(scores).extracting(RatioReport.Score::method)
                .containsExactly("bareJjwt", "pipelineCold", "pipelineCached", "nimbus");
        assertThat(scores.get(0).micros()).isEqualTo(40.0);
        assertThat(scores.get(1).micros()).isEqualTo(48.0);
    }

    @Test
    void shouldPrintRatiosAgainstTargetsAndMarkMissingRuns() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RatioReport.print(RatioReport.read(RESULT), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String report = bytes.toString(StandardCharsets.UTF_8);

        assertThat(report).contains("| RS256 | 40.00 +- 0.40 | 48.00 +- 1.00 | 1.20 ok | 2.50 +- 0.01 ok "
                + "| 60.00 +- 0.60 | 1.25 ok |");
        assertThat(report).doesNotContain("| HS256 |");
    }
}
