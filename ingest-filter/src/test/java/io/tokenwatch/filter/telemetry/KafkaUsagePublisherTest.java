package io.tokenwatch.filter.telemetry;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static io.tokenwatch.filter.TestTokens.ISSUER;
import static io.tokenwatch.filter.TestTokens.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** {@link KafkaUsagePublisher} against a real broker, and against none at all. */
class KafkaUsagePublisherTest {

    private static final String TOPIC = Topics.TOKEN_USAGE.name();

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(Topics.TOKEN_USAGE.newTopic(2, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldPublishOfferedEventsKeyedByEventKey() {
        List<TokenUsageEvent> events = List.of(
                event(Outcome.ACCEPTED, facts(true, "alice"), "198.51.100.1"),
                event(Outcome.EXPIRED, facts(true, "bob"), "198.51.100.2"),
                event(Outcome.BAD_SIGNATURE, facts(false, "victim"), "198.51.100.3"),
                event(Outcome.MISSING_TOKEN, null, "2001:db8::7"));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());

        try (KafkaUsagePublisher publisher = new KafkaUsagePublisher(props, KafkaUsagePublisher.DEFAULT_CAPACITY)) {
            events.forEach(e -> assertThat(publisher.offer(e)).isTrue());
            await().atMost(Duration.ofSeconds(20)).until(() -> publisher.sentCount() == events.size());
            assertThat(publisher.droppedCount()).isZero();
            assertThat(publisher.failedCount()).isZero();
        }

        List<ConsumerRecord<String, TokenUsageEvent>> records = consumeAll(events.size());
        assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(
                ISSUER + "|alice", ISSUER + "|bob", "ip|198.51.100.3", "ip|2001:db8::7");
        for (ConsumerRecord<String, TokenUsageEvent> record : records) {
            assertThat(record.key()).isEqualTo(record.value().key());
            assertThat(events).contains(record.value());
        }
    }

    @Test
    void shouldNeverBlockOfferWhenKafkaIsUnreachable() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort());
        // Each send waits this long for metadata that never comes; offer must not wait at all.
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "500");
        props.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
        int offers = 1000;
        KafkaUsagePublisher publisher = new KafkaUsagePublisher(props, 1);
        try {
            // Not a timing assertion: were offer to wait on the producer, 1000 offers would take
            // about 1000 × max.block.ms (over eight minutes); this only keeps such a hang from
            // stalling the build.
            int accepted = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                int n = 0;
                for (int i = 0; i < offers; i++) {
                    if (publisher.offer(event(Outcome.ACCEPTED, facts(true, "user-" + i), "198.51.100.9"))) {
                        n++;
                    }
                }
                return n;
            });

            assertThat(publisher.droppedCount()).isPositive().isEqualTo(offers - accepted);
            assertThat(publisher.sentCount()).isZero();
        } finally {
            publisher.close();
        }
        // Closed and drained: every offered event is accounted for exactly once.
        assertThat(publisher.droppedCount() + publisher.failedCount() + publisher.sentCount()).isEqualTo(offers);
        long droppedBefore = publisher.droppedCount();

        // Closed: nothing more is accepted, and the refusals are counted too.
        assertThat(publisher.offer(event(Outcome.ACCEPTED, facts(true, "late"), "198.51.100.9"))).isFalse();
        assertThat(publisher.droppedCount()).isEqualTo(droppedBefore + 1);
        assertThat(publisher.sentCount()).isZero();
    }

    @Test
    void shouldShipAtNextStartWhatWasSpooledWhileKafkaWasUnreachable(@TempDir Path spoolDir) throws Exception {
        Properties unreachable = new Properties();
        unreachable.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + closedPort());
        List<TokenUsageEvent> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            // Now, not the fixtures' fixed instant: a day-old event would rightly expire in the spool.
            TokenUsageEvent fixture = event(Outcome.ACCEPTED, facts(true, "restart-" + i), "198.51.100.20");
            events.add(new TokenUsageEvent(fixture.schemaVersion(), fixture.eventId(), System.currentTimeMillis(),
                    fixture.filterId(), fixture.service(), fixture.outcome(), fixture.token(), fixture.request()));
        }
        KafkaUsagePublisher.Spool spool = KafkaUsagePublisher.Spool.in(spoolDir);
        try (KafkaUsagePublisher down = new KafkaUsagePublisher(unreachable, 1_000, spool, Clock.systemUTC())) {
            events.forEach(e -> assertThat(down.offer(e)).isTrue());
            await().atMost(Duration.ofSeconds(20)).until(() -> down.spooledCount() == events.size());
            assertThat(down.isSpooling()).isTrue();
        }
        Properties reachable = new Properties();
        reachable.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());

        try (KafkaUsagePublisher up = new KafkaUsagePublisher(reachable, 1_000, spool, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> up.sentCount() >= events.size() && !up.isSpooling());
            assertThat(up.droppedCount()).isZero();
            assertThat(up.expiredCount()).isZero();
            assertThat(up.spoolBytes()).isZero();
        }
        List<String> ids = events.stream().map(TokenUsageEvent::eventId).toList();
        assertThat(consumeAll(Integer.MAX_VALUE, ids).stream().map(r -> r.value().eventId()).distinct())
                .containsAll(ids);
    }

    @Test
    void shouldRefuseNonPositiveCapacity() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");

        assertThatIllegalArgumentException().isThrownBy(() -> new KafkaUsagePublisher(props, 0));
    }

    private static List<ConsumerRecord<String, TokenUsageEvent>> consumeAll(int expected) {
        return consumeAll(expected, List.of());
    }

    /** Every record from the start until {@code expected} records, or every one of {@code ids}, have been read. */
    private static List<ConsumerRecord<String, TokenUsageEvent>> consumeAll(int expected, List<String> ids) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        List<ConsumerRecord<String, TokenUsageEvent>> records = new ArrayList<>();
        try (KafkaConsumer<String, TokenUsageEvent> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                Topics.TOKEN_USAGE.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return records.size() >= expected || (!ids.isEmpty()
                        && records.stream().map(r -> r.value().eventId()).toList().containsAll(ids));
            });
        }
        return records;
    }

    private static TokenUsageEvent event(Outcome outcome, TokenUsageEvent.TokenFacts token, String clientIp) {
        int status = outcome == Outcome.ACCEPTED ? 200 : 401;
        return new TokenUsageEvent(TokenUsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), NOW.toEpochMilli(),
                "filter-1", "accounts", outcome, token,
                new TokenUsageEvent.RequestFacts("GET", "/accounts/{id}", status, clientIp, "agent/1", null, null));
    }

    private static TokenUsageEvent.TokenFacts facts(boolean verified, String subject) {
        return new TokenUsageEvent.TokenFacts("f".repeat(64), verified, "jti-" + subject, subject, ISSUER,
                List.of("tokenwatch-api"), NOW.minusSeconds(60).toEpochMilli(), NOW.plusSeconds(300).toEpochMilli(),
                null, "rs-1", "RS256");
    }

    /** A loopback port nothing listens on: bound once to find it, then released. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
