package io.tokenwatch.launcher;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.broker.KafkaCluster;
import io.tokenwatch.detector.Detector;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.telemetry.KafkaUsagePublisher;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.KeyBinding;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.filter.validation.VerifiedTokenCache;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The whole loop in one process on an embedded KRaft broker: the broker with its topics, the
 * detector, and one filter (validator, revocation view fed from the topic, usage publisher). Used by
 * the {@code demo} command and by the end-to-end tests, which drive the same wiring.
 *
 * <p>Start with {@link #start}; {@link #close} stops everything in reverse order.
 */
public final class EmbeddedSystem implements AutoCloseable {

    public static final String ISSUER = "https://issuer.tokenwatch.local";
    public static final String AUDIENCE = "demo-api";

    private final Components started = new Components();
    private KafkaCluster kafka;
    private Detector detector;
    private RevocationView view;
    private RevocationListener listener;
    private KafkaUsagePublisher publisher;
    private TokenFilter filter;

    private EmbeddedSystem() {
    }

    /**
     * Starts broker, topics, detector and filter, and waits until the detector runs and the filter's
     * revocation view has caught up.
     *
     * @param issuerKey        the public key the filter trusts (ES256)
     * @param keyId            its {@code kid}
     * @param detectorGuarantee {@code exactly_once_v2} or {@code at_least_once}
     */
    public static EmbeddedSystem start(PublicKey issuerKey, String keyId, String detectorGuarantee) {
        return start(EmbeddedKafka::start, issuerKey, keyId, detectorGuarantee);
    }

    /**
     * Like {@link #start(PublicKey, String, String)} on a cluster of the caller's choosing (tests run
     * the same loop on testcontainers' Kafka where Docker exists). The system owns and closes it.
     */
    public static EmbeddedSystem start(java.util.function.Supplier<KafkaCluster> cluster, PublicKey issuerKey,
                                       String keyId, String detectorGuarantee) {
        EmbeddedSystem system = new EmbeddedSystem();
        try {
            system.startAll(cluster, issuerKey, keyId, detectorGuarantee);
            return system;
        } catch (RuntimeException | InterruptedException e) {
            system.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("embedded system failed to start: " + e.getMessage(), e);
        }
    }

    private void startAll(java.util.function.Supplier<KafkaCluster> cluster, PublicKey issuerKey, String keyId,
                          String guarantee) throws InterruptedException {
        kafka = started.add(cluster.get());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicInitializer.ensureTopics(admin, 3, (short) 1);
        }
        Path stateDir = tempDir();
        started.add(() -> Components.deleteRecursively(stateDir));
        detector = started.add(new Detector(DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withProcessingGuarantee(guarantee)).start());

        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        view = new RevocationView(Clock.systemUTC());
        listener = started.add(new RevocationListener(view, client).start());
        publisher = started.add(new KafkaUsagePublisher(client, KafkaUsagePublisher.DEFAULT_CAPACITY));
        IssuerPolicy policy = IssuerPolicy.of(ISSUER, Set.of(AUDIENCE),
                new KeyRing(List.of(KeyBinding.publicKey(keyId, "ES256", issuerKey))));
        filter = new TokenFilter(new TokenFilter.Settings("demo-filter-1", "demo-api", "demo-api"),
                new TokenValidator(policy, Clock.systemUTC(), new VerifiedTokenCache(Clock.systemUTC())), view,
                publisher, Clock.systemUTC());

        if (!detector.awaitRunning(Duration.ofSeconds(60))) {
            throw new IllegalStateException("detector did not reach RUNNING: " + detector.state());
        }
        if (!listener.awaitReady(Duration.ofSeconds(30))) {
            throw new IllegalStateException("revocation view did not catch up within 30 s");
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("tokenwatch-detector-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }



    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public TokenFilter filter() {
        return filter;
    }

    public RevocationView revocationView() {
        return view;
    }

    public RevocationListener revocationListener() {
        return listener;
    }

    public KafkaUsagePublisher usagePublisher() {
        return publisher;
    }

    public Detector detector() {
        return detector;
    }

    @Override
    public void close() {
        started.closeAll();
    }
}
