package io.tokenwatch.launcher.bench;

import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.detector.profile.UserProfileSerde;
import io.tokenwatch.detector.profile.UserProfileStore;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Detection quality of the real detector topology on labelled traffic: the stream of a
 * {@link TrafficGenerator} scenario goes through {@link DetectorTopology} on a
 * {@link TopologyTestDriver} (explicit event timestamps, the wall clock advanced with event time so
 * that punctuators run as they would live), and the alerts and revocations that come out are matched
 * to the labels: by victim subject key for attacks on a subject, by sending address for forged-token
 * floods, by token id for token revocations. All times are event time, so the figures are the same on
 * any machine and say nothing about processing latency (that is {@code bench-revocation}'s job).
 *
 * <p>Open loop: the events are generated up front, so an attacker's requests after a revocation are
 * still "accepted" in the stream. The figures are about when the detector decides, not about what a
 * filter would then refuse.
 *
 * <p>Not thread-safe; one run per instance.
 */
public final class QualityBench {

    /** Alerts this long after an attack's last request still count as detecting it. */
    private static final long MATCH_SLACK = Duration.ofMinutes(15).toMillis();
    private static final long WALL_CLOCK_STEP = Duration.ofSeconds(30).toMillis();
    private static final int DRAIN_EVERY = 5_000;

    private final Scenario scenario;

    public QualityBench(Scenario scenario) {
        this.scenario = scenario;
    }

    /** What one run produced, for the report and for tests. */
    public record Result(LabelledTraffic traffic, List<TestRecord<String, Alert>> alerts,
                         List<TestRecord<String, Revocation>> revocations, long profileKeys, long profileBytes,
                         double seconds) {
    }

    /** Per attack type: what was injected and what the detector made of it. */
    public record AttackRow(AttackType type, int injected, int detected, List<Long> alertDelays, int contained,
                            List<Long> revocationDelays, Map<String, Integer> rules, Map<String, Integer> actions) {
    }

    /** The benign side: users without an attack and what the detector did to them in the evaluation window. */
    public record BenignRow(int users, int usersAlerted, int incidents, Map<String, Integer> incidentsByRule,
                            int usersContained, int travellers, int travellersAlerted, int newDevices,
                            int newDevicesAlerted, int historyAlerts, int unmatchedAddressAlerts,
                            int forgedVictims, int forgedVictimsHarmed) {

        public double perThousand() {
            return users == 0 ? 0 : incidents * 1000.0 / users;
        }
    }

    public Result run() {
        LabelledTraffic traffic = TrafficGenerator.generate(scenario);
        Path stateDir = tempDir();
        long started = System.nanoTime();
        List<TestRecord<String, Alert>> alerts = new ArrayList<>();
        List<TestRecord<String, Revocation>> revocations = new ArrayList<>();
        long profileKeys = 0;
        long profileBytes = 0;
        DetectorConfig config = DetectorConfig.defaults("bench-unused:9092", stateDir)
                .withApplicationId("tokenwatch-bench-quality");
        try (TopologyTestDriver driver = new TopologyTestDriver(DetectorTopology.build(config),
                config.streamsProperties(), Instant.ofEpochMilli(scenario.start()))) {
            TestInputTopic<String, TokenUsageEvent> usage = driver.createInputTopic(Topics.TOKEN_USAGE.name(),
                    Topics.TOKEN_USAGE.keySerde().serializer(), Topics.TOKEN_USAGE.valueSerde().serializer());
            TestOutputTopic<String, Alert> alertTopic = driver.createOutputTopic(Topics.ALERTS.name(),
                    Topics.ALERTS.keySerde().deserializer(), Topics.ALERTS.valueSerde().deserializer());
            TestOutputTopic<String, Revocation> revocationTopic = driver.createOutputTopic(Topics.REVOCATIONS.name(),
                    Topics.REVOCATIONS.keySerde().deserializer(), Topics.REVOCATIONS.valueSerde().deserializer());
            long wallClock = scenario.start();
            int piped = 0;
            for (TokenUsageEvent event : traffic.events()) {
                if (event.eventTime() - wallClock >= WALL_CLOCK_STEP) {
                    driver.advanceWallClockTime(Duration.ofMillis(event.eventTime() - wallClock));
                    wallClock = event.eventTime();
                }
                usage.pipeInput(event.key(), event, event.eventTime());
                if (++piped % DRAIN_EVERY == 0) {
                    drain(driver, alertTopic, revocationTopic, alerts, revocations);
                }
            }
            // Let the wall-clock punctuators (tombstones, purges) see the end of the stream.
            driver.advanceWallClockTime(Duration.ofMinutes(5));
            drain(driver, alertTopic, revocationTopic, alerts, revocations);
            KeyValueStore<String, UserProfile> profiles = driver.getKeyValueStore(UserProfileStore.NAME);
            UserProfileSerde serde = new UserProfileSerde();
            try (KeyValueIterator<String, UserProfile> all = profiles.all()) {
                while (all.hasNext()) {
                    var entry = all.next();
                    profileKeys++;
                    profileBytes += entry.key.getBytes(StandardCharsets.UTF_8).length
                            + serde.serialize(UserProfileStore.NAME, entry.value).length;
                }
            }
        } finally {
            deleteRecursively(stateDir);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Result(traffic, alerts, revocations, profileKeys, profileBytes, seconds);
    }

    /**
     * Reads what the topology published. The driver also keeps every changelog record it ever produced;
     * those are read and dropped here, or a long run would hold them all in memory.
     */
    private static void drain(TopologyTestDriver driver, TestOutputTopic<String, Alert> alertTopic,
                              TestOutputTopic<String, Revocation> revocationTopic,
                              List<TestRecord<String, Alert>> alerts, List<TestRecord<String, Revocation>> revocations) {
        alerts.addAll(alertTopic.readRecordsToList());
        revocationTopic.readRecordsToList().stream().filter(r -> r.value() != null).forEach(revocations::add);
        for (String topic : driver.producedTopicNames()) {
            if (!topic.equals(Topics.ALERTS.name()) && !topic.equals(Topics.REVOCATIONS.name())) {
                TestOutputTopic<byte[], byte[]> other = driver.createOutputTopic(topic, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer());
                while (!other.isEmpty()) {
                    other.readRecord();
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Matching

    /** One row per attack type, in {@link AttackType} order. */
    public static List<AttackRow> attackRows(Result result) {
        Map<String, List<Alert>> alertsByKey = new HashMap<>();
        for (TestRecord<String, Alert> record : result.alerts()) {
            alertsByKey.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
        }
        Map<AttackType, AttackRow> rows = new EnumMap<>(AttackType.class);
        for (AttackType type : AttackType.values()) {
            List<AttackLabel> labels = result.traffic().attacks().stream().filter(a -> a.type() == type).toList();
            int detected = 0;
            int contained = 0;
            List<Long> alertDelays = new ArrayList<>();
            List<Long> revocationDelays = new ArrayList<>();
            Map<String, Integer> rules = new TreeMap<>();
            Map<String, Integer> actions = new TreeMap<>();
            for (AttackLabel label : labels) {
                List<Alert> matching = new ArrayList<>();
                for (String key : alertKeys(label)) {
                    for (Alert alert : alertsByKey.getOrDefault(key, List.of())) {
                        if (inAttack(label, alert.time())) {
                            matching.add(alert);
                        }
                    }
                }
                if (!matching.isEmpty()) {
                    detected++;
                    matching.sort(Comparator.comparingLong(Alert::time));
                    alertDelays.add(matching.get(0).time() - label.firstMalicious());
                    matching.stream().map(QualityBench::rule).distinct().forEach(r -> rules.merge(r, 1, Integer::sum));
                }
                List<Revocation> containing = result.revocations().stream().map(TestRecord::value)
                        .filter(r -> covers(r, label) && inAttack(label, r.createdAt()))
                        .sorted(Comparator.comparingLong(Revocation::createdAt)).toList();
                if (!containing.isEmpty()) {
                    contained++;
                    revocationDelays.add(containing.get(0).createdAt() - label.firstMalicious());
                    containing.stream().map(QualityBench::describe).distinct()
                            .forEach(a -> actions.merge(a, 1, Integer::sum));
                }
            }
            rows.put(type, new AttackRow(type, labels.size(), detected, sorted(alertDelays), contained,
                    sorted(revocationDelays), rules, actions));
        }
        return List.copyOf(rows.values());
    }

    public static BenignRow benignRow(Result result) {
        LabelledTraffic traffic = result.traffic();
        Scenario s = traffic.scenario();
        Set<String> attacked = traffic.attacks().stream().map(AttackLabel::victimKey).collect(Collectors.toSet());
        Set<String> attackIps = traffic.attacks().stream().flatMap(a -> a.attackerIps().stream()).map(Keys::ip)
                .collect(Collectors.toSet());
        Set<String> benign = new HashSet<>(traffic.userKeys());
        benign.removeAll(attacked);
        Map<String, Set<String>> incidentsByUser = new HashMap<>();
        Map<String, Set<String>> incidentsByRule = new TreeMap<>();
        int historyAlerts = 0;
        Set<String> unmatchedAddressIncidents = new HashSet<>();
        for (TestRecord<String, Alert> record : result.alerts()) {
            Alert alert = record.value();
            String uid = alert.findingInfo().uid();
            if (alert.time() < s.evaluationStart()) {
                historyAlerts++;
            } else if (benign.contains(record.key())) {
                incidentsByUser.computeIfAbsent(record.key(), k -> new HashSet<>()).add(uid);
                incidentsByRule.computeIfAbsent(rule(alert), k -> new HashSet<>()).add(uid);
            } else if (record.key().startsWith("ip|") && !attackIps.contains(record.key())) {
                unmatchedAddressIncidents.add(uid);
            }
        }
        Set<String> contained = new HashSet<>();
        for (TestRecord<String, Revocation> record : result.revocations()) {
            Revocation r = record.value();
            String subject = switch (r.scope()) {
                case SUBJECT -> Keys.subject(r.issuer(), r.value());
                case JTI -> traffic.subjectOfJti().get(r.value());
                case IP -> null;
            };
            if (subject != null && benign.contains(subject) && r.createdAt() >= s.evaluationStart()) {
                contained.add(subject);
            }
        }
        Set<String> forgedVictims = traffic.attacks().stream().filter(a -> a.type() == AttackType.FORGED_TOKEN_FLOOD)
                .map(AttackLabel::victimKey).collect(Collectors.toSet());
        Set<String> harmed = new HashSet<>();
        for (TestRecord<String, Revocation> record : result.revocations()) {
            Revocation r = record.value();
            if (r.scope() == Revocation.Scope.SUBJECT && forgedVictims.contains(Keys.subject(r.issuer(), r.value()))) {
                harmed.add(Keys.subject(r.issuer(), r.value()));
            }
            if (r.scope() == Revocation.Scope.JTI && forgedVictims.contains(traffic.subjectOfJti().get(r.value()))) {
                harmed.add(traffic.subjectOfJti().get(r.value()));
            }
        }
        int incidents = incidentsByUser.values().stream().mapToInt(Set::size).sum();
        Map<String, Integer> byRule = new TreeMap<>();
        incidentsByRule.forEach((rule, uids) -> byRule.put(rule, uids.size()));
        Set<String> travellers = new HashSet<>(traffic.travellers());
        travellers.retainAll(benign);
        Set<String> newDevices = new HashSet<>(traffic.newDevices());
        newDevices.retainAll(benign);
        return new BenignRow(benign.size(), incidentsByUser.size(), incidents, byRule, contained.size(),
                travellers.size(), (int) travellers.stream().filter(incidentsByUser::containsKey).count(),
                newDevices.size(), (int) newDevices.stream().filter(incidentsByUser::containsKey).count(),
                historyAlerts, unmatchedAddressIncidents.size(), forgedVictims.size(), harmed.size());
    }

    /** The alert keys an attack can be found under: the victim's subject, or the flooding address. */
    private static Set<String> alertKeys(AttackLabel label) {
        if (label.type() == AttackType.FORGED_TOKEN_FLOOD) {
            return label.attackerIps().stream().map(Keys::ip).collect(Collectors.toSet());
        }
        return Set.of(label.victimKey());
    }

    private static boolean covers(Revocation r, AttackLabel label) {
        return switch (r.scope()) {
            case JTI -> label.type() != AttackType.FORGED_TOKEN_FLOOD && label.jtis().contains(r.value());
            case SUBJECT -> label.type() != AttackType.FORGED_TOKEN_FLOOD
                    && Keys.subject(r.issuer(), r.value()).equals(label.victimKey());
            case IP -> label.type() == AttackType.FORGED_TOKEN_FLOOD && label.attackerIps().contains(r.value());
        };
    }

    private static boolean inAttack(AttackLabel label, long time) {
        return time >= label.firstMalicious() && time <= label.lastMalicious() + MATCH_SLACK;
    }

    private static String rule(Alert alert) {
        Alert.Analytic analytic = alert.findingInfo().analytic();
        return analytic != null ? analytic.name() : String.join("+", alert.findingInfo().types());
    }

    private static String describe(Revocation r) {
        return r.scope().wire() + " " + r.action().wire();
    }

    private static List<Long> sorted(List<Long> values) {
        return values.stream().sorted().toList();
    }

    // ---------------------------------------------------------------------------------------------
    // Report

    /** Prints the tables of a run. */
    public static void print(Result result, PrintWriter out) {
        LabelledTraffic traffic = result.traffic();
        Scenario s = traffic.scenario();
        out.printf(Locale.ROOT, "detector quality: %d users, %d days of history + %d of evaluation, seed %d: "
                        + "%d events through the detector topology (TopologyTestDriver) in %.1f s%n",
                s.users(), s.historyDays(), s.evaluationDays(), s.seed(), traffic.events().size(), result.seconds());
        out.println("times are event time from the attack's first malicious request; "
                + "containment = first revocation-topic record covering the attack");
        out.println();
        out.printf(Locale.ROOT, "%-20s %8s %8s %7s %9s %9s %9s %9s %9s  %s%n", "attack", "injected", "detected",
                "rate", "alert p50", "alert max", "contained", "cont. p50", "cont. max", "rules fired (attacks) / containment");
        for (AttackRow row : attackRows(result)) {
            out.printf(Locale.ROOT, "%-20s %8d %8d %7s %9s %9s %9d %9s %9s  %s / %s%n", row.type().label(),
                    row.injected(), row.detected(), percent(row.detected(), row.injected()),
                    seconds(median(row.alertDelays())), seconds(max(row.alertDelays())), row.contained(),
                    seconds(median(row.revocationDelays())), seconds(max(row.revocationDelays())),
                    summary(row.rules()), summary(row.actions()));
        }
        BenignRow benign = benignRow(result);
        out.println();
        out.printf(Locale.ROOT, "%-20s %8s %11s %9s %14s %9s  %s%n", "benign", "users", "with alert", "incidents",
                "per 1000 users", "contained", "incidents by rule");
        out.printf(Locale.ROOT, "%-20s %8d %11d %9d %14.1f %9d  %s%n", "evaluation window", benign.users(),
                benign.usersAlerted(), benign.incidents(), benign.perThousand(), benign.usersContained(),
                summary(benign.incidentsByRule()));
        out.printf(Locale.ROOT, "  of whom travelled: %d (%d alerted); new phone: %d (%d alerted)%n",
                benign.travellers(), benign.travellersAlerted(), benign.newDevices(), benign.newDevicesAlerted());
        out.printf(Locale.ROOT, "  alerts during history (any user): %d; address alerts matching no attack: %d%n",
                benign.historyAlerts(), benign.unmatchedAddressAlerts());
        out.printf(Locale.ROOT, "  victims named by forged tokens whose tokens or subject were revoked or throttled: "
                + "%d of %d (must be 0, DESIGN.md §4)%n", benign.forgedVictimsHarmed(), benign.forgedVictims());
        int attacked = (int) traffic.attacks().stream().map(AttackLabel::victimKey).distinct().count();
        out.printf(Locale.ROOT, "users: %d = %d benign + %d attacked%n", s.users(), benign.users(), attacked);
        if (result.profileKeys() > 0) {
            out.printf(Locale.ROOT, "state: %d user profiles, %.0f bytes per profile (key + serialized value)%n",
                    result.profileKeys(), result.profileBytes() / (double) result.profileKeys());
        }
        out.flush();
    }

    private static String summary(Map<String, Integer> counts) {
        return counts.isEmpty() ? "-" : counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String percent(int part, int whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    private static Long median(List<Long> sorted) {
        return sorted.isEmpty() ? null : sorted.get((sorted.size() - 1) / 2);
    }

    private static Long max(List<Long> sorted) {
        return sorted.isEmpty() ? null : sorted.get(sorted.size() - 1);
    }

    private static String seconds(Long millis) {
        return millis == null ? "-" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("tokenwatch-bench-quality-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
