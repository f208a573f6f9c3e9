package io.tokenwatch.detector.topology;

import io.tokenwatch.detector.control.Controls;
import io.tokenwatch.detector.rules.AnomalousTokenRule;
import io.tokenwatch.detector.rules.FailureBurstRule;
import io.tokenwatch.detector.rules.ForgedTokenBurstRule;
import io.tokenwatch.detector.rules.RevokedTokenUseRule;
import io.tokenwatch.detector.rules.TokenReplayRule;
import io.tokenwatch.detector.rules.UserProfileRules;
import io.tokenwatch.detector.telemetry.DeadLetterDeserializationHandler;
import io.tokenwatch.detector.telemetry.DeadLetterProcessingHandler;
import io.tokenwatch.detector.telemetry.DeadLetterProductionHandler;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything the detector is built from: the rules' settings and how it runs on Kafka. Immutable.
 *
 * @param applicationId      Kafka Streams application id (consumer group, internal topic prefix)
 * @param bootstrapServers   Kafka bootstrap servers
 * @param processingGuarantee {@code exactly_once_v2} (default: one revocation and one alert per
 *                           incident even across crashes) or {@code at_least_once}
 * @param commitInterval     how often results are committed; under exactly-once this bounds how long
 *                           a revocation stays invisible to {@code read_committed} filters
 * @param stateDir           where state stores live
 * @param productVersion     written into alerts' {@code metadata.product.version}
 * @param replay             the token-replay rule
 * @param forgedTokenBurst   the forged-token burst rule
 * @param revokedTokenUse    the revoked-token use rule
 * @param userProfile        per-user profiles and the rules judged against them (rate spike, new
 *                           context, impossible travel, concurrent use) with their response policy
 * @param tombstoneInterval  how often (wall clock) void revocations the detector issued are tombstoned
 * @param clientOverrides    extra client settings (TLS/SASL, tuning), applied last
 * @param httpPort           port of the operations endpoints (health, metrics, explain); -1 for none,
 *                           0 for any free port
 * @param applicationServer  {@code host:port} other instances reach this one's endpoints at (Kafka
 *                           Streams {@code application.server}, for routing explain requests to the
 *                           instance that owns a subject); {@code null} when running alone
 * @param ecsTopic           topic for the ECS projection of every alert ({@code event.kind: alert});
 *                           {@code null} for none
 * @param anomalousToken     the anomalous-token rule (lifetime beyond policy, {@code iat} in the
 *                           future, rejected issuer); its response is {@code userProfile}'s policy
 * @param failureBurst       the failure-burst rule for verified subjects; its response is
 *                           {@code userProfile}'s policy
 * @param controls           operators' controls on the output: audit or enforce, per-rule responses,
 *                           allow-lists ({@link io.tokenwatch.detector.control.ControlGate}). The
 *                           constructor writes its per-rule responses into {@code userProfile}'s policy
 *                           (idempotent), so the two cannot disagree whichever is set last
 * @param eventTimes         how far a usage event's {@code event_time} may lie from its record's time before
 *                           the event goes to the DLQ instead of the rules ({@link EventTimeCheck} says why)
 */
public record DetectorConfig(String applicationId, String bootstrapServers, String processingGuarantee,
                             Duration commitInterval, Path stateDir, String productVersion, TokenReplayRule replay,
                             ForgedTokenBurstRule forgedTokenBurst, RevokedTokenUseRule revokedTokenUse,
                             UserProfileRules userProfile, Duration tombstoneInterval,
                             Map<String, String> clientOverrides, int httpPort, String applicationServer,
                             String ecsTopic, AnomalousTokenRule anomalousToken, FailureBurstRule failureBurst,
                             Controls controls, EventTimeBounds eventTimes) {

    public static final String DEFAULT_APPLICATION_ID = "tokenwatch-detector";
    public static final Duration DEFAULT_TOMBSTONE_INTERVAL = Duration.ofSeconds(30);

    public DetectorConfig {
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (!StreamsConfig.EXACTLY_ONCE_V2.equals(processingGuarantee)
                && !StreamsConfig.AT_LEAST_ONCE.equals(processingGuarantee)) {
            throw new IllegalArgumentException("processing guarantee must be exactly_once_v2 or at_least_once, was "
                    + processingGuarantee);
        }
        Objects.requireNonNull(commitInterval, "commitInterval");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(productVersion, "productVersion");
        Objects.requireNonNull(replay, "replay");
        Objects.requireNonNull(forgedTokenBurst, "forgedTokenBurst");
        Objects.requireNonNull(revokedTokenUse, "revokedTokenUse");
        Objects.requireNonNull(userProfile, "userProfile");
        Objects.requireNonNull(tombstoneInterval, "tombstoneInterval");
        if (tombstoneInterval.isNegative() || tombstoneInterval.isZero()) {
            throw new IllegalArgumentException("tombstone interval must be positive");
        }
        clientOverrides = Map.copyOf(clientOverrides);
        if (httpPort < -1 || httpPort > 65_535) {
            throw new IllegalArgumentException("http port must be -1 (off), 0 (any) or a port, was " + httpPort);
        }
        if (applicationServer != null) {
            HostInfo.buildFromEndpoint(applicationServer);
        }
        if (ecsTopic != null && ecsTopic.isBlank()) {
            throw new IllegalArgumentException("ecs topic must not be blank");
        }
        Objects.requireNonNull(anomalousToken, "anomalousToken");
        Objects.requireNonNull(failureBurst, "failureBurst");
        Objects.requireNonNull(controls, "controls");
        Objects.requireNonNull(eventTimes, "eventTimes");
        userProfile = controls.responses().applyTo(userProfile);
    }

    /**
     * The settings of the release before event-time bounds, with those at {@link EventTimeBounds#DEFAULT}; kept
     * so that code written against it still compiles.
     */
    public DetectorConfig(String applicationId, String bootstrapServers, String processingGuarantee,
                          Duration commitInterval, Path stateDir, String productVersion, TokenReplayRule replay,
                          ForgedTokenBurstRule forgedTokenBurst, RevokedTokenUseRule revokedTokenUse,
                          UserProfileRules userProfile, Duration tombstoneInterval,
                          Map<String, String> clientOverrides, int httpPort, String applicationServer,
                          String ecsTopic, AnomalousTokenRule anomalousToken, FailureBurstRule failureBurst,
                          Controls controls) {
        this(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir, productVersion, replay,
                forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval, clientOverrides, httpPort,
                applicationServer, ecsTopic, anomalousToken, failureBurst, controls, EventTimeBounds.DEFAULT);
    }

    /**
     * The settings of the release before the operator controls, enforcing with none; kept so that code
     * written against it still compiles.
     */
    public DetectorConfig(String applicationId, String bootstrapServers, String processingGuarantee,
                          Duration commitInterval, Path stateDir, String productVersion, TokenReplayRule replay,
                          ForgedTokenBurstRule forgedTokenBurst, RevokedTokenUseRule revokedTokenUse,
                          UserProfileRules userProfile, Duration tombstoneInterval,
                          Map<String, String> clientOverrides, int httpPort, String applicationServer,
                          String ecsTopic, AnomalousTokenRule anomalousToken, FailureBurstRule failureBurst) {
        this(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir, productVersion, replay,
                forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval, clientOverrides, httpPort,
                applicationServer, ecsTopic, anomalousToken, failureBurst, Controls.enforcing());
    }

    /**
     * The settings of the release before the anomalous-token and failure-burst rules, with those at
     * their defaults; kept so that code written against it still compiles.
     */
    public DetectorConfig(String applicationId, String bootstrapServers, String processingGuarantee,
                          Duration commitInterval, Path stateDir, String productVersion, TokenReplayRule replay,
                          ForgedTokenBurstRule forgedTokenBurst, RevokedTokenUseRule revokedTokenUse,
                          UserProfileRules userProfile, Duration tombstoneInterval,
                          Map<String, String> clientOverrides, int httpPort, String applicationServer,
                          String ecsTopic) {
        this(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir, productVersion, replay,
                forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval, clientOverrides, httpPort,
                applicationServer, ecsTopic, AnomalousTokenRule.defaults(), FailureBurstRule.defaults());
    }

    /**
     * The settings of the release before the operations endpoints and the ECS projection, with those
     * off; kept so that code written against it still compiles.
     */
    public DetectorConfig(String applicationId, String bootstrapServers, String processingGuarantee,
                          Duration commitInterval, Path stateDir, String productVersion, TokenReplayRule replay,
                          ForgedTokenBurstRule forgedTokenBurst, RevokedTokenUseRule revokedTokenUse,
                          UserProfileRules userProfile, Duration tombstoneInterval,
                          Map<String, String> clientOverrides) {
        this(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir, productVersion, replay,
                forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval, clientOverrides, -1, null, null);
    }

    /**
     * The settings of the first release, with the later rules at their defaults; kept so that code
     * written against it still compiles. Prefer {@link #defaults} and the {@code with…} methods.
     */
    public DetectorConfig(String applicationId, String bootstrapServers, String processingGuarantee,
                          Duration commitInterval, Path stateDir, String productVersion, TokenReplayRule replay,
                          Map<String, String> clientOverrides) {
        this(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir, productVersion, replay,
                ForgedTokenBurstRule.defaults(), RevokedTokenUseRule.defaults(), DEFAULT_TOMBSTONE_INTERVAL,
                clientOverrides);
    }

    /**
     * The settings of the release before per-user profiles, with those at their defaults; kept so that
     * code written against it still compiles.
     */
    public DetectorConfig(String applicationId, String bootstrapServers, String processingGuarantee,
                          Duration commitInterval, Path stateDir, String productVersion, TokenReplayRule replay,
                          ForgedTokenBurstRule forgedTokenBurst, RevokedTokenUseRule revokedTokenUse,
                          Duration tombstoneInterval, Map<String, String> clientOverrides) {
        this(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir, productVersion, replay,
                forgedTokenBurst, revokedTokenUse, UserProfileRules.defaults(), tombstoneInterval, clientOverrides);
    }

    /**
     * Defaults: exactly-once, 100 ms commits, the default rules, tombstones every 30 s; no HTTP
     * endpoints, no {@code application.server}, no ECS projection; enforcing, with no operator controls
     * ({@link Controls#enforcing()}: embedded uses keep their behaviour; the {@code tokenwatch detector}
     * command defaults to audit, see {@link io.tokenwatch.detector.control.DetectorMode}).
     */
    public static DetectorConfig defaults(String bootstrapServers, Path stateDir) {
        return new DetectorConfig(DEFAULT_APPLICATION_ID, bootstrapServers, StreamsConfig.EXACTLY_ONCE_V2,
                Duration.ofMillis(100), stateDir, "0.1.0", TokenReplayRule.defaults(), ForgedTokenBurstRule.defaults(),
                RevokedTokenUseRule.defaults(), UserProfileRules.defaults(), DEFAULT_TOMBSTONE_INTERVAL, Map.of(),
                -1, null, null, AnomalousTokenRule.defaults(), FailureBurstRule.defaults(), Controls.enforcing(),
                EventTimeBounds.DEFAULT);
    }

    public DetectorConfig withApplicationId(String value) {
        return new DetectorConfig(value, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withProcessingGuarantee(String value) {
        return new DetectorConfig(applicationId, bootstrapServers, value, commitInterval, stateDir, productVersion,
                replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withReplay(TokenReplayRule value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, value, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withForgedTokenBurst(ForgedTokenBurstRule value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, value, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withRevokedTokenUse(RevokedTokenUseRule value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, value, userProfile, tombstoneInterval, clientOverrides,
                httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withUserProfile(UserProfileRules value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, value, tombstoneInterval, clientOverrides,
                httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withTombstoneInterval(Duration value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, value, clientOverrides,
                httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    /** Port of the operations endpoints; -1 for none, 0 for any free port. */
    public DetectorConfig withHttpPort(int value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, value, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    /** {@code host:port} other instances reach this one's endpoints at; {@code null} when running alone. */
    public DetectorConfig withApplicationServer(String value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, value, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    /** Topic for the ECS projection of alerts; {@code null} for none. */
    public DetectorConfig withEcsTopic(String value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, value, anomalousToken, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withAnomalousToken(AnomalousTokenRule value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, value, failureBurst, controls, eventTimes);
    }

    public DetectorConfig withFailureBurst(FailureBurstRule value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, anomalousToken, value, controls, eventTimes);
    }

    /**
     * Operators' controls (mode, per-rule responses, allow-lists); their responses are written into the
     * profile rules' policy too (see the record comment).
     */
    public DetectorConfig withControls(Controls value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, value, eventTimes);
    }

    /** How far {@code event_time} may lie from its record's time before the event is dead-lettered. */
    public DetectorConfig withEventTimes(EventTimeBounds value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval,
                clientOverrides, httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, value);
    }

    /** Extra client settings (TLS/SASL, tuning), applied last; replaces any given before. */
    public DetectorConfig withClientOverrides(Map<String, String> value) {
        return new DetectorConfig(applicationId, bootstrapServers, processingGuarantee, commitInterval, stateDir,
                productVersion, replay, forgedTokenBurst, revokedTokenUse, userProfile, tombstoneInterval, value,
                httpPort, applicationServer, ecsTopic, anomalousToken, failureBurst, controls, eventTimes);
    }

    /** The Kafka Streams configuration. */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(commitInterval.toMillis()));
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // Names are part of the upgrade contract: refuse to start with any generated name.
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        // A bad record goes to the DLQ (KIP-1034) and processing continues.
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.DLQ.name());
        // Log, dead-letter and continue, counting what was dead-lettered (DetectorMetrics, when present).
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class.getName());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName());
        // A record the broker refuses (changelog, repartition or output) is dead-lettered too, not retried forever.
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class.getName());
        // INFO records process rate and latency per thread and record-e2e-latency per source and sink
        // node (event time to processing, i.e. filter decision to detector); DEBUG would add per-task
        // and per-node sensors on the hot path.
        p.put(StreamsConfig.METRICS_RECORDING_LEVEL_CONFIG, "INFO");
        if (applicationServer != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        // The revocation path wants no batching delay (DESIGN.md §6).
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), "50");
        p.putAll(clientOverrides);
        return p;
    }
}
