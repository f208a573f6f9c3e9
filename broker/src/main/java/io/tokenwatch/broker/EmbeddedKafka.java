package io.tokenwatch.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker running in this JVM, acting as both broker and controller.
 *
 * <p>Tests and the embedded demo need a real broker (DESIGN.md §6), and most machines that run them
 * have no Docker engine. This starts {@link KafkaRaftServer} directly: the storage is formatted with
 * {@link Formatter} at {@link MetadataVersion#latestProduction()}, both listeners bind free ports on
 * {@code 127.0.0.1}, and the internal topics (consumer offsets, transaction state, share-group state)
 * get replication factor 1 and min ISR 1, without which exactly-once producers wait forever for
 * replicas that do not exist. Automatic topic creation is off unless asked for, as in production.
 *
 * <p>{@link #start()} uses a temporary data directory that {@link #close()} deletes. A directory given
 * to {@link Builder#dataDirectory(Path)} is kept: it is formatted only the first time, so a later
 * start on it is the same cluster, with its topics and records. The ports are new on each start
 * unless {@link Builder#port(int)} fixes the broker port.
 *
 * <p>Kafka logs through SLF4J; keep {@code kafka}, {@code org.apache.kafka} and {@code state.change.logger}
 * at WARN in the logging configuration to keep it quiet.
 *
 * <p>Thread-safe. Several instances may run in one JVM, one after another or side by side, as long
 * as each has its own data directory.
 */
public final class EmbeddedKafka implements KafkaCluster {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String META_PROPERTIES = "meta.properties";
    /** Another process can take a port between our probe and Kafka's bind; a new port then helps. */
    private static final int START_ATTEMPTS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaRaftServer server;
    private final Path dataDirectory;
    private final boolean deleteOnClose;
    private final String clusterId;
    private final int port;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDirectory, boolean deleteOnClose, String clusterId,
            int port) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.deleteOnClose = deleteOnClose;
        this.clusterId = clusterId;
        this.port = port;
        this.bootstrapServers = HOST + ":" + port;
    }

    /**
     * Starts a broker on a temporary data directory with automatic topic creation off, and waits
     * until it answers.
     *
     * @throws IllegalStateException if it does not start or answer within 30 s
     */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    /** A builder for a broker with a persistent data directory, a fixed port or extra properties. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The port of the client ({@code PLAINTEXT}) listener. */
    public int port() {
        return port;
    }

    /** The directory holding the metadata log and the topic data. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The cluster id, as written in {@code meta.properties}; the same across restarts on one directory. */
    public String clusterId() {
        return clusterId;
    }

    /**
     * Shuts the broker down and waits for it; then deletes the data directory if it was a temporary
     * one. Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(server);
        if (deleteOnClose) {
            deleteQuietly(dataDirectory);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers + ", " + dataDirectory + "]";
    }

    /**
     * Configures and starts an {@link EmbeddedKafka}.
     *
     * <p>Not thread-safe; use one builder from one thread.
     */
    public static final class Builder {

        private Path dataDirectory;
        private int port;
        private boolean autoCreateTopics;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Keeps the data in this directory, created if missing, and leaves it in place on close.
         * An already formatted directory is reused as it is.
         */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
            return this;
        }

        /** Binds the client listener to this port instead of a free one; 0 means a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
            }
            this.port = port;
            return this;
        }

        /** Whether producing to or fetching metadata for an unknown topic creates it; off by default. */
        public Builder autoCreateTopics(boolean autoCreateTopics) {
            this.autoCreateTopics = autoCreateTopics;
            return this;
        }

        /** Sets a broker property, overriding this class's defaults. */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Formats the storage if needed, starts the broker and waits until it answers an Admin
         * {@code describeCluster}.
         *
         * @throws IllegalStateException if it does not start or answer within 30 s
         */
        public EmbeddedKafka start() {
            boolean temporary = dataDirectory == null;
            Path directory = temporary ? createTempDirectory() : createDirectories(dataDirectory);
            try {
                return startOn(directory, temporary);
            } catch (RuntimeException | Error e) {
                if (temporary) {
                    deleteQuietly(directory);
                }
                throw e;
            }
        }

        private EmbeddedKafka startOn(Path directory, boolean temporary) {
            long started = System.nanoTime();
            if (port != 0) {
                requireFree(port);
            }
            String clusterId = null;
            for (int attempt = 1; ; attempt++) {
                int brokerPort = port != 0 ? port : freePort(-1);
                int controllerPort = freePort(brokerPort);
                KafkaConfig config = new KafkaConfig(properties(directory, brokerPort, controllerPort), false);
                if (clusterId == null) {
                    clusterId = formatIfNeeded(directory);
                }
                KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
                try {
                    server.startup();
                } catch (RuntimeException e) {
                    stop(server);
                    if (isBindConflict(e) && attempt < START_ATTEMPTS) {
                        LOG.debug("Port taken while starting Kafka (attempt {}), retrying", attempt, e);
                        continue;
                    }
                    throw new IllegalStateException("Embedded Kafka did not start on " + directory
                            + " (ports " + brokerPort + ", " + controllerPort + ")", e);
                }
                EmbeddedKafka kafka = new EmbeddedKafka(server, directory, temporary, clusterId, brokerPort);
                try {
                    awaitReady(kafka.bootstrapServers());
                } catch (RuntimeException e) {
                    stop(server);
                    throw e;
                }
                LOG.info("Embedded Kafka ready at {} in {} ms (data in {})", kafka.bootstrapServers(),
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), directory);
                return kafka;
            }
        }

        private Map<String, Object> properties(Path directory, int brokerPort, int controllerPort) {
            Map<String, Object> props = new LinkedHashMap<>();
            props.put("process.roles", "broker,controller");
            props.put("node.id", String.valueOf(NODE_ID));
            props.put("controller.listener.names", CONTROLLER_LISTENER);
            props.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                    + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
            props.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
            props.put("listener.security.protocol.map",
                    BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            props.put("inter.broker.listener.name", BROKER_LISTENER);
            // A static voter set lives in the configuration, not in the metadata log, so a restart on
            // the same directory may bind a different controller port.
            props.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
            props.put("log.dirs", directory.toAbsolutePath().toString());

            // One broker: anything above one replica can never be satisfied.
            props.put("offsets.topic.replication.factor", "1");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            // The default 50 partitions buy nothing on one broker and slow the first group join and
            // the first transaction, which create these topics.
            props.put("offsets.topic.num.partitions", "1");
            props.put("transaction.state.log.num.partitions", "1");
            props.put("share.coordinator.state.topic.num.partitions", "1");

            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", String.valueOf(autoCreateTopics));
            // The log cleaner allocates its dedupe buffer up front (128 MiB by default); compacted test
            // topics are small, and several brokers may share one test JVM.
            props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
            props.putAll(brokerProperties);
            return props;
        }
    }

    /** Formats a fresh directory and returns its new cluster id, or returns the id already there. */
    private static String formatIfNeeded(Path directory) {
        if (Files.exists(directory.resolve(META_PROPERTIES))) {
            return existingClusterId(directory);
        }
        String logDirectory = directory.toAbsolutePath().toString();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(output, true, StandardCharsets.UTF_8))
                .setClusterId(Uuid.randomUuid().toString())
                .setNodeId(NODE_ID)
                .setDirectories(List.of(logDirectory))
                // With no metadata.log.dir set, Kafka keeps the metadata log in the first log dir.
                .setMetadataLogDirectory(logDirectory)
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.latestProduction());
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("Could not format Kafka storage in " + directory, e);
        }
        LOG.debug("Formatted Kafka storage: {}", output.toString(StandardCharsets.UTF_8).trim());
        return formatter.clusterId();
    }

    private static String existingClusterId(Path directory) {
        try {
            return new MetaPropertiesEnsemble.Loader()
                    .addLogDirs(List.of(directory.toAbsolutePath().toString()))
                    .load()
                    .clusterId()
                    .orElseThrow(() -> new IllegalStateException("No cluster id in " + directory.resolve(META_PROPERTIES)));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + directory.resolve(META_PROPERTIES), e);
        }
    }

    private static void awaitReady(String bootstrapServers) {
        int timeoutMs = (int) READY_TIMEOUT.toMillis();
        Map<String, Object> props = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 5_000));
        try (Admin admin = Admin.create(props)) {
            var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs))
                    .nodes()
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            if (nodes.stream().map(Node::id).noneMatch(id -> id == NODE_ID)) {
                throw new IllegalStateException("Embedded Kafka at " + bootstrapServers
                        + " answered without broker " + NODE_ID + ": " + nodes);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Embedded Kafka at " + bootstrapServers
                    + " did not answer describeCluster within " + READY_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for embedded Kafka at " + bootstrapServers, e);
        }
    }

    private static void stop(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Embedded Kafka did not shut down cleanly", e);
        }
    }

    private static boolean isBindConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    /** Fails fast on a fixed port that is taken, which no retry would cure. */
    private static void requireFree(int port) {
        try {
            new ServerSocket(port, 1, InetAddress.getByName(HOST)).close();
        } catch (IOException e) {
            throw new IllegalStateException("Embedded Kafka did not start: port " + port + " on " + HOST
                    + " is in use", e);
        }
    }

    /** A port that is free now; Kafka binds it a moment later, hence the retry in start. */
    private static int freePort(int except) {
        for (int i = 0; i < 10; i++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                int found = socket.getLocalPort();
                if (found != except) {
                    return found;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not find a free port on " + HOST, e);
            }
        }
        throw new IllegalStateException("Could not find a free port on " + HOST);
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("tokenwatch-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary Kafka data directory", e);
        }
    }

    private static Path createDirectories(Path directory) {
        try {
            return Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create Kafka data directory " + directory, e);
        }
    }

    private static void deleteQuietly(Path directory) {
        try {
            Utils.delete(directory.toFile());
        } catch (IOException e) {
            LOG.warn("Could not delete Kafka data directory {}", directory, e);
        }
    }
}
