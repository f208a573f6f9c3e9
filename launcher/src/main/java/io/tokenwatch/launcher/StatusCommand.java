package io.tokenwatch.launcher;

import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.JsonSerde;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch status}: the state of a tokenwatch cluster at a glance. Reads without joining any
 * consumer group, so it disturbs nothing: see {@link ClusterStatus}.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the revocations in force (replayed like a filter does), the detector's group state and "
                + "lag, and alerts by rule.",
                "With --detector-url, also the detector's readiness and its rule counters from /metrics."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--application-id", defaultValue = DetectorConfig.DEFAULT_APPLICATION_ID,
            description = "The detector's Kafka Streams application id (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--detector-url", paramLabel = "URL",
            description = "The detector's HTTP address, e.g. http://127.0.0.1:8090 (tokenwatch detector --http-port).")
    URI detectorUrl;

    @Option(names = "--json", description = "Print one JSON document instead of the table.")
    boolean json;

    @Option(names = "--timeout", defaultValue = "10s",
            description = "The longest each part may take (default: ${DEFAULT-VALUE}).")
    String timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration limit = Durations.parse(timeout);
        if (detectorUrl != null && (detectorUrl.getScheme() == null || !detectorUrl.getScheme().startsWith("http"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--detector-url must be an http(s) URL");
        }
        Properties client = kafka.clientProperties();
        KafkaReachability.require(client);
        ClusterStatus status = ClusterStatus.gather(client, applicationId, detectorUrl, limit, Clock.systemUTC());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JsonSerde.MAPPER.writeValueAsString(status));
        } else {
            status.lines().forEach(out::println);
        }
        out.flush();
        return 0;
    }
}
