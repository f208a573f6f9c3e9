package io.tokenwatch.launcher;

import io.tokenwatch.detector.control.Controls;
import io.tokenwatch.detector.control.DetectorMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tokenwatch detector}'s control options: the audit default, the file, and errors before any Kafka call. */
class DetectorControlsOptionsTest {

    @TempDir
    Path dir;

    private static Controls controls(String... args) {
        DetectorCommand command = new DetectorCommand();
        new CommandLine(command).parseArgs(args);
        return command.controls();
    }

    @Test
    void shouldEnforceUnlessToldToAudit() throws Exception {
        assertThat(controls().mode()).isEqualTo(DetectorMode.ENFORCE);
        assertThat(controls("--mode", "audit").mode()).isEqualTo(DetectorMode.AUDIT);

        Path file = dir.resolve("controls.yaml");
        Files.writeString(file, "mode: audit\nallow_networks: [10.0.0.0/8]\n");
        Controls fromFile = controls("--controls", file.toString(), "--allow-network", "AS64500");
        assertThat(fromFile.mode()).isEqualTo(DetectorMode.AUDIT);
        assertThat(fromFile.networks().entries()).containsExactly("10.0.0.0/8", "AS64500");
        assertThat(controls("--controls", file.toString(), "--mode", "enforce").mode()).as("the option wins")
                .isEqualTo(DetectorMode.ENFORCE);
    }

    @Test
    void shouldNameTheBadRuleOrActionAndExitBeforeReachingKafka() {
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));

        int exit = cli.execute("detector", "--bootstrap-servers", "127.0.0.1:1", "--response", "impossible_travel=nuke");

        assertThat(exit).isNotZero();
        assertThat(err.toString()).startsWith("tokenwatch: --response 'impossible_travel=nuke': unknown action 'nuke'");
    }
}
