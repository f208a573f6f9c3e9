package io.tokenwatch.launcher;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The time-to-revoke harness runs and reports; the figures themselves are read, never asserted. */
class RevocationLatencyBenchTest {

    @Test
    void shouldPrintAPercentileRowPerGuaranteeWithNoMissedIncident() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));

        int exit = cli.execute("bench-revocation", "--incidents", "3", "--filters", "2",
                "--guarantees", "at_least_once");

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString().lines().filter(l -> l.startsWith("at_least_once")).toList())
                .singleElement().satisfies(row -> assertThat(row.trim()).endsWith(" 0"));
    }
}
