package io.tokenwatch.filter.gateway;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.filter.micronaut.Http;
import io.tokenwatch.filter.micronaut.SharedKafka;
import io.tokenwatch.filter.micronaut.TestIssuer;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12, gateway side of items 3 and 5, on a broker of its own (so it can be stopped): an
 * unreadable record at the key of a revocation in force changes nothing and is counted, in a running
 * gateway and in one started after it; and the revocation view's staleness grows while the broker is
 * down, while the gateway keeps enforcing what it has.
 */
class GatewayRevocationFaultsTest {

    private static final TestIssuer ISSUER = new TestIssuer();
    private static final String TOPIC = Topics.REVOCATIONS.name();

    @TempDir
    Path keys;

    @Test
    void shouldKeepARevocationThroughAnUnreadableLatestRecordAndCountItThenReportStalenessWhileKafkaIsDown()
            throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        try (EchoUpstream upstream = new EchoUpstream()) {
            SharedKafka.createTopics(kafka.bootstrapServers());
            String revokedToken = ISSUER.mint("alice", "jti-stolen");
            String otherToken = ISSUER.mint("alice", "jti-fine");
            Revocation revocation = Revocation.blockToken(TestIssuer.ISSUER, "jti-stolen",
                    Instant.now().plus(Duration.ofHours(1)).toEpochMilli(), "test", "operator:test",
                    Instant.now().toEpochMilli());

            try (Gateway running = Gateway.start(properties(upstream, kafka))) {
                assertThat(running.awaitReady(Duration.ofSeconds(30))).isTrue();
                URI base = Http.loopback(running.port());
                try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
                    producer.send(new ProducerRecord<>(TOPIC, revocation.key(),
                            Topics.REVOCATIONS.valueSerde().serializer().serialize(TOPIC, revocation))).get();
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> status(base, revokedToken) == 401);

                    producer.send(new ProducerRecord<>(TOPIC, revocation.key(),
                            "\u0000garbage{".getBytes(StandardCharsets.UTF_8))).get();
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> metric(base, "tokenwatch_revocations_unreadable_total") == 1);

                assertThat(status(base, revokedToken)).as("still refused by the running gateway").isEqualTo(401);
                assertThat(status(base, otherToken)).isEqualTo(200);

                try (Gateway fresh = Gateway.start(properties(upstream, kafka))) {
                    assertThat(fresh.awaitReady(Duration.ofSeconds(30))).isTrue();
                    URI freshBase = Http.loopback(fresh.port());

                    assertThat(status(freshBase, revokedToken)).as("refused by a gateway started after it").isEqualTo(401);
                    assertThat(metric(freshBase, "tokenwatch_revocations_unreadable_total")).isEqualTo(1);
                }

                assertThat(metric(base, "tokenwatch_revocations_staleness_seconds")).isLessThan(2);
                kafka.close();

                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                        .until(() -> metric(base, "tokenwatch_revocations_staleness_seconds") > 5);
                assertThat(status(base, revokedToken)).as("enforced while Kafka is down").isEqualTo(401);
                assertThat(status(base, otherToken)).as("telemetry does not fail requests").isEqualTo(200);
            }
        } finally {
            kafka.close();
        }
    }

    private Map<String, Object> properties(EchoUpstream upstream, EmbeddedKafka kafka) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("tokenwatch.gateway.upstream", upstream.uri().toString());
        props.put("tokenwatch.filter.issuer", TestIssuer.ISSUER);
        props.put("tokenwatch.filter.audiences", TestIssuer.AUDIENCE);
        props.put("tokenwatch.filter.keys.pem-file", ISSUER.pemFile(keys).toString());
        props.put("tokenwatch.filter.keys.alg", "ES256");
        props.put("tokenwatch.filter.keys.kid", TestIssuer.KID);
        props.put("tokenwatch.filter.kafka.bootstrap-servers", kafka.bootstrapServers());
        return props;
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static int status(URI base, String token) {
        return Http.getWithToken(base, "/status/200/orders/1", token).statusCode();
    }

    /** One un-tagged sample of a Prometheus metric from the gateway's own scrape endpoint. */
    private static double metric(URI base, String name) {
        String text = Http.get(base, "/prometheus").body();
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE).matcher(text);
        if (!m.find()) {
            throw new AssertionError(name + " not exported");
        }
        return Double.parseDouble(m.group(2));
    }
}
