package io.tokenwatch.launcher;

import io.tokenwatch.launcher.bench.QualityBench;
import io.tokenwatch.launcher.bench.Scenario;
import io.tokenwatch.launcher.bench.ThroughputBench;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch bench-detector}: the detector's figures of DESIGN.md §5 and issue 4, measured and
 * printed as tables, never asserted. {@code quality} runs labelled traffic (benign users with daily
 * rhythms, trips and new phones; stolen tokens used abroad, token replays, scraping spikes, forged-token
 * floods) through the real topology and reports detection rate, false alarms per thousand benign users
 * and event time to alert and to revocation; {@code throughput} compares the detector with a
 * pass-through Streams app on the in-process broker and reports state bytes per active user.
 */
@Command(name = "bench-detector", mixinStandardHelpOptions = true,
        description = "Measure the detector: detection quality on labelled traffic, throughput and state size.",
        subcommands = {DetectorBench.Quality.class, DetectorBench.Throughput.class})
final class DetectorBench implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "quality", mixinStandardHelpOptions = true,
            description = "Detection rate, false alarms and time to alert / revoke on labelled traffic "
                    + "(TopologyTestDriver, event time).")
    static final class Quality implements Callable<Integer> {

        @Option(names = "--users", defaultValue = "1000", description = "Simulated users (default: ${DEFAULT-VALUE}).")
        int users;

        @Option(names = "--attacks", defaultValue = "20",
                description = "Attacks of each type, each on its own victim (default: ${DEFAULT-VALUE}).")
        int attacks;

        @Option(names = "--history-days", defaultValue = "10",
                description = "Days of ordinary traffic before the evaluation window (default: ${DEFAULT-VALUE}).")
        int historyDays;

        @Option(names = "--evaluation-days", defaultValue = "2",
                description = "Days of the evaluation window (default: ${DEFAULT-VALUE}).")
        int evaluationDays;

        @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Scenario scenario;
            try {
                Scenario d = Scenario.defaults();
                scenario = new Scenario(seed, users, historyDays, evaluationDays, attacks, d.travelShare(),
                        d.newDeviceShare(), d.start());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            QualityBench.print(new QualityBench(scenario).run(), spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "throughput", mixinStandardHelpOptions = true,
            description = "Events/s of the detector vs a pass-through Streams app on the in-process broker, "
                    + "and state bytes per active user.")
    static final class Throughput implements Callable<Integer> {

        @Option(names = "--events", defaultValue = "200000", description = "Events to process (default: ${DEFAULT-VALUE}).")
        int events;

        @Option(names = "--guarantees", split = ",", defaultValue = StreamsConfig.EXACTLY_ONCE_V2 + ","
                + StreamsConfig.AT_LEAST_ONCE, description = "Guarantees to compare (default: ${DEFAULT-VALUE}).")
        List<String> guarantees;

        @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            if (events < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--events must be at least 1");
            }
            return new ThroughputBench(events, guarantees, seed).run(spec.commandLine().getOut()) ? 0 : 1;
        }
    }
}
