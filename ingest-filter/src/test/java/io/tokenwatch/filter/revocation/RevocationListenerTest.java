package io.tokenwatch.filter.revocation;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import static io.tokenwatch.filter.TestTokens.ISSUER;
import static io.tokenwatch.filter.TestTokens.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RevocationListener} against a real single-node broker (DESIGN.md §6). One broker serves
 * the class; each test gets a freshly created, empty {@code tokenwatch.revocations}.
 */
class RevocationListenerTest {

    private static final String TOPIC = Topics.REVOCATIONS.name();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    /** How long a live revocation may take to reach the view; DESIGN.md wants far less than this. */
    private static final Duration LIVE_TIMEOUT = Duration.ofSeconds(5);
    private static final String IP = "203.0.113.50";

    private static EmbeddedKafka kafka;
    private static Admin admin;

    private final RevocationView view = new RevocationView(Clock.fixed(NOW, ZoneOffset.UTC));
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    @AfterAll
    static void stopKafka() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void createEmptyTopic() throws Exception {
        if (admin.listTopics().names().get().contains(TOPIC)) {
            admin.deleteTopics(List.of(TOPIC)).all().get();
        }
        createTopic();
        producer = track(new KafkaProducer<>(producerProperties(Map.of()), new StringSerializer(),
                new ByteArraySerializer()));
    }

    private static void createTopic() {
        // Deletion completes asynchronously on the broker; creation succeeds once the name is free.
        await().atMost(Duration.ofSeconds(20)).ignoreException(TopicExistsException.class).until(() -> {
            try {
                admin.createTopics(List.of(Topics.REVOCATIONS.newTopic(2, (short) 1))).all().get();
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException exists) {
                    throw exists;
                }
                throw e;
            }
        });
    }

    @AfterEach
    void closeClients() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void shouldApplyEveryRecordPresentAtStartBeforeReportingReady() throws Exception {
        int count = 500;
        for (int i = 0; i < count; i++) {
            send(blockJti("jti-" + i));
        }
        producer.flush();
        Properties props = consumerProperties();
        // Small polls, so catching up takes several of them and "ready" after the first would show.
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        RevocationListener listener = track(new RevocationListener(view, props));

        assertThat(listener.isReady()).isFalse();
        assertThat(listener.lag()).as("unknown before the first fetch").isEqualTo(-1);
        listener.start();

        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();
        // Ready means caught up: everything produced before start is already in the view.
        assertThat(listener.appliedCount()).isEqualTo(count);
        await().atMost(READY_TIMEOUT).until(() -> listener.lag() == 0);
        assertThat(view.size()).isEqualTo(count);
        for (int i = 0; i < count; i++) {
            assertThat(view.check(token("jti-" + i), IP)).as("jti-" + i).contains(RevocationView.Match.TOKEN);
        }
        assertThat(view.check(token("jti-" + count), IP)).isEmpty();
        assertThat(listener.unreadableCount()).isZero();
    }

    @Test
    void shouldBecomeReadyPromptlyOnEmptyTopic() throws Exception {
        RevocationListener listener = listener().start();

        assertThat(listener.awaitReady(Duration.ofSeconds(10))).isTrue();
        assertThat(view.size()).isZero();
    }

    @Test
    void shouldWaitForTheTopicAndBecomeReadyOnceItExists() throws Exception {
        admin.deleteTopics(List.of(TOPIC)).all().get();
        RevocationListener listener = listener().start();

        // A filter started before topic-init must not claim to be ready.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !listener.isReady());

        createTopic();
        send(blockJti("after-create"));
        producer.flush();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> view.check(token("after-create"), IP).isPresent());
        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();
    }

    @Test
    void shouldStopPromptlyWhenClosedWhileWaitingForTheTopic() throws Exception {
        admin.deleteTopics(List.of(TOPIC)).all().get();
        RevocationListener listener = listener().start();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !listener.isReady());

        listener.close();

        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.getName().equals("tokenwatch-revocation-listener") && t.isAlive());
        assertThat(listener.isReady()).isFalse();
    }

    @Test
    void shouldApplyRecordProducedAfterReadyWithinSeconds() throws Exception {
        RevocationListener listener = listener().start();
        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();

        send(blockJti("live-1"));
        producer.flush();

        await().atMost(LIVE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> view.check(token("live-1"), IP).isPresent());
        assertThat(listener.appliedCount()).isOne();
    }

    @Test
    void shouldLiftRevocationOnTombstone() throws Exception {
        Revocation revocation = blockJti("lifted");
        send(revocation);
        producer.flush();
        RevocationListener listener = listener().start();
        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();
        assertThat(view.check(token("lifted"), IP)).isPresent();

        producer.send(new ProducerRecord<>(TOPIC, revocation.key(), null)).get();

        await().atMost(LIVE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> view.check(token("lifted"), IP).isEmpty());
        assertThat(view.size()).isZero();
    }

    @Test
    void shouldSkipPoisonPillAndApplyTheRecordAfterIt() throws Exception {
        RevocationListener listener = listener().start();
        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();

        // One partition, so the order good → poison → good is the order the listener reads.
        sendTo(0, blockJti("before-poison"));
        sendRawTo(0, "jti|" + ISSUER + "|poison", "not json".getBytes(StandardCharsets.UTF_8));
        sendTo(0, blockJti("after-poison"));
        producer.flush();

        await().atMost(LIVE_TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> view.check(token("after-poison"), IP).isPresent());
        assertThat(view.check(token("before-poison"), IP)).isPresent();
        assertThat(listener.unreadableCount()).isOne();
        assertThat(listener.appliedCount()).isEqualTo(2);
        assertThat(listener.isReady()).isTrue();
    }

    @Test
    void shouldCatchUpPastPoisonPillPresentAtStart() throws Exception {
        sendTo(1, blockJti("good-1"));
        sendRawTo(1, "jti|" + ISSUER + "|poison", "not json".getBytes(StandardCharsets.UTF_8));
        // A value that is JSON but not a valid Revocation (expires before it was created) is a poison pill too.
        sendRawTo(1, "jti|" + ISSUER + "|invalid", ("{\"schema_version\":1,\"scope\":\"jti\",\"issuer\":\"" + ISSUER
                + "\",\"value\":\"invalid\",\"action\":\"block\",\"expires_at\":1,\"reason\":\"r\",\"source\":\"s\","
                + "\"created_at\":2}").getBytes(StandardCharsets.UTF_8));
        sendTo(1, blockJti("good-2"));
        producer.flush();

        RevocationListener listener = listener().start();

        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();
        assertThat(view.check(token("good-1"), IP)).isPresent();
        assertThat(view.check(token("good-2"), IP)).isPresent();
        assertThat(listener.unreadableCount()).isEqualTo(2);
        assertThat(listener.appliedCount()).isEqualTo(2);
    }

    @Test
    void shouldApplyCommittedTransactionsAndIgnoreAbortedOnes() throws Exception {
        // The detector publishes under exactly-once; the listener reads read_committed.
        KafkaProducer<String, byte[]> transactional = track(new KafkaProducer<>(producerProperties(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "revocation-test-" + System.nanoTime())),
                new StringSerializer(), new ByteArraySerializer()));
        transactional.initTransactions();
        transactional.beginTransaction();
        transactional.send(record(blockJti("aborted")));
        transactional.abortTransaction();
        transactional.beginTransaction();
        transactional.send(record(blockJti("committed-1")));
        transactional.send(record(blockJti("committed-2")));
        transactional.commitTransaction();

        RevocationListener listener = listener().start();

        // The end offsets include the transaction markers; catching up must see past them.
        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();
        assertThat(view.check(token("committed-1"), IP)).isPresent();
        assertThat(view.check(token("committed-2"), IP)).isPresent();
        assertThat(view.check(token("aborted"), IP)).isEmpty();
        assertThat(listener.appliedCount()).isEqualTo(2);
    }

    @Test
    void shouldKeepEnforcingAfterClose() throws Exception {
        send(blockJti("kept"));
        producer.flush();
        RevocationListener listener = listener().start();
        assertThat(listener.awaitReady(READY_TIMEOUT)).isTrue();

        listener.close();

        assertThat(view.check(token("kept"), IP)).isPresent();
    }

    @Test
    void shouldIgnoreGroupIdGivenInProperties() throws Exception {
        send(blockJti("g-1"));
        producer.flush();
        Properties props = consumerProperties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "some-group");
        RevocationListener first = track(new RevocationListener(view, props)).start();
        RevocationView other = new RevocationView(Clock.fixed(NOW, ZoneOffset.UTC));
        RevocationListener second = track(new RevocationListener(other, props)).start();

        // Every filter reads the whole topic, never a share of it.
        assertThat(first.awaitReady(READY_TIMEOUT)).isTrue();
        assertThat(second.awaitReady(READY_TIMEOUT)).isTrue();
        assertThat(view.size()).isOne();
        assertThat(other.size()).isOne();
    }

    private RevocationListener listener() {
        return track(new RevocationListener(view, consumerProperties()));
    }

    private static Properties consumerProperties() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        return props;
    }

    private static Properties producerProperties(Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        props.putAll(overrides);
        return props;
    }

    private void send(Revocation revocation) throws Exception {
        producer.send(record(revocation)).get();
    }

    private void sendTo(int partition, Revocation revocation) throws Exception {
        sendRawTo(partition, revocation.key(), serialize(revocation));
    }

    private void sendRawTo(int partition, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, partition, key, value)).get();
    }

    private static ProducerRecord<String, byte[]> record(Revocation revocation) {
        return new ProducerRecord<>(TOPIC, revocation.key(), serialize(revocation));
    }

    private static byte[] serialize(Revocation revocation) {
        return Topics.REVOCATIONS.valueSerde().serializer().serialize(TOPIC, revocation);
    }

    private static Revocation blockJti(String jti) {
        return Revocation.blockToken(ISSUER, jti, NOW.plus(Duration.ofHours(1)).toEpochMilli(), "test",
                "operator:test", NOW.minusSeconds(1).toEpochMilli());
    }

    private static TokenClaims token(String jti) {
        return new TokenClaims("a".repeat(64), true, "RS256", "rs-1", jti, "alice", ISSUER, List.of("api"),
                NOW.minusSeconds(60), NOW.plusSeconds(300), null);
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }
}
