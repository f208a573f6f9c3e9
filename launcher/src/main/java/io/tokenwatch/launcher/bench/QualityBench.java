package io.tokenwatch.launcher.bench;

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
import org.apache.kafka.streams.test.TestRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Detection quality of the real detector topology on labelled traffic: the stream of a
 * {@link TrafficGenerator} scenario goes through {@link DetectorTopology} (default
 * {@link DetectorConfig}) on a {@link TopologyTestDriver} (explicit event timestamps, the wall clock
 * advanced with event time so punctuators run as they would live), and what comes out on
 * {@code tokenwatch.alerts} and {@code tokenwatch.revocations} is scored against the labels. The
 * benchmark reads only the detector's published output, never its stores' contents or rule names
 * as inputs, so it keeps measuring whatever the detector becomes.
 *
 * <p>Definitions (also in the README's benchmark section):
 * <ul>
 *   <li>An alert is <em>about</em> the subjects its record key or {@code actor.user.uid} names and
 *       the address an {@code ip|…} record key names; alerts are counted by
 *       {@code finding_info.uid}.</li>
 *   <li>An attack is <em>detected</em> when an alert about or citing (evidence
 *       {@code src_endpoint.ip}) one of its addresses, or an alert about its victim that cites no
 *       address at all, has an event time from its first malicious request to 15 minutes after its
 *       last. (An alert about the victim that cites only other addresses was raised by the victim's
 *       own requests.) Time to first alert is that alert's event time minus the first malicious
 *       request's.</li>
 *   <li>An attack is <em>contained</em> when, in the same span, a revocation record covers one of its
 *       tokens, its victim's subject (not for forgeries) or one of its addresses.</li>
 *   <li>A <em>false alarm</em> is an alert on {@code tokenwatch.alerts} about a benign subject, or
 *       about an address benign users' requests came from, with an event time in the evaluation
 *       window, that detects no attack. The rate is false alarms per 1,000 benign subjects per day
 *       of the evaluation window.</li>
 *   <li>A benign user is <em>revoked</em> (or throttled, or asked to step up) when any revocation
 *       record with that action, at any time in the run, covers their subject, one of their tokens,
 *       or an address their requests came from.</li>
 * </ul>
 *
 * <p>Open loop: events are generated up front, so requests after a revocation still appear
 * "accepted". The figures say when the detector decides, not what a filter would then refuse.
 *
 * <p>Not thread-safe; one run per instance.
 */
public final class QualityBench {

    /** Alerts this long after an attack's last request still count as detecting it. */
    static final long MATCH_SLACK = Duration.ofMinutes(15).toMillis();
    private static final long WALL_CLOCK_STEP = Duration.ofSeconds(30).toMillis();
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final int DRAIN_EVERY = 5_000;

    private final Scenario scenario;

    public QualityBench(Scenario scenario) {
        this.scenario = scenario;
    }

    /**
     * What one run produced.
     *
     * @param stateKeys  live keys over all of the detector's changelog topics at the end
     * @param stateBytes their key and value bytes (window stores keep superseded windows until
     *                   compaction, so this is an upper bound of what the stores hold)
     */
    public record Result(LabelledTraffic traffic, List<TestRecord<String, Alert>> alerts,
                         List<TestRecord<String, Revocation>> revocations, long stateKeys, long stateBytes,
                         double seconds) {
    }

    public Result run() {
        LabelledTraffic traffic = TrafficGenerator.generate(scenario);
        Path stateDir = tempDir();
        long started = System.nanoTime();
        List<TestRecord<String, Alert>> alerts = new ArrayList<>();
        List<TestRecord<String, Revocation>> revocations = new ArrayList<>();
        Map<String, Map<ByteBuffer, Integer>> changelogs = new HashMap<>();
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
                    drain(driver, alertTopic, revocationTopic, alerts, revocations, changelogs);
                }
            }
            // Let the wall-clock punctuators (tombstones, purges) see the end of the stream.
            driver.advanceWallClockTime(Duration.ofMinutes(5));
            drain(driver, alertTopic, revocationTopic, alerts, revocations, changelogs);
        } finally {
            deleteRecursively(stateDir);
        }
        long keys = 0;
        long bytes = 0;
        for (Map<ByteBuffer, Integer> topic : changelogs.values()) {
            keys += topic.size();
            for (Map.Entry<ByteBuffer, Integer> e : topic.entrySet()) {
                bytes += e.getKey().remaining() + e.getValue();
            }
        }
        return new Result(traffic, alerts, revocations, keys, bytes, (System.nanoTime() - started) / 1e9);
    }

    /**
     * Reads what the topology published. The driver keeps every record it ever produced; they are read
     * and dropped here, or a long run would hold them all, and changelog records are reduced to the
     * size of the latest value per key (the state the stores hold, without reading any store).
     */
    private static void drain(TopologyTestDriver driver, TestOutputTopic<String, Alert> alertTopic,
                              TestOutputTopic<String, Revocation> revocationTopic,
                              List<TestRecord<String, Alert>> alerts, List<TestRecord<String, Revocation>> revocations,
                              Map<String, Map<ByteBuffer, Integer>> changelogs) {
        alerts.addAll(alertTopic.readRecordsToList());
        revocationTopic.readRecordsToList().stream().filter(r -> r.value() != null).forEach(revocations::add);
        for (String topic : driver.producedTopicNames()) {
            if (topic.equals(Topics.ALERTS.name()) || topic.equals(Topics.REVOCATIONS.name())) {
                continue;
            }
            TestOutputTopic<byte[], byte[]> other = driver.createOutputTopic(topic, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            Map<ByteBuffer, Integer> latest = topic.endsWith("-changelog")
                    ? changelogs.computeIfAbsent(topic, t -> new HashMap<>()) : null;
            while (!other.isEmpty()) {
                TestRecord<byte[], byte[]> record = other.readRecord();
                if (latest != null && record.key() != null) {
                    ByteBuffer key = ByteBuffer.wrap(record.key());
                    if (record.value() == null) {
                        latest.remove(key);
                    } else {
                        latest.put(key, record.value().length);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Scoring

    /**
     * Per attack type: what was injected and what the detector made of it.
     *
     * @param victimsHarmed forgeries only: named victims whose subject a revocation record (any action)
     *                      covered from the flood's first request to an hour after its last (token-scope
     *                      records are left out: a forged token carries none of the victim's real token
     *                      ids, so blocking one of those comes from the victim's own requests)
     */
    public record AttackRow(AttackType type, int injected, int detected, List<Long> alertDelays, int contained,
                            List<Long> containDelays, int victimsHarmed, Map<String, Integer> rules,
                            Map<String, Integer> actions) {

        AttackRow plus(AttackRow o) {
            return new AttackRow(type, injected + o.injected, detected + o.detected, concat(alertDelays, o.alertDelays),
                    contained + o.contained, concat(containDelays, o.containDelays), victimsHarmed + o.victimsHarmed,
                    merge(rules, o.rules), merge(actions, o.actions));
        }
    }

    /**
     * Per benign behaviour: its users and what the detector did to them.
     *
     * @param userDays          users × evaluation days (the denominator of the false-alarm rate)
     * @param falseAlarms       distinct alerts about at least one user with this behaviour
     * @param throttledAlone    throttled users about whom at most one rule alerted in the hour up to the
     *                          throttle (a throttle on a single signal)
     */
    public record BehaviourRow(BenignBehaviour behaviour, int users, long userDays, int falseAlarms, int usersAlerted,
                               int revoked, int throttled, int throttledAlone, int steppedUp,
                               Map<String, Integer> rules) {

        public double perThousandPerDay() {
            return userDays == 0 ? 0 : falseAlarms * 1000.0 / userDays;
        }

        BehaviourRow plus(BehaviourRow o) {
            return new BehaviourRow(behaviour, users + o.users, userDays + o.userDays, falseAlarms + o.falseAlarms,
                    usersAlerted + o.usersAlerted, revoked + o.revoked, throttled + o.throttled,
                    throttledAlone + o.throttledAlone, steppedUp + o.steppedUp, merge(rules, o.rules));
        }
    }

    /**
     * A run reduced to its figures (the events and records are dropped, so several seeds fit in memory).
     *
     * @param revokedByScope benign users revoked, by the scope of a block that reached them (a user
     *                       reached by several scopes is counted under each)
     * @param otherAlerts alerts in the evaluation window about neither a benign user nor a matched
     *                    attack (attacked subjects outside their attack, operator findings keyed otherwise)
     */
    public record Report(List<Scenario> scenarios, long events, double seconds, List<AttackRow> attacks,
                         List<BehaviourRow> behaviours, Map<String, Integer> revokedByScope, int historyAlerts,
                         Map<String, Integer> otherAlerts,
                         long stateKeys, long stateBytes, long subjects) {

        public BehaviourRow all() {
            return behaviours.stream().filter(b -> b.behaviour() == BenignBehaviour.ALL).findFirst().orElseThrow();
        }

        public int injected() {
            return attacks.stream().mapToInt(AttackRow::injected).sum();
        }

        public int detected() {
            return attacks.stream().mapToInt(AttackRow::detected).sum();
        }

        public Report plus(Report o) {
            List<Scenario> s = new ArrayList<>(scenarios);
            s.addAll(o.scenarios);
            List<AttackRow> a = new ArrayList<>();
            for (int i = 0; i < attacks.size(); i++) {
                a.add(attacks.get(i).plus(o.attacks.get(i)));
            }
            List<BehaviourRow> b = new ArrayList<>();
            for (int i = 0; i < behaviours.size(); i++) {
                b.add(behaviours.get(i).plus(o.behaviours.get(i)));
            }
            return new Report(s, events + o.events, seconds + o.seconds, a, b,
                    merge(revokedByScope, o.revokedByScope), historyAlerts + o.historyAlerts,
                    merge(otherAlerts, o.otherAlerts), stateKeys + o.stateKeys, stateBytes + o.stateBytes,
                    subjects + o.subjects);
        }
    }

    /** What an alert is about, read from its published form only. */
    private record AlertFacts(String uid, long time, String rule, Set<String> subjects, Set<String> addresses,
                              Set<String> evidenceIps) {

        static AlertFacts of(TestRecord<String, Alert> record) {
            Alert alert = record.value();
            Set<String> subjects = new HashSet<>();
            Set<String> addresses = new HashSet<>();
            String key = record.key();
            if (key != null && key.startsWith("ip|")) {
                addresses.add(key.substring(3));
            } else if (key != null && key.indexOf('|') > 0) {
                subjects.add(key);
            }
            if (alert.actor() != null && alert.actor().user() != null && alert.actor().user().uid() != null) {
                subjects.add(alert.actor().user().uid());
            }
            Set<String> evidenceIps = new HashSet<>();
            for (Alert.Evidence evidence : alert.evidences()) {
                if (evidence.srcEndpoint() != null && evidence.srcEndpoint().ip() != null) {
                    evidenceIps.add(evidence.srcEndpoint().ip());
                }
            }
            return new AlertFacts(alert.findingInfo().uid(), alert.time(), QualityBench.rule(alert), subjects, addresses, evidenceIps);
        }

        boolean detects(AttackLabel label) {
            if (time < label.firstMalicious() || time > label.lastMalicious() + MATCH_SLACK) {
                return false;
            }
            if (intersects(addresses, label.attackerIps()) || intersects(evidenceIps, label.attackerIps())) {
                return true;
            }
            // About the victim but citing only other addresses: the victim's own requests raised it.
            return subjects.contains(label.victimKey()) && evidenceIps.isEmpty();
        }
    }

    /** Scores one run. */
    public static Report score(Result result) {
        LabelledTraffic traffic = result.traffic();
        Scenario s = traffic.scenario();
        List<AlertFacts> alerts = result.alerts().stream().map(AlertFacts::of).toList();
        Set<String> attacked = new HashSet<>();
        traffic.attacks().forEach(a -> attacked.add(a.victimKey()));
        Set<String> benign = new HashSet<>(traffic.behaviours().keySet());
        benign.removeAll(attacked);

        // Attacks.
        Set<String> detectingUids = new HashSet<>();
        Map<AttackType, AttackRow> attackRows = new EnumMap<>(AttackType.class);
        for (AttackType type : AttackType.values()) {
            List<AttackLabel> labels = traffic.attacks().stream().filter(a -> a.type() == type).toList();
            int detected = 0;
            int contained = 0;
            int harmed = 0;
            List<Long> alertDelays = new ArrayList<>();
            List<Long> containDelays = new ArrayList<>();
            Map<String, Integer> rules = new TreeMap<>();
            Map<String, Integer> actions = new TreeMap<>();
            for (AttackLabel label : labels) {
                List<AlertFacts> matching = alerts.stream().filter(a -> a.detects(label))
                        .sorted(Comparator.comparingLong(AlertFacts::time)).toList();
                if (!matching.isEmpty()) {
                    detected++;
                    alertDelays.add(matching.get(0).time() - label.firstMalicious());
                    matching.forEach(a -> detectingUids.add(a.uid()));
                    matching.stream().map(AlertFacts::rule).distinct().forEach(r -> rules.merge(r, 1, Integer::sum));
                }
                List<Revocation> containing = result.revocations().stream().map(TestRecord::value)
                        .filter(r -> covers(r, label, traffic) && r.createdAt() >= label.firstMalicious()
                                && r.createdAt() <= label.lastMalicious() + MATCH_SLACK)
                        .sorted(Comparator.comparingLong(Revocation::createdAt)).toList();
                if (!containing.isEmpty()) {
                    contained++;
                    containDelays.add(containing.get(0).createdAt() - label.firstMalicious());
                    containing.stream().map(r -> r.scope().wire() + " " + r.action().wire()).distinct()
                            .forEach(a -> actions.merge(a, 1, Integer::sum));
                }
                if (type.isForgery() && result.revocations().stream().map(TestRecord::value)
                        .anyMatch(r -> r.scope() == Revocation.Scope.SUBJECT && r.createdAt() >= label.firstMalicious()
                                && r.createdAt() <= label.lastMalicious() + HOUR
                                && coveredUsers(r, traffic).contains(label.victimKey()))) {
                    harmed++;
                }
            }
            attackRows.put(type, new AttackRow(type, labels.size(), detected, sorted(alertDelays), contained,
                    sorted(containDelays), harmed, rules, actions));
        }

        // Benign: false alarms in the evaluation window.
        Map<String, List<AlertFacts>> alertsByUser = new HashMap<>();
        Map<BenignBehaviour, Set<String>> falseAlarmUids = new EnumMap<>(BenignBehaviour.class);
        Map<BenignBehaviour, Set<String>> alertedUsers = new EnumMap<>(BenignBehaviour.class);
        Map<BenignBehaviour, Map<String, Set<String>>> rulesByBehaviour = new EnumMap<>(BenignBehaviour.class);
        Map<String, Set<String>> other = new TreeMap<>();
        int historyAlerts = 0;
        Set<String> seenUids = new HashSet<>();
        for (AlertFacts alert : alerts) {
            Set<String> users = aboutUsers(alert, traffic, benign);
            for (String user : users) {
                alertsByUser.computeIfAbsent(user, k -> new ArrayList<>()).add(alert);
            }
            if (alert.time() < s.evaluationStart()) {
                if (seenUids.add(alert.uid())) {
                    historyAlerts++;
                }
                continue;
            }
            if (detectingUids.contains(alert.uid())) {
                continue;
            }
            if (users.isEmpty()) {
                other.computeIfAbsent(alert.rule(), k -> new HashSet<>()).add(alert.uid());
                continue;
            }
            for (String user : users) {
                for (BenignBehaviour b : traffic.behaviours().get(user)) {
                    falseAlarmUids.computeIfAbsent(b, k -> new HashSet<>()).add(alert.uid());
                    alertedUsers.computeIfAbsent(b, k -> new HashSet<>()).add(user);
                    rulesByBehaviour.computeIfAbsent(b, k -> new TreeMap<>())
                            .computeIfAbsent(alert.rule(), k -> new HashSet<>()).add(alert.uid());
                }
            }
        }

        // Benign: containment at any time in the run.
        Set<String> revoked = new HashSet<>();
        Map<String, Set<String>> revokedByScope = new TreeMap<>();
        Map<String, Long> throttledAt = new HashMap<>();
        Set<String> steppedUp = new HashSet<>();
        for (TestRecord<String, Revocation> record : result.revocations()) {
            Revocation r = record.value();
            for (String user : coveredUsers(r, traffic)) {
                if (!benign.contains(user)) {
                    continue;
                }
                switch (r.action()) {
                    case BLOCK -> {
                        revoked.add(user);
                        revokedByScope.computeIfAbsent(r.scope().wire(), k -> new HashSet<>()).add(user);
                    }
                    case THROTTLE -> throttledAt.merge(user, r.createdAt(), Math::min);
                    case STEP_UP -> steppedUp.add(user);
                }
            }
        }
        Set<String> throttledAlone = new HashSet<>();
        throttledAt.forEach((user, at) -> {
            long rules = alertsByUser.getOrDefault(user, List.of()).stream()
                    .filter(a -> a.time() <= at && a.time() >= at - HOUR).map(AlertFacts::rule).distinct().count();
            if (rules <= 1) {
                throttledAlone.add(user);
            }
        });

        List<BehaviourRow> behaviourRows = new ArrayList<>();
        for (BenignBehaviour b : BenignBehaviour.values()) {
            Set<String> users = new HashSet<>(traffic.usersWith(b));
            users.retainAll(benign);
            Map<String, Integer> rules = new TreeMap<>();
            rulesByBehaviour.getOrDefault(b, Map.of()).forEach((rule, uids) -> rules.put(rule, uids.size()));
            behaviourRows.add(new BehaviourRow(b, users.size(), (long) users.size() * s.evaluationDays(),
                    falseAlarmUids.getOrDefault(b, Set.of()).size(), alertedUsers.getOrDefault(b, Set.of()).size(),
                    count(users, revoked), count(users, throttledAt.keySet()), count(users, throttledAlone),
                    count(users, steppedUp), rules));
        }
        Map<String, Integer> byScope = new TreeMap<>();
        revokedByScope.forEach((scope, users) -> byScope.put(scope, users.size()));
        Map<String, Integer> otherCounts = new TreeMap<>();
        other.forEach((rule, uids) -> otherCounts.put(rule, uids.size()));
        long subjects = traffic.behaviours().size() + traffic.attacks().stream()
                .filter(a -> !traffic.behaviours().containsKey(a.victimKey())).count();
        return new Report(List.of(s), traffic.events().size(), result.seconds(), List.copyOf(attackRows.values()),
                behaviourRows, byScope, historyAlerts, otherCounts, result.stateKeys(), result.stateBytes(), subjects);
    }

    /** Benign users an alert is about: named subjects, and everyone whose requests came from a named address. */
    private static Set<String> aboutUsers(AlertFacts alert, LabelledTraffic traffic, Set<String> benign) {
        Set<String> users = new HashSet<>();
        for (String subject : alert.subjects()) {
            if (benign.contains(subject)) {
                users.add(subject);
            }
        }
        for (String address : alert.addresses()) {
            for (String user : traffic.usersByAddress().getOrDefault(address, Set.of())) {
                if (benign.contains(user)) {
                    users.add(user);
                }
            }
        }
        return users;
    }

    /** Simulated users a revocation record reaches: the subject, the token's owner, or the address's users. */
    static Set<String> coveredUsers(Revocation r, LabelledTraffic traffic) {
        return switch (r.scope()) {
            case SUBJECT -> Set.of(Keys.subject(r.issuer(), r.value()));
            case JTI -> {
                String owner = traffic.subjectOfJti().get(r.value());
                yield owner == null ? Set.of() : Set.of(owner);
            }
            case IP -> {
                if (r.value().indexOf('/') < 0) {
                    yield traffic.usersByAddress().getOrDefault(r.value(), Set.of());
                }
                Set<String> users = new HashSet<>();
                traffic.usersByAddress().forEach((ip, who) -> {
                    if (inCidr(ip, r.value())) {
                        users.addAll(who);
                    }
                });
                yield users;
            }
        };
    }

    private static boolean covers(Revocation r, AttackLabel label, LabelledTraffic traffic) {
        return switch (r.scope()) {
            case JTI -> label.jtis().contains(r.value());
            case SUBJECT -> !label.type().isForgery() && Keys.subject(r.issuer(), r.value()).equals(label.victimKey());
            case IP -> r.value().indexOf('/') < 0 ? label.attackerIps().contains(r.value())
                    : label.attackerIps().stream().anyMatch(ip -> inCidr(ip, r.value()));
        };
    }

    /** IPv4 only: the generator makes no IPv6 addresses. */
    static boolean inCidr(String ip, String cidr) {
        int slash = cidr.indexOf('/');
        int bits = Integer.parseInt(cidr.substring(slash + 1));
        if (ip.indexOf(':') >= 0 || cidr.indexOf(':') >= 0) {
            return false;
        }
        long mask = bits == 0 ? 0 : (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
        return (ipv4(ip) & mask) == (ipv4(cidr.substring(0, slash)) & mask);
    }

    private static long ipv4(String ip) {
        long value = 0;
        for (String part : ip.split("\\.")) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    private static String rule(Alert alert) {
        Alert.Analytic analytic = alert.findingInfo().analytic();
        return analytic != null ? analytic.name() : String.join("+", alert.findingInfo().types());
    }

    private static int count(Set<String> users, Set<String> subset) {
        int n = 0;
        for (String u : users) {
            if (subset.contains(u)) {
                n++;
            }
        }
        return n;
    }

    private static boolean intersects(Set<String> a, Set<String> b) {
        for (String x : a) {
            if (b.contains(x)) {
                return true;
            }
        }
        return false;
    }

    private static List<Long> sorted(List<Long> values) {
        return values.stream().sorted().toList();
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> all = new ArrayList<>(a);
        all.addAll(b);
        return sorted(all);
    }

    private static Map<String, Integer> merge(Map<String, Integer> a, Map<String, Integer> b) {
        Map<String, Integer> all = new TreeMap<>(a);
        b.forEach((k, v) -> all.merge(k, v, Integer::sum));
        return all;
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
