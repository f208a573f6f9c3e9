package io.tokenwatch.launcher;

import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tokenwatch up}: every role in one process, a real single-machine setup. A KRaft broker with
 * a persistent data directory and the tokenwatch topics, the detector, and the gateway in front of
 * {@code --upstream}, with the same key and policy options as {@code tokenwatch gateway}. A restart
 * on the same {@code --data-dir} keeps topics, revocations and detector state. Ctrl-C stops the
 * gateway, the detector (leaving its group) and the broker, in that order.
 *
 * <p>Everything that can be checked before starting is: the upstream URL, the keys, the ports.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Run every role in one process: a Kafka broker with a persistent data directory, the detector, "
                + "and the gateway in front of your service.",
                "Example: tokenwatch up --upstream http://127.0.0.1:9000 --issuer https://issuer.example "
                        + "--audience orders-api --jwks-file jwks.json"})
final class UpCommand implements Callable<Integer> {

    @Mixin
    GatewayOptions gateway;

    @Option(names = "--data-dir", defaultValue = "tokenwatch-data",
            description = "Broker log (kafka/) and detector state (detector/) live here; a restart on it keeps "
                    + "topics, revocations and profiles (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--kafka-port", defaultValue = "9092",
            description = "The broker's port on 127.0.0.1, for revoke, lift, alerts and status; 0 for any "
                    + "(default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--partitions", defaultValue = "3",
            description = "Partitions per topic when the topics are created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--guarantee", defaultValue = StreamsConfig.EXACTLY_ONCE_V2,
            description = "Detector processing guarantee: exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
    String guarantee;

    @Option(names = "--detector-http-port", defaultValue = "-1", paramLabel = "PORT",
            description = "Serve the detector's /health/live, /health/ready, /metrics and /explain on this port; "
                    + "-1 for none (default: ${DEFAULT-VALUE}).")
    int detectorHttpPort;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        GatewaySystem system = startSystem();
        CountDownLatch stopped = new CountDownLatch(1);
        PrintWriter out = spec.commandLine().getOut();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            system.close();
            out.println("stopped: gateway, detector (left its group), broker; data kept in " + dataDir.toAbsolutePath());
            out.flush();
            stopped.countDown();
        }, "tokenwatch-up-shutdown"));
        out.printf("broker    %s, data in %s%n", system.bootstrapServers(), dataDir.toAbsolutePath());
        out.printf("detector  running (%s)%s%n", guarantee, system.detector().httpPort().isPresent()
                ? ", health, metrics and explain on port " + system.detector().httpPort().getAsInt() : "");
        out.printf("gateway   listening on port %d -> %s, revocations caught up%n", system.gateway().port(),
                gateway.upstream);
        out.println("ready; Ctrl-C to stop");
        out.flush();
        stopped.await();
        return 0;
    }

    /** Checks the options, then starts everything; the caller owns the result. */
    GatewaySystem startSystem() {
        if (partitions < 1 || partitions > 1000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partitions must be between 1 and 1000");
        }
        // Fails on a bad upstream, a missing or unreadable key, before the broker is started.
        gateway.properties("127.0.0.1:" + kafkaPort, new Properties());
        Ports.requireFree(gateway.host, gateway.port, "--port");
        Ports.requireFree(null, kafkaPort, "--kafka-port");
        Ports.requireFree(null, detectorHttpPort, "--detector-http-port");
        GatewaySystem.Settings settings = new GatewaySystem.Settings(dataDir, kafkaPort, partitions,
                config -> config.withProcessingGuarantee(guarantee).withHttpPort(detectorHttpPort),
                bootstrap -> gatewayProperties(bootstrap));
        return GatewaySystem.start(settings);
    }

    private Map<String, Object> gatewayProperties(String bootstrap) {
        return gateway.properties(bootstrap, new Properties());
    }
}
