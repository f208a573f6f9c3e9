package io.tokenwatch.launcher;

import io.tokenwatch.launcher.bench.AttackType;
import io.tokenwatch.launcher.bench.BenignBehaviour;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The detector benchmark runs and reports a complete table. Its figures (rates, times, throughput)
 * are read by people, never asserted: benchmarks are not tests.
 */
class DetectorBenchTest {

    private static final Pattern DETECTED = Pattern.compile("^detected: .* \\((\\d+) of (\\d+)\\)$");

    @Test
    void shouldPrintATablePerSeedAndTheAggregateWithARowPerAttackTypeAndBehaviour() {
        String out = run("bench-detector", "quality", "--users", "80", "--attacks", "1", "--history-days", "2",
                "--evaluation-days", "1", "--seeds", "5,6");

        List<String> lines = out.lines().toList();
        assertThat(lines.stream().filter(l -> l.startsWith("== ")).toList()).as(out).hasSize(3)
                .satisfies(titles -> {
                    assertThat(titles.get(0)).startsWith("== seed 5:");
                    assertThat(titles.get(1)).startsWith("== seed 6:");
                    assertThat(titles.get(2)).startsWith("== aggregate: seeds 5,6;");
                });
        for (AttackType type : AttackType.values()) {
            List<String> rows = lines.stream().filter(l -> l.startsWith(type.label() + " ")).toList();
            assertThat(rows).as(out).hasSize(3);
            int injected = 0;
            for (int seed = 0; seed < 2; seed++) {
                String[] cells = rows.get(seed).trim().split("\\s+");
                assertThat(Integer.parseInt(cells[2])).isBetween(0, Integer.parseInt(cells[1]));
                injected += Integer.parseInt(cells[1]);
            }
            assertThat(Integer.parseInt(rows.get(2).trim().split("\\s+")[1])).as("aggregate of " + type)
                    .isEqualTo(injected);
        }
        for (BenignBehaviour behaviour : BenignBehaviour.values()) {
            assertThat(lines.stream().filter(l -> l.startsWith(behaviour.label() + " ")).toList()).as(out).hasSize(3);
        }
        List<Matcher> detected = lines.stream().map(DETECTED::matcher).filter(Matcher::matches).toList();
        assertThat(detected).as(out).hasSize(3);
        assertThat(Integer.parseInt(detected.get(2).group(2)))
                .isEqualTo(Integer.parseInt(detected.get(0).group(2)) + Integer.parseInt(detected.get(1).group(2)));
        assertThat(out).contains("false alarms per 1,000 benign users per day: ", "forged-token victims contained: ");
    }

    @Test
    void shouldRejectAScenarioWithTooFewPeopleForItsVictims() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("bench-detector", "quality", "--users", "50", "--attacks", "5");

        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("each attack needs its own victim");
    }

    @Test
    void shouldFinishAThroughputRunWithARowPerGuarantee() {
        String out = run("bench-detector", "throughput", "--events", "2000", "--guarantees", "at_least_once");

        assertThat(out.lines().filter(l -> l.startsWith("at_least_once")).toList()).as(out).singleElement()
                .satisfies(row -> assertThat(Arrays.asList(row.trim().split("\\s+"))).hasSize(6));
        assertThat(out).contains("user-profiles");
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute(args);
        assertThat(exit).as(out.toString()).isZero();
        return out.toString();
    }
}
