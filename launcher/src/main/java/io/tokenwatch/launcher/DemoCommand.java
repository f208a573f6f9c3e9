package io.tokenwatch.launcher;

import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch demo}: the whole system in one process, attacked by a script; tells what happened
 * and exits 0 only if every expectation held. The story is {@link DemoStory}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run broker, detector and gateway in front of a sample service, attack it (stolen token, replay, "
                + "forged-token flood, scraping) and report detection and containment.",
                "Exits 0 only if every expectation held. Uses demo-only detector settings (a short learning period)."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--users", defaultValue = "8",
            description = "Benign users in the learning phase, the four victims among them, 4 to 20 (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--guarantee", defaultValue = StreamsConfig.EXACTLY_ONCE_V2,
            description = "Detector processing guarantee: exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
    String guarantee;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (users < 4 || users > 20) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--users must be between 4 and 20");
        }
        if (!guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--guarantee must be exactly_once_v2 or at_least_once");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("tokenwatch demo: broker, detector and gateway in one process, in front of a sample service");
        out.flush();
        DemoStory.Result result = new DemoStory(new DemoStory.Settings(users, guarantee), out).run();
        out.println();
        DemoStory.summary(result).forEach(out::println);
        out.println("to alert: from the request that tripped the rule (as the gateway stamped it) to the alert on"
                + " tokenwatch.alerts;");
        out.println("to contain: from that request to the gateway's first refusal of the token (for (c): to the"
                + " gateway's revocation view blocking the address)");
        out.println();
        if (result.passed()) {
            out.printf("every expectation held (%.1f s)%n", result.millis() / 1000.0);
            out.flush();
            return 0;
        }
        out.println("FAILED expectations:");
        result.failures().forEach(f -> out.println("  - " + f));
        out.flush();
        return 1;
    }
}
