package io.tokenwatch.launcher;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tokenwatch demo}'s flags. The story itself runs end to end in {@link DemoStoryTest}; the
 * command only prints it.
 */
class DemoCommandTest {

    @Test
    void shouldRejectABadUserCountWithAClearErrorAndNonZeroExit() {
        Result result = run("demo", "--users", "3");

        assertThat(result.exit()).isNotZero();
        assertThat(result.err()).contains("--users must be between 4 and 20");
    }

    @Test
    void shouldRejectAnUnknownGuaranteeBeforeStartingAnything() {
        Result result = run("demo", "--guarantee", "exactly_once");

        assertThat(result.exit()).isNotZero();
        assertThat(result.err()).contains("--guarantee must be exactly_once_v2 or at_least_once");
        assertThat(result.out()).doesNotContain("ready in");
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
