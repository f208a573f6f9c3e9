package io.tokenwatch.launcher;

import io.tokenwatch.launcher.bench.AttackType;
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

    private static final Pattern USERS = Pattern.compile("^users: (\\d+) = (\\d+) benign \\+ (\\d+) attacked$");

    @Test
    void shouldPrintARowPerAttackTypeWithCountsThatAddUp() {
        String out = run("bench-detector", "quality", "--users", "50", "--attacks", "2", "--history-days", "5",
                "--evaluation-days", "1");

        List<String> lines = out.lines().toList();
        for (AttackType type : AttackType.values()) {
            assertThat(lines.stream().filter(l -> l.startsWith(type.label() + " ")).toList()).as(out)
                    .singleElement().satisfies(row -> {
                        String[] cells = row.trim().split("\\s+");
                        int injected = Integer.parseInt(cells[1]);
                        int detected = Integer.parseInt(cells[2]);
                        assertThat(injected).isEqualTo(2);
                        assertThat(detected).isBetween(0, injected);
                    });
        }
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("evaluation window"));
        Matcher users = lines.stream().map(USERS::matcher).filter(Matcher::matches).findFirst().orElseThrow(
                () -> new AssertionError("no users line in\n" + out));
        assertThat(Integer.parseInt(users.group(1))).isEqualTo(50);
        assertThat(Integer.parseInt(users.group(2)) + Integer.parseInt(users.group(3))).isEqualTo(50);
        assertThat(Integer.parseInt(users.group(3))).isEqualTo(2 * AttackType.values().length);
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
