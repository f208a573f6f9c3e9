package io.tokenwatch.filter.micronaut;

import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** Reads {@code tokenwatch.token-usage} from the start, looking for one event. */
public final class UsageEvents {

    private UsageEvents() {
    }

    /** The first event matching {@code wanted} within {@code timeout}, reading every partition from 0. */
    public static Optional<TokenUsageEvent> find(String bootstrapServers, Predicate<TokenUsageEvent> wanted,
                                                 Duration timeout) {
        try (KafkaConsumer<String, TokenUsageEvent> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(),
                Topics.TOKEN_USAGE.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TOKEN_USAGE.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, TokenUsageEvent> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null && wanted.test(record.value())) {
                        return Optional.of(record.value());
                    }
                }
            }
            return Optional.empty();
        }
    }
}
