package io.tokenwatch.launcher.bench;

import io.tokenwatch.broker.EmbeddedKafka;
import io.tokenwatch.detector.rules.TokenReplayProcessor;
import io.tokenwatch.detector.rules.TokenReplayRule;
import io.tokenwatch.detector.rules.TokenSightings;
import io.tokenwatch.detector.rules.TokenSightingsSerde;
import io.tokenwatch.detector.topology.DetectorConfig;
import io.tokenwatch.detector.topology.DetectorTopology;
import io.tokenwatch.launcher.TopicInitializer;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Detector throughput against a pass-through Kafka Streams app on the same in-process broker, in the
 * same run (DESIGN.md §5: at least 50 %), and state per active user (at most 2 KB). The generated
 * events are produced to {@code tokenwatch.token-usage} once; then, per processing guarantee, a
 * pass-through app (the same serdes and client settings: deserialize each event, serialize it again,
 * write it to a scratch topic) and the real detector topology each consume all of them from the
 * beginning under a fresh application id. A counting processor hung off each app's source node
 * stamps the first and the last record processed; events per second is the count over that span, so
 * start-up and group joins are left out. State is measured afterwards from the detector's changelog
 * topics: the latest key and value bytes per key of each store, divided by the number of distinct
 * verified subjects in the stream.
 *
 * <p>Not thread-safe; one run per instance.
 */
public final class ThroughputBench {

    private static final String SCRATCH_TOPIC = "tokenwatch.bench-passthrough";
    private static final String SOURCE = "token-usage-source";
    private static final String COUNTER = "bench-record-counter";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(20);
    private static final int PARTITIONS = 3;
    private static final String LIVE = " (live)";
    private static final TokenSightingsSerde SIGHTINGS = new TokenSightingsSerde();

    private final int events;
    private final List<String> guarantees;
    private final long seed;

    public ThroughputBench(int events, List<String> guarantees, long seed) {
        if (events < 1) {
            throw new IllegalArgumentException("events must be at least 1");
        }
        this.events = events;
        this.guarantees = List.copyOf(guarantees);
        this.seed = seed;
    }

    /** One app's run: how many records, over what span. */
    public record Run(String app, String guarantee, long records, double seconds) {
        public double perSecond() {
            return seconds <= 0 ? records : records / seconds;
        }
    }

    /** One store's state as its changelog holds it. */
    public record StoreSize(String store, long keys, long bytes) {
    }

    /** Runs everything and prints the tables; returns false if a run did not finish. */
    public boolean run(PrintWriter out) throws InterruptedException {
        List<TokenUsageEvent> stream = traffic();
        long subjects = stream.stream().filter(TokenUsageEvent::hasVerifiedSubject).map(TokenUsageEvent::key)
                .distinct().count();
        out.printf(Locale.ROOT, "detector throughput: %d events (%d active users), in-process broker, %d partitions, "
                + "one stream thread per app, %d cores%n", stream.size(), subjects, PARTITIONS,
                Runtime.getRuntime().availableProcessors());
        out.flush();
        boolean complete = true;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicInitializer.ensureTopics(admin, PARTITIONS, (short) 1);
            admin.createTopics(List.of(new NewTopic(SCRATCH_TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            long produceStart = System.nanoTime();
            produce(kafka.bootstrapServers(), stream);
            out.printf(Locale.ROOT, "pre-produced in %.1f s%n%n", (System.nanoTime() - produceStart) / 1e9);
            out.printf(Locale.ROOT, "%-16s %14s %14s %9s %8s%n", "guarantee", "pass-through/s", "detector/s", "ratio",
                    "target");
            out.flush();
            List<StoreSize> state = List.of();
            long stateDirBytes = 0;
            for (String guarantee : guarantees) {
                Run passThrough = runPassThrough(kafka.bootstrapServers(), guarantee, stream.size());
                Path stateDir = tempDir();
                try {
                    String appId = "tokenwatch-bench-detector-" + guarantee.replace('_', '-') + "-" + System.nanoTime();
                    Run detector = runDetector(kafka.bootstrapServers(), appId, guarantee, stateDir, stream.size());
                    complete &= passThrough.records() >= stream.size() && detector.records() >= stream.size();
                    out.printf(Locale.ROOT, "%-16s %14.0f %14.0f %9.2f %8s%n", guarantee, passThrough.perSecond(),
                            detector.perSecond(), detector.perSecond() / passThrough.perSecond(), ">= 0.50");
                    out.flush();
                    if (state.isEmpty()) {
                        long end = stream.get(stream.size() - 1).eventTime();
                        state = changelogSizes(admin, kafka.bootstrapServers(), appId,
                                end - TokenReplayRule.defaults().window().toMillis());
                        stateDirBytes = directorySize(stateDir);
                    }
                } finally {
                    QualityBench.deleteRecursively(stateDir);
                }
            }
            printState(out, state, stateDirBytes, subjects);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("broker set-up failed: " + e.getMessage(), e);
        }
        return complete;
    }

    /** The default scenario's traffic, scaled up in users until it has the events asked for, cut to that. */
    private List<TokenUsageEvent> traffic() {
        Scenario scenario = Scenario.defaults().withSeed(seed);
        // Event times end about now, so the detector's wall-clock purges treat the data as recent.
        long day = Duration.ofDays(1).toMillis();
        long today = System.currentTimeMillis() / day * day;
        scenario = scenario.withStart(today - (scenario.historyDays() + scenario.evaluationDays()) * day);
        int users = Math.max(scenario.users() * events / 500_000 + 1,
                3 * AttackType.values().length * scenario.attacksPerType());
        while (true) {
            LabelledTraffic traffic = TrafficGenerator.generate(scenario.withUsers(users));
            if (traffic.events().size() >= events) {
                return traffic.events().subList(0, events);
            }
            users = (int) Math.ceil(users * 1.1 * events / (double) traffic.events().size());
        }
    }

    private static void produce(String bootstrap, List<TokenUsageEvent> stream) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, TokenUsageEvent> producer = new KafkaProducer<>(props,
                Topics.TOKEN_USAGE.keySerde().serializer(), Topics.TOKEN_USAGE.valueSerde().serializer())) {
            for (TokenUsageEvent event : stream) {
                // Record time is the send time: the topic's 7-day retention must not delete simulated history.
                producer.send(new ProducerRecord<>(Topics.TOKEN_USAGE.name(), event.key(), event));
            }
            producer.flush();
        }
    }

    private Run runPassThrough(String bootstrap, String guarantee, long expected) throws InterruptedException {
        String appId = "tokenwatch-bench-passthrough-" + guarantee.replace('_', '-') + "-" + System.nanoTime();
        Path stateDir = tempDir();
        try {
            DetectorConfig config = DetectorConfig.defaults(bootstrap, stateDir).withApplicationId(appId)
                    .withProcessingGuarantee(guarantee);
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(Topics.TOKEN_USAGE.name(), Consumed.with(Topics.TOKEN_USAGE.keySerde(),
                            Topics.TOKEN_USAGE.valueSerde()).withName(SOURCE))
                    .to(SCRATCH_TOPIC, Produced.with(Topics.TOKEN_USAGE.keySerde(), Topics.TOKEN_USAGE.valueSerde())
                            .withName("bench-passthrough-sink"));
            return measure("pass-through", guarantee, builder.build(config.streamsProperties()), config, expected);
        } finally {
            QualityBench.deleteRecursively(stateDir);
        }
    }

    private Run runDetector(String bootstrap, String appId, String guarantee, Path stateDir, long expected)
            throws InterruptedException {
        DetectorConfig config = DetectorConfig.defaults(bootstrap, stateDir).withApplicationId(appId)
                .withProcessingGuarantee(guarantee);
        return measure("detector", guarantee, DetectorTopology.build(config), config, expected);
    }

    /** Runs {@code topology} until the counter has seen {@code expected} records; the span first to last. */
    private static Run measure(String app, String guarantee, Topology topology, DetectorConfig config, long expected)
            throws InterruptedException {
        Counter counter = new Counter(expected);
        topology.addProcessor(COUNTER, () -> new Processor<String, TokenUsageEvent, Void, Void>() {
            @Override
            public void process(Record<String, TokenUsageEvent> record) {
                counter.count();
            }
        }, SOURCE);
        try (KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties())) {
            streams.setUncaughtExceptionHandler(e -> {
                // A dead app would otherwise leave the run waiting for the time-out.
                System.err.println(app + " (" + guarantee + ") failed: " + e);
                e.printStackTrace();
                counter.done.countDown();
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            streams.start();
            boolean done = counter.done.await(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // Under exactly-once, let the last transaction commit so the changelogs are complete.
            Thread.sleep(2 * config.commitInterval().toMillis() + 500);
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            if (!done) {
                System.err.println(app + " (" + guarantee + ") processed only " + counter.records.get() + " of "
                        + expected + " records within " + RUN_TIMEOUT.toMinutes() + " min");
            }
        }
        return new Run(app, guarantee, counter.records.get(), (counter.last - counter.first) / 1e9);
    }

    /** Counts records as the stream thread processes them; the first and last stamps are its own. */
    private static final class Counter {
        final AtomicLong records = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        final long expected;
        volatile long first;
        volatile long last;

        Counter(long expected) {
            this.expected = expected;
        }

        void count() {
            long now = System.nanoTime();
            long n = records.incrementAndGet();
            if (n == 1) {
                first = now;
            }
            last = now;
            if (n == expected) {
                done.countDown();
            }
        }
    }

    /** Latest bytes (key + value) per key of every changelog of {@code appId}, read committed. */
    private static List<StoreSize> changelogSizes(Admin admin, String bootstrap, String appId, long liveSince) {
        try {
            Set<String> topics = new HashSet<>();
            for (String name : admin.listTopics().names().get(30, TimeUnit.SECONDS)) {
                if (name.startsWith(appId + "-") && name.endsWith("-changelog")) {
                    topics.add(name);
                }
            }
            Map<String, Object> props = new HashMap<>();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
            List<StoreSize> sizes = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                for (String topic : topics.stream().sorted().toList()) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                    Map<String, Integer> latest = new HashMap<>();
                    // Sightings are a window: the detector purges tokens quiet for the replay window every
                    // minute of wall clock, which a replay of days in seconds never gives it time to do.
                    Map<String, Integer> live = new HashMap<>();
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                            && System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                            String key = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
                            if (r.value() == null) {
                                latest.remove(key);
                                live.remove(key);
                            } else {
                                latest.put(key, r.key().length + r.value().length);
                                if (topic.endsWith(TokenReplayProcessor.STORE + "-changelog")) {
                                    TokenSightings seen = SIGHTINGS.deserialize(topic, r.value());
                                    long lastUse = seen.uses().stream().mapToLong(TokenSightings.Use::lastSeen).max()
                                            .orElse(0);
                                    if (lastUse >= liveSince) {
                                        live.put(key, r.key().length + r.value().length);
                                    } else {
                                        live.remove(key);
                                    }
                                }
                            }
                        }
                    }
                    String store = topic.substring(appId.length() + 1, topic.length() - "-changelog".length());
                    sizes.add(new StoreSize(store, latest.size(), latest.values().stream().mapToLong(i -> i).sum()));
                    if (store.equals(TokenReplayProcessor.STORE)) {
                        sizes.add(new StoreSize(store + LIVE, live.size(), live.values().stream().mapToLong(i -> i).sum()));
                    }
                }
            }
            return sizes;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot list changelog topics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void printState(PrintWriter out, List<StoreSize> state, long stateDirBytes, long subjects) {
        out.println();
        out.printf(Locale.ROOT, "state after the run, from the changelogs (latest key + value bytes per key), "
                + "%d active users%n", subjects);
        out.printf(Locale.ROOT, "%-40s %9s %12s %14s%n", "store", "keys", "bytes", "bytes per user");
        long raw = 0;
        long live = 0;
        for (StoreSize s : state) {
            out.printf(Locale.ROOT, "%-40s %9d %12d %14.1f%n", s.store(), s.keys(), s.bytes(),
                    s.bytes() / (double) subjects);
            boolean sightings = s.store().startsWith(TokenReplayProcessor.STORE);
            if (!s.store().endsWith(LIVE)) {
                raw += s.bytes();
            }
            if (!sightings || s.store().endsWith(LIVE)) {
                live += s.bytes();
            }
        }
        out.printf(Locale.ROOT, "%-40s %9s %12d %14.1f   target <= 2048%n", "all stores, sightings live", "", live,
                live / (double) subjects);
        out.printf(Locale.ROOT, "%-40s %9s %12d %14.1f%n", "all stores, sightings never purged", "", raw,
                raw / (double) subjects);
        out.println("(live: tokens used within the replay window before the stream's last event; the detector "
                + "purges the rest every minute of wall clock)");
        out.printf(Locale.ROOT, "cross-check: detector state directory on disk (RocksDB files, checkpoints) %d bytes = "
                + "%.1f per user%n", stateDirBytes, stateDirBytes / (double) subjects);
        out.flush();
    }

    private static long directorySize(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("tokenwatch-bench-throughput-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
