package io.tokenwatch.launcher;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.Detector;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.filter.gateway.Gateway;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Every role in one process, the way {@code tokenwatch up} and the demo run it: a single-node KRaft
 * broker with the tokenwatch topics, the detector, and the real sidecar gateway
 * ({@link Gateway}, as {@code tokenwatch gateway} starts it) in front of an upstream.
 *
 * <p>With a data directory, the broker keeps its log in {@code <dir>/kafka} and the detector its
 * state stores in {@code <dir>/detector}, so a restart on the same directory is the same system:
 * topics, revocations, consumer offsets and profiles survive. Without one, both live in temporary
 * directories that {@link #close()} deletes.
 *
 * <p>{@link #close()} stops the gateway (its usage events flushed), then the detector (leaving its
 * group, so a restart does not wait out a session timeout), then the broker. Thread-safe: start and
 * close are serialized; close is idempotent.
 */
public final class GatewaySystem implements AutoCloseable {

    /** How long start-up waits for the detector to run and the gateway to catch up on revocations. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /**
     * What to start.
     *
     * @param dataDir   persistent data directory, or null for temporary ones
     * @param kafkaPort the broker's client port on 127.0.0.1; 0 for any free port
     * @param partitions partitions of each tokenwatch topic created
     * @param detector  the detector's configuration, from the defaults for this broker and state directory
     * @param gateway   the gateway's properties, given the broker's bootstrap servers
     */
    public record Settings(Path dataDir, int kafkaPort, int partitions, UnaryOperator<DetectorConfig> detector,
                           Function<String, Map<String, Object>> gateway) {
        public Settings {
            Objects.requireNonNull(detector, "detector");
            Objects.requireNonNull(gateway, "gateway");
            if (kafkaPort < 0 || kafkaPort > 65_535) {
                throw new IllegalArgumentException("kafka port must be 0 (any) or a port, was " + kafkaPort);
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1");
            }
        }
    }

    private final Components started = new Components();
    private EmbeddedKafka kafka;
    private Detector detector;
    private Gateway gateway;

    private GatewaySystem() {
    }

    /**
     * Starts broker, topics, detector and gateway and returns once the detector runs and the gateway's
     * revocation view has caught up.
     *
     * @throws IllegalStateException with a one-line reason if any part does not start; whatever had
     *                               started is stopped again
     */
    public static GatewaySystem start(Settings settings) {
        GatewaySystem system = new GatewaySystem();
        try {
            system.startAll(settings);
            return system;
        } catch (RuntimeException | InterruptedException e) {
            system.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IllegalStateException ise ? ise : new IllegalStateException(e.getMessage(), e);
        }
    }

    private synchronized void startAll(Settings settings) throws InterruptedException {
        Path brokerDir;
        Path stateDir;
        if (settings.dataDir() == null) {
            brokerDir = null;
            stateDir = temp("tokenwatch-detector-");
            started.add(() -> Components.deleteRecursively(stateDir));
        } else {
            brokerDir = directory(settings.dataDir().resolve("kafka"));
            stateDir = directory(settings.dataDir().resolve("detector"));
        }
        EmbeddedKafka.Builder broker = EmbeddedKafka.builder();
        if (brokerDir != null) {
            broker.dataDirectory(brokerDir);
        }
        if (settings.kafkaPort() != 0) {
            broker.port(settings.kafkaPort());
        }
        kafka = started.add(broker.start());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicInitializer.ensureTopics(admin, settings.partitions(), (short) 1);
        }
        DetectorConfig config = settings.detector().apply(DetectorConfig.defaults(kafka.bootstrapServers(), stateDir));
        detector = started.add(new Detector(config).start());
        gateway = started.add(Gateway.start(settings.gateway().apply(kafka.bootstrapServers())));
        if (!detector.awaitRunning(START_TIMEOUT)) {
            throw new IllegalStateException("detector did not reach RUNNING within " + START_TIMEOUT.toSeconds()
                    + " s (state " + detector.state() + ")");
        }
        if (!gateway.awaitReady(START_TIMEOUT)) {
            throw new IllegalStateException("gateway did not catch up on revocations within "
                    + START_TIMEOUT.toSeconds() + " s");
        }
    }

    private static Path temp(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    private static Path directory(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create data directory " + dir + ": " + e.getMessage(), e);
        }
    }



    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public Detector detector() {
        return detector;
    }

    public Gateway gateway() {
        return gateway;
    }

    /** Stops gateway, detector and broker, in that order; a failing part does not keep the rest running. */
    @Override
    public synchronized void close() {
        started.closeAll();
    }
}
