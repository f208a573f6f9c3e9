package io.tokenwatch.launcher;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code tokenwatch alerts}: follows the alert topic, one readable line per alert, or the raw OCSF
 * JSON with {@code --json}. Reads without a consumer group, so it never takes alerts away from a
 * SIEM connector.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true, description = "Follow tokenwatch.alerts.")
final class AlertsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--json", description = "Print each alert as its OCSF JSON, one per line.")
    boolean json;

    @Option(names = "--from-beginning", description = "Start at the oldest retained alert instead of now.")
    boolean fromBeginning;

    @Option(names = "--max", paramLabel = "N", defaultValue = "0",
            description = "Stop after N alerts (default: follow until interrupted).")
    int max;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Stop after this long without a new alert (e.g. 30s).")
    String timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Duration idle = timeout == null ? null : Durations.parse(timeout);
        PrintWriter out = spec.commandLine().getOut();
        Properties props = kafka.clientProperties();
        KafkaReachability.require(props);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.ALERTS.name(), Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + Topics.ALERTS.name() + " does not exist at "
                        + kafka.bootstrapServers());
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
            }
            int seen = 0;
            long lastActivity = System.nanoTime();
            while (max == 0 || seen < max) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    print(out, record);
                    lastActivity = System.nanoTime();
                    if (++seen == max) {
                        break;
                    }
                }
                out.flush();
                if (idle != null && System.nanoTime() - lastActivity > idle.toNanos()) {
                    break;
                }
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + kafka.bootstrapServers() + ": "
                    + e.getMessage(), e);
        }
        return 0;
    }

    private void print(PrintWriter out, ConsumerRecord<String, byte[]> record) {
        if (json) {
            out.println(new String(record.value(), StandardCharsets.UTF_8));
            return;
        }
        Alert alert;
        try {
            alert = Topics.ALERTS.valueSerde().deserializer().deserialize(record.topic(), record.value());
        } catch (org.apache.kafka.common.errors.SerializationException e) {
            out.printf("%s  unreadable alert at partition %d offset %d: %s%n", Instant.ofEpochMilli(record.timestamp()),
                    record.partition(), record.offset(), e.getMessage());
            return;
        }
        out.println(line(alert));
    }

    /** One line a person can scan: when, how bad, which rule, who, from where, what. */
    static String line(Alert alert) {
        String who = alert.actor() == null || alert.actor().user() == null ? "-" : alert.actor().user().uid();
        String where = alert.evidences().stream()
                .filter(e -> e.srcEndpoint() != null && e.srcEndpoint().ip() != null)
                .map(e -> e.srcEndpoint().ip()).distinct().collect(Collectors.joining(","));
        String activity = alert.activityId() == Alert.Activity.UPDATE.id ? " (update)" : "";
        return String.format("%s  %-8s %-18s %s  from %s  %s%s", Instant.ofEpochMilli(alert.time()), alert.severity(),
                alert.findingInfo().analytic() == null ? "-" : alert.findingInfo().analytic().name(), who,
                where.isEmpty() ? "-" : where, alert.findingInfo().title(), activity);
    }
}
