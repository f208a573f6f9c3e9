package io.tokenwatch.launcher;

import io.tokenwatch.broker.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tokenwatch broker}: a single-node KRaft Kafka broker in this process, with a persistent data
 * directory and the tokenwatch topics created, for machines without Docker. Runs until interrupted.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node KRaft Kafka broker with the tokenwatch topics (no Docker needed).")
final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--data-dir", defaultValue = "tokenwatch-data/kafka",
            description = "Where the broker keeps its data (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--port", defaultValue = "9092", description = "Listener port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions per topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Ports.requireFree("127.0.0.1", port, "--port");
        Files.createDirectories(dataDir);
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDirectory(dataDir).port(port).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "tokenwatch-broker-shutdown"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicInitializer.ensureTopics(admin, partitions, (short) 1);
        }
        spec.commandLine().getOut().printf("broker ready at %s (data in %s); Ctrl-C to stop%n",
                kafka.bootstrapServers(), dataDir.toAbsolutePath());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
