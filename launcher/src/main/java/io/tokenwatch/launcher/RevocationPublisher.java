package io.tokenwatch.launcher;

import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topic;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes one analyst decision to a compacted decision topic and waits until Kafka has it: a
 * revocation under its canonical key or a suppression under {@code rule|iss|sub}, or a tombstone that
 * lifts whatever is under a key.
 */
final class RevocationPublisher {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(15);

    private RevocationPublisher() {
    }

    static RecordMetadata publish(Properties client, String key, Revocation revocationOrNull) {
        return publish(client, Topics.REVOCATIONS, key, revocationOrNull);
    }

    /** Publishes {@code valueOrNull} (null: a tombstone) under {@code key} on {@code topic}. */
    static <V> RecordMetadata publish(Properties client, Topic<String, V> topic, String key, V valueOrNull) {
        KafkaReachability.require(client);
        Properties props = new Properties();
        props.putAll(client);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(ACK_TIMEOUT.toMillis()));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(ACK_TIMEOUT.toMillis()));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(props, new StringSerializer(),
                topic.valueSerde().serializer())) {
            return producer.send(new ProducerRecord<>(topic.name(), key, valueOrNull))
                    .get(ACK_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new IllegalStateException("Kafka at " + client.getProperty("bootstrap.servers")
                        + " did not take the record within " + ACK_TIMEOUT.toSeconds() + " s; does topic "
                        + topic.name() + " exist?", e.getCause());
            }
            throw new IllegalStateException("Kafka at " + client.getProperty("bootstrap.servers")
                    + " did not take the record: " + e.getCause().getMessage(), e.getCause());
        } catch (org.apache.kafka.common.errors.TimeoutException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + client.getProperty("bootstrap.servers")
                    + " within " + ACK_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
