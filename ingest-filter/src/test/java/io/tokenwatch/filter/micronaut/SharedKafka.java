package io.tokenwatch.filter.micronaut;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.schemas.Topic;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * One in-process broker (DESIGN.md §6) with every tokenwatch topic, shared by the Micronaut and
 * gateway tests of this JVM: started on first use, stopped when the JVM exits. Tests that need a
 * broker without topics start their own {@link EmbeddedKafka}.
 */
public final class SharedKafka {

    private static EmbeddedKafka kafka;

    private SharedKafka() {
    }

    /** The bootstrap servers of the shared broker, starting it and creating the topics if needed. */
    public static synchronized String bootstrapServers() {
        if (kafka == null) {
            EmbeddedKafka started = EmbeddedKafka.start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-kafka-stop"));
            createTopics(started.bootstrapServers());
            kafka = started;
        }
        return kafka.bootstrapServers();
    }

    /** Creates every topic of {@link Topics#ALL} (2 partitions, RF 1). */
    public static void createTopics(String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(Topics.ALL.stream().map((Topic<?, ?> t) -> t.newTopic(2, (short) 1)).toList())
                    .all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topics: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
