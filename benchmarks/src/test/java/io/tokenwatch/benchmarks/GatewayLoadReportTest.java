package io.tokenwatch.benchmarks;

import io.tokenwatch.benchmarks.GatewayLoadReport.Mode;
import io.tokenwatch.benchmarks.GatewayLoadReport.Round;
import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class GatewayLoadReportTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldTakeNearestRankPercentiles() {
        long[] sorted = LongStream.rangeClosed(1, 100).toArray();

        assertThat(GatewayLoadReport.percentile(sorted, 50)).isEqualTo(50);
        assertThat(GatewayLoadReport.percentile(sorted, 99)).isEqualTo(99);
        assertThat(GatewayLoadReport.percentile(sorted, 100)).isEqualTo(100);
        assertThat(GatewayLoadReport.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThatThrownBy(() -> GatewayLoadReport.percentile(new long[0], 50))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAggregateEachModeOverItsRoundsAndCompareThroughput() {
        GatewayLoadReport report = new GatewayLoadReport();
        report.add(new Round(1, Mode.ON, SECOND, latencies(900, 2_000_000), 0));
        report.add(new Round(2, Mode.OFF, SECOND, latencies(1_000, 1_000_000), 0));
        report.add(new Round(3, Mode.OFF, 2 * SECOND, latencies(2_000, 1_000_000), 0));
        report.add(new Round(4, Mode.ON, SECOND, latencies(700, 4_000_000), 1));

        GatewayLoadReport.Summary on = report.summary(Mode.ON);
        GatewayLoadReport.Summary off = report.summary(Mode.OFF);

        assertThat(on.requests()).isEqualTo(1_600);
        assertThat(on.perSecond()).isCloseTo(800, within(1e-9));
        assertThat(on.rounds()).isEqualTo(2);
        assertThat(on.errors()).isEqualTo(1);
        // 900 samples at 2 ms and 700 at 4 ms: the median is 2 ms, the 99th percentile 4 ms.
        assertThat(on.p50Millis()).isEqualTo(2.0);
        assertThat(on.p99Millis()).isEqualTo(4.0);
        assertThat(off.perSecond()).isCloseTo(1_000, within(1e-9));
        assertThat(report.ratio()).isCloseTo(0.8, within(1e-9));
        assertThat(report.format()).contains("| filter on | 2 | 1600 | 800 | 2.00 ms | 4.00 ms | 1 |")
                .contains("| filter off | 2 | 3000 | 1000 | 1.00 ms | 1.00 ms | 0 |")
                .contains("throughput on / off: 80.0 % (target >= 85 %) NOT met");
    }

    @Test
    void shouldRefuseToSummariseAModeThatWasNeverMeasured() {
        GatewayLoadReport report = new GatewayLoadReport();
        report.add(new Round(1, Mode.ON, SECOND, latencies(10, 1), 0));

        assertThatThrownBy(report::ratio).isInstanceOf(IllegalStateException.class).hasMessageContaining("filter off");
    }

    private static long[] latencies(int count, long nanos) {
        return LongStream.generate(() -> nanos).limit(count).toArray();
    }
}
