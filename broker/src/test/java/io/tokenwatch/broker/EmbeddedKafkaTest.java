package io.tokenwatch.broker;

import static io.tokenwatch.broker.KafkaTestClients.admin;
import static io.tokenwatch.broker.KafkaTestClients.consume;
import static io.tokenwatch.broker.KafkaTestClients.createTopic;
import static io.tokenwatch.broker.KafkaTestClients.produce;
import static io.tokenwatch.broker.KafkaTestClients.producer;
import static io.tokenwatch.broker.KafkaTestClients.topics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    /** Shared by the tests that need only some broker, to keep the module's tests fast. */
    private static EmbeddedKafka shared;

    @BeforeAll
    static void startSharedBroker() {
        shared = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopSharedBroker() {
        shared.close();
    }

    @Test
    void shouldConsumeWhatWasProducedToCreatedTopic() throws Exception {
        createTopic(shared, "plain");

        produce(shared, "plain", "k", "hello");

        assertThat(consume(shared, "plain", 1, "read_uncommitted"))
                .extracting(ConsumerRecord::key, ConsumerRecord::value)
                .containsExactly(tuple("k", "hello"));
    }

    @Test
    void shouldShowCommittedTransactionToReadCommittedConsumer() throws Exception {
        createTopic(shared, "transactional");

        try (KafkaProducer<String, String> producer = producer(shared,
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-tx"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", "k", "committed"));
            producer.commitTransaction();
        }

        assertThat(consume(shared, "transactional", 1, "read_committed"))
                .extracting(ConsumerRecord::value)
                .containsExactly("committed");
    }

    @Test
    void shouldNotAutoCreateTopicsByDefault() throws Exception {
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
        try (Admin admin = admin(shared)) {
            Config config = admin.describeConfigs(List.of(broker)).all().get().get(broker);

            assertThat(config.get("auto.create.topics.enable").value()).isEqualTo("false");
        }
    }

    @Test
    void shouldAdvertiseLoopbackBootstrapServers() {
        assertThat(shared.bootstrapServers()).isEqualTo("127.0.0.1:" + shared.port());
        assertThat(shared.clusterId()).isNotBlank();
    }

    @Test
    void shouldKeepTopicsAndRecordsWhenRestartedOnSameDataDirectory(@TempDir Path directory) throws Exception {
        String clusterId;
        try (EmbeddedKafka first = EmbeddedKafka.builder().dataDirectory(directory).start()) {
            clusterId = first.clusterId();
            createTopic(first, "durable");
            produce(first, "durable", "k", "survives");
        }

        try (EmbeddedKafka second = EmbeddedKafka.builder().dataDirectory(directory).start()) {
            assertThat(second.clusterId()).isEqualTo(clusterId);
            assertThat(topics(second)).contains("durable");
            assertThat(consume(second, "durable", 1, "read_committed"))
                    .extracting(ConsumerRecord::value)
                    .containsExactly("survives");
        }
        assertThat(directory.resolve("meta.properties")).exists();
    }

    @Test
    void shouldDeleteTemporaryDataDirectoryOnClose() {
        Path directory;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            directory = kafka.dataDirectory();
            assertThat(directory.resolve("meta.properties")).exists();
        }

        assertThat(Files.exists(directory)).isFalse();
    }

    @Test
    void shouldFailClearlyWhenFixedPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedKafka.builder().port(taken.getLocalPort()).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("did not start")
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
    }
}
