package io.tokenwatch.launcher;

import io.tokenwatch.filter.core.FilterDecision;
import io.tokenwatch.filter.core.FilterRequest;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch demo}: runs the revocation loop on an embedded broker and tells what happened.
 * Each round, a genuine token is used, forged look-alikes naming the same user are sent from three
 * networks (they must revoke nothing), then the genuine token is replayed from two more networks;
 * the detector must revoke it and the filter must then reject it with {@code revoked}. Exits 0 only
 * if every expectation held.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the detect-and-revoke loop on an embedded Kafka broker and report what happened.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "5", description = "Replay incidents to run (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--guarantee", defaultValue = StreamsConfig.EXACTLY_ONCE_V2,
            description = "Detector processing guarantee: exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
    String guarantee;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final Duration QUIET_CHECK = Duration.ofMillis(1500);
    private static final Duration REVOCATION_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || rounds > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rounds must be between 1 and 100");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("tokenwatch demo: the revocation loop on an embedded single-node Kafka (KRaft)");
        long startNanos = System.nanoTime();
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
        List<String> failures = new ArrayList<>();
        List<Long> latencies = new ArrayList<>();
        try (EmbeddedSystem system = EmbeddedSystem.start(issuer.publicKey(), DemoIssuer.KEY_ID, guarantee);
             KafkaConsumer<String, Alert> alerts = alertConsumer(system.bootstrapServers())) {
            out.printf("  broker, topics, detector (%s) and filter ready in %d ms%n%n", guarantee,
                    Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
            out.flush();
            for (int round = 1; round <= rounds; round++) {
                runRound(round, system, issuer, alerts, out, failures, latencies);
            }
        }
        out.println();
        if (!latencies.isEmpty()) {
            List<Long> sorted = latencies.stream().sorted().toList();
            out.printf("third use → rejected as revoked, %d rounds: min %d ms, median %d ms, max %d ms%n",
                    sorted.size(), sorted.get(0), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
        }
        if (failures.isEmpty()) {
            out.println("every expectation held");
            out.flush();
            return 0;
        }
        out.println("FAILED expectations:");
        failures.forEach(f -> out.println("  - " + f));
        out.flush();
        return 1;
    }

    private void runRound(int round, EmbeddedSystem system, DemoIssuer issuer, KafkaConsumer<String, Alert> alerts,
                          PrintWriter out, List<String> failures, List<Long> latencies) throws InterruptedException {
        String user = "user-" + round;
        String jti = UUID.randomUUID().toString();
        String token = issuer.mint(user, jti, Duration.ofMinutes(15));
        String[] genuine = {"198.51.100." + round, "203.0.113." + round, "192.0.2." + round};
        String[] forgedFrom = {"100.64." + round + ".1", "100.65." + round + ".1", "100.66." + round + ".1"};
        out.printf("round %d: %s, token jti %s%n", round, user, jti.substring(0, 8));

        expect(out, failures, "use 1 from " + genuine[0], use(system, token, genuine[0]), Outcome.ACCEPTED);
        String forged = issuer.forge(user, jti);
        for (String ip : forgedFrom) {
            expect(out, failures, "forged token naming " + user + " from " + ip, use(system, forged, ip),
                    Outcome.BAD_SIGNATURE);
        }
        TokenClaims claims = use(system, token, genuine[0]).claims().orElseThrow();
        Thread.sleep(QUIET_CHECK.toMillis());
        boolean revokedByForgery = system.revocationView().check(claims, genuine[0]).isPresent();
        out.printf("  %-44s %s%n", "forged tokens revoked the user?", revokedByForgery ? "YES (wrong)" : "no");
        if (revokedByForgery) {
            failures.add("round " + round + ": forged tokens revoked " + user);
        }

        expect(out, failures, "use 2 from " + genuine[1], use(system, token, genuine[1]), Outcome.ACCEPTED);
        long third = System.nanoTime();
        expect(out, failures, "use 3 from " + genuine[2] + " (third network)", use(system, token, genuine[2]),
                Outcome.ACCEPTED);
        long deadline = third + REVOCATION_TIMEOUT.toNanos();
        while (system.revocationView().check(claims, genuine[2]).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        long millis = Duration.ofNanos(System.nanoTime() - third).toMillis();
        FilterDecision after = use(system, token, genuine[0]);
        expect(out, failures, "next use from " + genuine[0], after, Outcome.REVOKED);
        if (after.outcome() == Outcome.REVOKED) {
            latencies.add(millis);
            out.printf("  %-44s %d ms%n", "third use → revoked at the filter", millis);
        }
        Alert alert = awaitAlert(alerts, jti);
        if (alert == null) {
            failures.add("round " + round + ": no alert for the replayed token");
            out.printf("  %-44s none%n", "alert");
        } else {
            out.printf("  %-44s %s (%s, rule %s)%n", "alert", alert.findingInfo().title(), alert.severity(),
                    alert.findingInfo().analytic().name());
        }
        out.flush();
    }

    private static FilterDecision use(EmbeddedSystem system, String token, String ip) {
        return system.filter().check(FilterRequest.bearer("GET", "/accounts/{id}", token, ip));
    }

    private static void expect(PrintWriter out, List<String> failures, String what, FilterDecision decision,
                               Outcome expected) {
        boolean ok = decision.outcome() == expected;
        out.printf("  %-44s %d %s%s%n", what, decision.status(), decision.outcome().wire(),
                ok ? "" : "   (expected " + expected.wire() + ")");
        if (!ok) {
            failures.add(what + ": " + decision.outcome().wire() + ", expected " + expected.wire());
        }
    }

    private static KafkaConsumer<String, Alert> alertConsumer(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, Alert> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                Topics.ALERTS.valueSerde().deserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.ALERTS.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static Alert awaitAlert(KafkaConsumer<String, Alert> alerts, String jti) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, Alert> record : alerts.poll(Duration.ofMillis(100))) {
                Object token = record.value().unmapped().get("token");
                if (token instanceof java.util.Map<?, ?> facts && jti.equals(facts.get("jti"))) {
                    return record.value();
                }
            }
        }
        return null;
    }
}
