package io.tokenwatch.launcher;

import io.tokenwatch.detector.Detector;
import io.tokenwatch.detector.control.Controls;
import io.tokenwatch.detector.control.ControlsFile;
import io.tokenwatch.detector.control.DetectorMode;
import io.tokenwatch.detector.control.NetworkAllowList;
import io.tokenwatch.detector.control.ResponseOverrides;
import io.tokenwatch.detector.control.SubjectAllowList;
import io.tokenwatch.detector.topology.DetectorConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/** {@code tokenwatch detector}: the Kafka Streams detector against any Kafka cluster. Runs until interrupted. */
@Command(name = "detector", mixinStandardHelpOptions = true, description = "Run the detector against a Kafka cluster.")
final class DetectorCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--state-dir", defaultValue = "tokenwatch-data/detector",
            description = "Where state stores live (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = DetectorConfig.DEFAULT_APPLICATION_ID,
            description = "Kafka Streams application id (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--guarantee", defaultValue = StreamsConfig.EXACTLY_ONCE_V2,
            description = "exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
    String guarantee;

    @Option(names = "--http-port", defaultValue = "8090",
            description = "Port of /health/live, /health/ready, /metrics and /explain; -1 for none "
                    + "(default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--application-server", paramLabel = "HOST:PORT",
            description = "Where other detector instances reach this one's HTTP port, to route /explain to the "
                    + "instance that owns a subject (Kafka Streams application.server). Set it when running several.")
    String applicationServer;

    @Option(names = "--ecs-topic", paramLabel = "TOPIC",
            description = "Also publish every alert as an ECS document (event.kind: alert) to this topic, e.g. "
                    + "tokenwatch.alerts.ecs (default: none).")
    String ecsTopic;

    @Option(names = "--instance-id", paramLabel = "ID",
            description = {"This instance's stable identity in the consumer group (static membership, Kafka "
                    + "group.instance.id; each stream thread adds its own suffix). A restarted instance with the same "
                    + "id takes its partitions back at once instead of waiting for the killed one's session to time "
                    + "out (45 s). Must differ between instances running at the same time; \"none\" turns static "
                    + "membership off (default: the host name, which suits one instance per host or container)."})
    String instanceId;

    @Option(names = "--create-topics", description = "Create missing tokenwatch topics first (RF 1; for development).")
    boolean createTopics;

    @Option(names = "--mode", paramLabel = "audit|enforce",
            description = {"enforce (the default): containment is published to tokenwatch.revocations. "
                    + "audit: every finding alerts, each alert lists the containment enforce mode "
                    + "would have issued (unmapped.response.would_issue), nothing is revoked or throttled.",
                    "Overrides the controls file's mode."})
    String mode;

    @Option(names = "--response", paramLabel = "RULE[:SEVERITY]=ACTIONS",
            description = "A rule's response, repeatable: actions among observe (count only, no alert), alert, "
                    + "throttle, revoke_token, revoke_subject (and step_up where the detector offers it), e.g. "
                    + "impossible_travel=alert, rate_spike:low=observe. Rules that decide their own containment "
                    + "(token_replay, forged_token_burst, revoked_token_use) take observe or alert only.")
    List<String> responses = new ArrayList<>();

    @Option(names = "--allow-network", paramLabel = "CIDR|IP|AS<n>",
            description = "A network you vouch for (VPN range, office NAT, cloud AS), repeatable: findings of "
                    + "network-dependent rules from it do not alert; blocks of it for forged tokens become throttles.")
    List<String> allowNetworks = new ArrayList<>();

    @Option(names = "--allow-subject", paramLabel = "ISS|SUB[*][=RULES]",
            description = "A service account (subject key, or a prefix ending in *), repeatable: its findings of "
                    + "RULES (default: the behaviour rules) are counted, not alerted.")
    List<String> allowSubjects = new ArrayList<>();

    @Option(names = "--allow-issuer", paramLabel = "ISS[=RULES]",
            description = "An issuer whose subjects' findings of RULES (default: the behaviour rules) are counted, "
                    + "not alerted; repeatable.")
    List<String> allowIssuers = new ArrayList<>();

    @Option(names = "--controls", paramLabel = "FILE",
            description = "A YAML file with mode, responses, allow_networks, allow_subjects, allow_issuers (the same "
                    + "strings as the options above, which add to it).")
    Path controlsFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // Before touching Kafka: a typo in a control is reported at once, naming what is wrong.
        Controls controls = controls();
        Properties client = kafka.clientProperties();
        Ports.requireFree(null, httpPort, "--http-port");
        // Kafka Streams itself would retry an unreachable cluster silently for minutes before its
        // global thread gives up with a message that names neither the servers nor the cause.
        KafkaReachability.require(client);
        if (createTopics) {
            try (Admin admin = Admin.create(client)) {
                TopicInitializer.ensureTopics(admin, 3, (short) 1);
                if (ecsTopic != null) {
                    ensureEcsTopic(admin);
                }
            }
        }
        Map<String, String> overrides = new HashMap<>();
        staticMembership().ifPresent(id -> overrides.put(
                StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
        // A --kafka-config file's own group.instance.id wins.
        client.stringPropertyNames().forEach(k -> overrides.put(k, client.getProperty(k)));
        DetectorConfig config = DetectorConfig.defaults(kafka.bootstrapServers(), stateDir)
                .withApplicationId(applicationId).withProcessingGuarantee(guarantee).withClientOverrides(overrides)
                .withHttpPort(httpPort).withApplicationServer(applicationServer).withEcsTopic(ecsTopic)
                .withControls(controls);
        Detector detector = new Detector(config).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            detector.close();
            stopped.countDown();
        }, "tokenwatch-detector-shutdown"));
        if (!detector.awaitRunning(Duration.ofSeconds(60))) {
            throw new IllegalStateException("detector did not start within 60 s (state " + detector.state()
                    + "); is Kafka reachable at " + kafka.bootstrapServers() + " and do the topics exist?");
        }
        spec.commandLine().getOut().printf("detector running (%s; %s) against %s%s; Ctrl-C to stop%n", guarantee,
                controls.summary(), kafka.bootstrapServers(), detector.httpPort().isPresent()
                        ? "; health, metrics and explain on port " + detector.httpPort().getAsInt() : "");
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    /**
     * The operator controls: the file's, then the options' (which add to its lists); the mode from
     * {@code --mode}, else the file, else enforce ({@link DetectorMode} says why).
     */
    Controls controls() {
        ControlsFile.Content file = controlsFile == null ? ControlsFile.Content.empty() : ControlsFile.read(controlsFile);
        DetectorMode chosen = mode != null ? DetectorMode.parse(mode)
                : file.mode() != null ? file.mode() : DetectorMode.ENFORCE;
        return new Controls(chosen, ResponseOverrides.parse(concat(file.responses(), responses)),
                NetworkAllowList.of(concat(file.networks(), allowNetworks)),
                SubjectAllowList.of(concat(file.subjects(), allowSubjects), concat(file.issuers(), allowIssuers)));
    }

    /** The group.instance.id: {@code --instance-id}, else the host name; empty for "none". */
    Optional<String> staticMembership() {
        String id = instanceId;
        if (id == null) {
            try {
                id = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                // Without a stable name there is no stable identity: dynamic membership, as before.
                return Optional.empty();
            }
        }
        id = id.strip();
        if (id.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--instance-id must not be blank");
        }
        return "none".equals(id) ? Optional.empty() : Optional.of("tokenwatch-detector-" + id);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** The ECS topic, partitioned like the alerts; a topic that already exists is left as it is. */
    private void ensureEcsTopic(Admin admin) throws InterruptedException {
        try {
            admin.createTopics(List.of(new NewTopic(ecsTopic, 3, (short) 1)
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(30).toMillis())))))
                    .all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + ecsTopic, e.getCause());
            }
        }
    }
}
