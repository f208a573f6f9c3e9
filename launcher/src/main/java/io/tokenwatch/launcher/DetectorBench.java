package io.tokenwatch.launcher;

import io.tokenwatch.launcher.bench.QualityBench;
import io.tokenwatch.launcher.bench.QualityTables;
import io.tokenwatch.launcher.bench.Scenario;
import io.tokenwatch.launcher.bench.ThroughputBench;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch bench-detector}: the detector's figures of DESIGN.md §5 and issues 4 and 10,
 * measured and printed as tables, never asserted. {@code quality} runs labelled traffic that models
 * real behaviour (see {@link io.tokenwatch.launcher.bench.TrafficGenerator}) through the real topology
 * for one or more seeds and reports, per attack type and per benign behaviour, detection, time to
 * first alert, false alarms per 1,000 benign users per day and containment; {@code throughput}
 * compares the detector with a pass-through Streams app on the in-process broker and reports state
 * bytes per active user.
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
            description = {"Detection rate, false alarms and containment of the real detector topology "
                    + "(default configuration, TopologyTestDriver, event time) on labelled traffic that models "
                    + "real behaviour: multi-device users, cellular NAT pools, roaming, VPNs, a corporate NAT, "
                    + "service accounts, night shifts and time zones, a month-end team burst, new joiners, "
                    + "hourly token rotation, expired-token retries and a key rotation done in the wrong order, "
                    + "with geolocation from a simulated database that errs as real ones do; eleven attack types.",
                    "Prints the tables per seed, then the aggregate over the seeds."})
    static final class Quality implements Callable<Integer> {

        @Option(names = "--users", defaultValue = "1000",
                description = "Simulated subjects: people and service accounts (default: ${DEFAULT-VALUE}).")
        int users;

        @Option(names = "--attacks", defaultValue = "10",
                description = "Attacks of each type per seed, each on its own victim (default: ${DEFAULT-VALUE}).")
        int attacks;

        @Option(names = "--history-days", defaultValue = "7",
                description = "Days of traffic before the evaluation window, not scored (default: ${DEFAULT-VALUE}).")
        int historyDays;

        @Option(names = "--evaluation-days", defaultValue = "7",
                description = "Days of the evaluation window: attacks and false alarms (default: ${DEFAULT-VALUE}).")
        int evaluationDays;

        @Option(names = "--seeds", split = ",", defaultValue = "1,2,3",
                description = "Random seeds, one run each (default: ${DEFAULT-VALUE}).")
        List<Long> seeds;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<Scenario> scenarios;
            try {
                scenarios = seeds.stream().distinct().map(seed -> new Scenario(seed, users, historyDays,
                        evaluationDays, attacks, Scenario.DEFAULT_START)).toList();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            QualityBench.Report total = null;
            for (Scenario scenario : scenarios) {
                QualityBench.Report report = QualityBench.score(new QualityBench(scenario).run());
                QualityTables.print(report, "seed " + scenario.seed(), out);
                total = total == null ? report : total.plus(report);
            }
            if (scenarios.size() > 1) {
                QualityTables.print(total, "aggregate", out);
            }
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
