package io.tokenwatch.launcher;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code tokenwatch status} reports about a cluster, gathered without joining any consumer group:
 * the revocation topic replayed from offset 0 the way a filter does at start (active entries by scope
 * and action), the detector's consumer group (state, members, lag on the usage topic) through the
 * Admin API, the alerts on the alert topic by rule, and, when the detector's HTTP address is known,
 * its readiness and rule counters from {@code /metrics}. Immutable once gathered.
 *
 * @param revocations the revocation topic as a filter would see it now
 * @param detector    the detector's group
 * @param alerts      the alert topic
 * @param endpoint    the detector's own view, or null when no URL was given
 */
record ClusterStatus(RevocationStatus revocations, DetectorStatus detector, AlertStatus alerts,
                     DetectorEndpoint endpoint) {

    /**
     * @param partitions       partitions of the revocation topic
     * @param endOffsets       per partition, the offset a reader must reach to be caught up
     * @param records          records replayed
     * @param unreadable       records that could not be read (a filter skips them too)
     * @param replayMillis     how long the replay took (what a filter's start-up waits for)
     * @param active           live entries by {@code scope action}, e.g. {@code jti block}
     * @param activeTotal      all live entries
     * @param expired          entries past {@code expires_at} not yet tombstoned
     * @param lifted           keys whose last record is a tombstone
     */
    record RevocationStatus(int partitions, List<Long> endOffsets, long records, long unreadable, long replayMillis,
                            Map<String, Long> active, long activeTotal, long expired, long lifted) {
    }

    /**
     * @param applicationId the detector's application id (its consumer group)
     * @param state         group state ({@code Stable}, {@code Empty}, {@code Dead} when it does not exist, ...)
     * @param members       members of the group
     * @param lag           usage events not yet processed, summed over partitions (null if nothing is committed)
     * @param usageEnd      end offsets of the usage topic, summed
     */
    record DetectorStatus(String applicationId, String state, int members, Long lag, long usageEnd) {
    }

    /**
     * @param records    alerts on the topic (within retention)
     * @param byRule     alerts by rule
     * @param unreadable records that could not be read
     */
    record AlertStatus(long records, Map<String, Long> byRule, long unreadable) {
    }

    /**
     * @param url         the detector's base URL
     * @param ready       HTTP status of {@code /health/ready} (200 ready, 503 not), or -1 if unreachable
     * @param alerts      {@code tokenwatch_detector_alerts_total} by rule
     * @param revocations {@code tokenwatch_detector_revocations_total} by {@code rule scope}
     * @param dlq         {@code tokenwatch_detector_dlq_total}, summed
     * @param error       why the endpoint could not be read, or null
     * @param mode        {@code audit} or {@code enforce}, from {@code tokenwatch_detector_mode}; null if not shown
     * @param wouldIssue  audit mode: {@code tokenwatch_detector_would_issue_total}, summed
     */
    record DetectorEndpoint(String url, int ready, Map<String, Long> alerts, Map<String, Long> revocations, long dlq,
                            String error, String mode, long wouldIssue) {
    }

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Pattern METRIC = Pattern.compile("^(tokenwatch_detector_[a-z_]+_total)\\{([^}]*)}\\s+(\\S+)");
    private static final Pattern MODE = Pattern.compile("^tokenwatch_detector_mode\\{([^}]*)}\\s+1(\\.0)?\\s*$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /**
     * Gathers everything.
     *
     * @param client        Kafka client properties (bootstrap servers, TLS/SASL)
     * @param applicationId the detector's application id
     * @param detectorUrl   the detector's HTTP base URL, or null
     * @param timeout       the longest any one part may take
     * @param clock         what "active" is judged against
     */
    static ClusterStatus gather(Properties client, String applicationId, URI detectorUrl, Duration timeout,
                                Clock clock) throws InterruptedException {
        try (Admin admin = Admin.create(client)) {
            RevocationStatus revocations = revocations(client, timeout, clock);
            DetectorStatus detector = detector(admin, applicationId, timeout);
            AlertStatus alerts = alerts(client, timeout);
            DetectorEndpoint endpoint = detectorUrl == null ? null : endpoint(detectorUrl, timeout);
            return new ClusterStatus(revocations, detector, alerts, endpoint);
        }
    }

    private static RevocationStatus revocations(Properties client, Duration timeout, Clock clock) {
        long start = System.nanoTime();
        Map<String, Revocation> latest = new HashMap<>();
        long[] counts = new long[2];
        Deserializer<Revocation> values = Topics.REVOCATIONS.valueSerde().deserializer();
        List<Long> ends = replay(client, Topics.REVOCATIONS.name(), timeout, record -> {
            counts[0]++;
            if (record.value() == null) {
                latest.put(key(record), null);
                return;
            }
            try {
                latest.put(key(record), values.deserialize(record.topic(), record.value()));
            } catch (RuntimeException e) {
                counts[1]++;
            }
        });
        long now = clock.millis();
        Map<String, Long> active = new TreeMap<>();
        long total = 0;
        long expired = 0;
        long lifted = 0;
        for (Revocation r : latest.values()) {
            if (r == null) {
                lifted++;
            } else if (r.isVoidAt(now)) {
                expired++;
            } else {
                active.merge(r.scope().wire() + " " + r.action().wire(), 1L, Long::sum);
                total++;
            }
        }
        return new RevocationStatus(ends.size(), ends, counts[0], counts[1],
                Duration.ofNanos(System.nanoTime() - start).toMillis(), active, total, expired, lifted);
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
    }

    private static AlertStatus alerts(Properties client, Duration timeout) {
        Map<String, Long> byRule = new TreeMap<>();
        long[] counts = new long[2];
        Deserializer<Alert> values = Topics.ALERTS.valueSerde().deserializer();
        replay(client, Topics.ALERTS.name(), timeout, record -> {
            counts[0]++;
            try {
                Alert alert = values.deserialize(record.topic(), record.value());
                byRule.merge(alert.findingInfo().analytic().name(), 1L, Long::sum);
            } catch (RuntimeException e) {
                counts[1]++;
            }
        });
        return new AlertStatus(counts[0], byRule, counts[1]);
    }

    /**
     * Reads every partition of {@code topic} from the beginning to its end offsets at the start,
     * {@code read_committed}, without a group; returns those end offsets.
     */
    private static List<Long> replay(Properties client, String topic, Duration timeout,
                                     java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            var infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist");
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                    .sorted(java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!caughtUp(consumer, partitions, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within "
                            + timeout.toSeconds() + " s");
                }
                consumer.poll(POLL).forEach(each);
            }
            return partitions.stream().map(end::get).toList();
        }
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions,
                                    Map<TopicPartition, Long> end) {
        for (TopicPartition p : partitions) {
            if (consumer.position(p) < end.get(p)) {
                return false;
            }
        }
        return true;
    }

    private static DetectorStatus detector(Admin admin, String applicationId, Duration timeout)
            throws InterruptedException {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId)).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(applicationId);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            var usage = admin.describeTopics(List.of(Topics.TOKEN_USAGE.name())).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(Topics.TOKEN_USAGE.name());
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            usage.partitions().forEach(p -> latest.put(new TopicPartition(usage.name(), p.partition()),
                    OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long usageEnd = 0;
            long lag = 0;
            boolean anyCommitted = false;
            for (var entry : ends.entrySet()) {
                long end = entry.getValue().offset();
                usageEnd += end;
                OffsetAndMetadata done = committed.get(entry.getKey());
                if (done != null) {
                    anyCommitted = true;
                    lag += Math.max(0, end - done.offset());
                } else {
                    lag += end;
                }
            }
            return new DetectorStatus(applicationId, pretty(group.groupState().toString()), group.members().size(),
                    anyCommitted ? lag : null, usageEnd);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot describe the detector's group " + applicationId + ": "
                    + cause.getMessage(), cause);
        }
    }

    private static String pretty(String state) {
        String lower = state.toLowerCase(java.util.Locale.ROOT);
        return lower.isEmpty() ? lower : Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }

    private static DetectorEndpoint endpoint(URI base, Duration timeout) throws InterruptedException {
        String url = base.toString().replaceAll("/+$", "");
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        try {
            int ready = http.send(HttpRequest.newBuilder(URI.create(url + "/health/ready")).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            String metrics = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).timeout(timeout).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Map<String, Long> alerts = new TreeMap<>();
            Map<String, Long> revocations = new TreeMap<>();
            long dlq = 0;
            long wouldIssue = 0;
            String mode = null;
            for (String line : metrics.split("\n")) {
                Matcher running = MODE.matcher(line);
                if (running.find()) {
                    mode = labels(running.group(1)).get("mode");
                    continue;
                }
                Matcher m = METRIC.matcher(line);
                if (!m.find()) {
                    continue;
                }
                Map<String, String> labels = labels(m.group(2));
                long value = (long) Double.parseDouble(m.group(3));
                switch (m.group(1)) {
                    case "tokenwatch_detector_alerts_total" -> alerts.merge(labels.getOrDefault("rule", "?"), value,
                            Long::sum);
                    case "tokenwatch_detector_revocations_total" -> revocations.merge(
                            labels.getOrDefault("rule", "?") + " " + labels.getOrDefault("scope", "?"), value,
                            Long::sum);
                    case "tokenwatch_detector_dlq_total" -> dlq += value;
                    case "tokenwatch_detector_would_issue_total" -> wouldIssue += value;
                    default -> { }
                }
            }
            return new DetectorEndpoint(url, ready, alerts, revocations, dlq, null, mode, wouldIssue);
        } catch (IOException | IllegalArgumentException e) {
            return new DetectorEndpoint(url, -1, Map.of(), Map.of(), 0, "cannot reach " + url + ": " + e, null, 0);
        }
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        Matcher m = LABEL.matcher(text);
        while (m.find()) {
            labels.put(m.group(1), m.group(2));
        }
        return labels;
    }

    /** The readable table {@code tokenwatch status} prints. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        RevocationStatus r = revocations;
        out.add(String.format("revocations  %s: %d partitions, end offsets %s, %d records replayed in %d ms%s",
                Topics.REVOCATIONS.name(), r.partitions(), r.endOffsets(), r.records(), r.replayMillis(),
                r.unreadable() == 0 ? "" : ", " + r.unreadable() + " unreadable"));
        out.add(String.format("  %-20s %8s", "scope action", "active"));
        r.active().forEach((k, v) -> out.add(String.format("  %-20s %8d", k, v)));
        out.add(String.format("  %-20s %8d   (%d expired awaiting tombstone, %d lifted)", "total", r.activeTotal(),
                r.expired(), r.lifted()));
        DetectorStatus d = detector;
        out.add(String.format("detector     group %s: %s, %d member%s, lag %s on %s (end offsets %d)",
                d.applicationId(), d.state(), d.members(), d.members() == 1 ? "" : "s",
                d.lag() == null ? "- (nothing committed)" : d.lag().toString(), Topics.TOKEN_USAGE.name(),
                d.usageEnd()));
        if (endpoint != null) {
            if (endpoint.error() != null) {
                out.add("  http       " + endpoint.error());
            } else {
                out.add(String.format("  http       %s/health/ready: %s, dead letters %d", endpoint.url(),
                        endpoint.ready() == 200 ? "ready" : "not ready (" + endpoint.ready() + ")", endpoint.dlq()));
                out.add("  mode       " + (endpoint.mode() == null ? "not shown by this detector"
                        : "audit".equals(endpoint.mode()) ? "audit: nothing is contained; " + endpoint.wouldIssue()
                        + " revocation(s)/throttle(s) would have been issued in enforce mode"
                        : endpoint.mode()));
            }
        }
        out.add(String.format("alerts       %s: %d records%s", Topics.ALERTS.name(), alerts.records(),
                alerts.unreadable() == 0 ? "" : ", " + alerts.unreadable() + " unreadable"));
        TreeMap<String, long[]> rules = new TreeMap<>();
        alerts.byRule().forEach((rule, n) -> rules.computeIfAbsent(rule, k -> new long[3])[0] = n);
        if (endpoint != null) {
            endpoint.alerts().forEach((rule, n) -> rules.computeIfAbsent(rule, k -> new long[3])[1] = n);
            endpoint.revocations().forEach((ruleScope, n) -> rules.computeIfAbsent(ruleScope.split(" ")[0],
                    k -> new long[3])[2] += n);
        }
        boolean metrics = endpoint != null && endpoint.error() == null;
        out.add(metrics ? String.format("  %-22s %14s %16s %22s", "rule", "alerts (topic)", "alerts (metrics)",
                "revocations (metrics)") : String.format("  %-22s %14s", "rule", "alerts (topic)"));
        rules.forEach((rule, n) -> out.add(metrics ? String.format("  %-22s %14d %16d %22d", rule, n[0], n[1], n[2])
                : String.format("  %-22s %14d", rule, n[0])));
        return out;
    }
}
