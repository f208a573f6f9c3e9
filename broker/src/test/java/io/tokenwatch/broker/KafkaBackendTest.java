package io.tokenwatch.broker;

import static io.tokenwatch.broker.KafkaTestClients.consume;
import static io.tokenwatch.broker.KafkaTestClients.createTopic;
import static io.tokenwatch.broker.KafkaTestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class KafkaBackendTest {

    @ParameterizedTest
    @EnumSource(KafkaBackend.class)
    void shouldConsumeWhatWasProducedOnEveryAvailableBackend(KafkaBackend backend) throws Exception {
        assumeTrue(backend.available(), backend + " is not available on this machine");

        try (KafkaCluster kafka = backend.start()) {
            createTopic(kafka, "backend");
            produce(kafka, "backend", "k", backend.name());

            assertThat(consume(kafka, "backend", 1, "read_committed"))
                    .extracting(ConsumerRecord::value)
                    .containsExactly(backend.name());
        }
    }

    @Test
    void shouldAnswerDockerAvailabilityWithoutThrowing() {
        assertThatCode(ContainerKafka::dockerAvailable).doesNotThrowAnyException();
        assertThat(KafkaBackend.EMBEDDED.available()).isTrue();
    }
}
