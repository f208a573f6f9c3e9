package io.tokenwatch.detector;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.telemetry.DetectorMetrics;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Explain across two detector instances of one application on a real in-process broker: each owns
 * some usage partitions, and asking either instance about any subject gives the same answer, the
 * non-owner forwarding to the owner it finds through {@code application.server}.
 */
class ExplainForwardingIntegrationTest {

    private static final int PARTITIONS = 4;
    private static final int SUBJECTS = 24;
    private static final String ISS = "https://issuer.example";
    private static final String APPLICATION_ID = "detector-explain-forwarding";

    private static EmbeddedKafka kafka;
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()))) {
            admin.createTopics(Topics.ALL.stream().map(t -> t.newTopic(PARTITIONS, (short) 1)).toList()).all().get();
        }
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void shouldGiveTheSameExplanationFromEitherInstanceForwardingToTheOwner() throws Exception {
        // One fixed clock for both, so the learning figures of an answer do not depend on when it was asked.
        Clock clock = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        int portA = freePort();
        int portB = freePort();
        try (Detector a = new Detector(instance(portA, "a"), DetectorMetrics.prometheus(), clock).start();
             Detector b = new Detector(instance(portB, "b"), DetectorMetrics.prometheus(), clock).start();
             KafkaProducer<byte[], byte[]> producer = producer()) {
            assertThat(a.awaitRunning(Duration.ofSeconds(90))).isTrue();
            assertThat(b.awaitRunning(Duration.ofSeconds(90))).isTrue();

            List<String> subjects = new ArrayList<>();
            for (int i = 0; i < SUBJECTS; i++) {
                String sub = "user-" + i + "-" + UUID.randomUUID();
                subjects.add(sub);
                producer.send(usage(accepted(sub))).get();
            }

            // Once every subject is known and both instances agree on every answer, both forward.
            Map<String, String> ownerOf = new HashMap<>();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                for (String sub : subjects) {
                    HttpResponse<String> fromA = explain(portA, sub);
                    HttpResponse<String> fromB = explain(portB, sub);
                    assertThat(fromA.statusCode()).as("from a about %s: %s", sub, fromA.body()).isEqualTo(200);
                    assertThat(fromB.statusCode()).as("from b about %s: %s", sub, fromB.body()).isEqualTo(200);
                    JsonNode answerA = JsonSerde.MAPPER.readTree(fromA.body());
                    JsonNode answerB = JsonSerde.MAPPER.readTree(fromB.body());
                    assertThat(answerB).as("the same answer about %s", sub).isEqualTo(answerA);
                    assertThat(answerA.path("subject").path("sub").asText()).isEqualTo(sub);
                    assertThat(answerA.path("learning").path("events").asInt()).isEqualTo(1);
                    ownerOf.put(sub, answerA.path("answered_by").asText());
                }
            });
            // Each instance owns some subjects, so each forwarded some requests to the other.
            assertThat(ownerOf.values()).containsOnly("localhost:" + portA, "localhost:" + portB)
                    .contains("localhost:" + portA, "localhost:" + portB);
        }
    }

    private DetectorConfig instance(int port, String name) {
        return DetectorConfig.defaults(kafka.bootstrapServers(), stateDir.resolve(name))
                .withApplicationId(APPLICATION_ID).withHttpPort(port).withApplicationServer("localhost:" + port);
    }

    private HttpResponse<String> explain(int port, String sub) throws Exception {
        URI uri = URI.create("http://localhost:" + port + "/explain?sub=" + URLEncoder.encode(sub,
                StandardCharsets.UTF_8) + "&iss=" + URLEncoder.encode(ISS, StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static TokenUsageEvent accepted(String sub) {
        long now = System.currentTimeMillis();
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), now, "f1", "svc",
                Outcome.ACCEPTED,
                new TokenUsageEvent.TokenFacts("c".repeat(64), true, "jti-" + sub, sub, ISS, List.of("api"),
                        now - 1000, now + 600_000, null, "k1", "ES256"),
                new TokenUsageEvent.RequestFacts("GET", "/x", 200, "198.51.100.7", null, null, null));
    }

    private static ProducerRecord<byte[], byte[]> usage(TokenUsageEvent event) {
        return new ProducerRecord<>(Topics.TOKEN_USAGE.name(), event.key().getBytes(StandardCharsets.UTF_8),
                Topics.TOKEN_USAGE.valueSerde().serializer().serialize(Topics.TOKEN_USAGE.name(), event));
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
