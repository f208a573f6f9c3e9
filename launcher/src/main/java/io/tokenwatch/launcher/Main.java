package io.tokenwatch.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tokenwatch} command. Every role of the system is a subcommand; errors are one line on
 * stderr with a non-zero exit.
 */
@Command(name = "tokenwatch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "JWT defense in depth: ingest filters, a Kafka Streams detector, and revocation.",
        subcommands = {DemoCommand.class, UpCommand.class, StatusCommand.class, BrokerCommand.class, DetectorCommand.class, RevokeCommand.class,
                LiftCommand.class, SuppressCommand.class, UnsuppressCommand.class, AlertsCommand.class, RevocationLatencyBench.class, DetectorBench.class,
                IssuerCommand.class, SampleServiceCommand.class, HealthcheckCommand.class, GatewayCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("tokenwatch: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the jar manifest, or "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tokenwatch " + (v == null ? "dev" : v)};
        }
    }
}
