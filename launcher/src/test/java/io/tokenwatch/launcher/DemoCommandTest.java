package io.tokenwatch.launcher;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo as a user runs it: {@code tokenwatch demo} must exit 0 and say what happened. */
class DemoCommandTest {

    @Test
    void shouldRunTheLoopAndExitZero() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));

        int exit = cli.execute("demo", "--rounds", "2");

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("next use from 198.51.100.1                   401 revoked")
                .contains("forged tokens revoked the user?              no")
                .contains("rule token_replay")
                .contains("every expectation held");
    }

    @Test
    void shouldRejectABadFlagWithAClearErrorAndNonZeroExit() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute("demo", "--rounds", "0");

        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("--rounds must be between 1 and 100");
    }
}
