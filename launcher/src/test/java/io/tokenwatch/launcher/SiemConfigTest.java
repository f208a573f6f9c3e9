package io.tokenwatch.launcher;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.EcsFields;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigData;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.provider.ConfigProvider;
import org.apache.kafka.connect.runtime.ConnectorConfig;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.StringConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SIEM hookup in {@code deploy/siem}: the Splunk Connect for Kafka sink (connector JSON for the
 * Kafka Connect REST API, the worker properties, the sourcetype's props.conf) and the Filebeat Kafka
 * input, checked without Splunk, Elasticsearch or a Connect cluster.
 *
 * <ul>
 *   <li>every option is one the product documents: Kafka Connect's own {@code ConfigDef}s for the
 *       framework options (connect-runtime on the test class path), and allow-lists taken from the
 *       products' documentation for the rest (cited at each list);</li>
 *   <li>the topics are the real ones ({@link Topics}, and the ECS topic the detector runs with in
 *       docker-compose.yml);</li>
 *   <li>what the real detector topology writes decodes as each configured reader expects.</li>
 * </ul>
 */
class SiemConfigTest {

    private static final Path ROOT = Path.of(System.getProperty("tokenwatch.root", "..")).toAbsolutePath().normalize();
    private static final Path SIEM = ROOT.resolve("deploy/siem");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * Splunk Connect for Kafka 2.2 options: the "Configuration schema reference" of
     * docs/configuration.md and the parameter tables of README.md in splunk/kafka-connect-splunk.
     */
    private static final Set<String> SPLUNK_SINK_OPTIONS = Set.of(
            "splunk.indexes", "splunk.sources", "splunk.sourcetypes", "splunk.hec.uri", "splunk.hec.token",
            "splunk.hec.raw", "splunk.hec.raw.line.breaker", "splunk.hec.json.event.enrichment",
            "splunk.hec.json.event.formatted", "splunk.hec.auto.extract.timestamp",
            "splunk.hec.use.record.timestamp", "splunk.hec.ack.enabled", "splunk.hec.ack.poll.interval",
            "splunk.hec.ack.poll.threads", "splunk.hec.ack.legacy.sticky.session.expiry.enabled",
            "splunk.hec.ssl.enforced", "splunk.hec.ssl.validate.certs", "splunk.hec.ssl.trust.store.path",
            "splunk.hec.ssl.trust.store.type", "splunk.hec.ssl.trust.store.password", "splunk.hec.http.keepalive",
            "splunk.hec.max.http.connection.per.channel", "splunk.hec.total.channels", "splunk.hec.max.batch.size",
            "splunk.hec.threads", "splunk.hec.concurrent.queue.capacity", "splunk.hec.event.timeout",
            "splunk.hec.socket.timeout", "splunk.hec.max.outstanding.events", "splunk.hec.max.retries",
            "splunk.hec.backoff.threshhold.seconds", "splunk.hec.lb.poll.interval", "splunk.hec.enable.compression",
            "splunk.hec.track.data", "splunk.flush.window", "splunk.validation.disable", "splunk.header.support",
            "splunk.header.custom", "splunk.header.index", "splunk.header.source", "splunk.header.sourcetype",
            "splunk.header.host", "kerberos.user.principal", "kerberos.keytab.path", "enable.timestamp.extraction",
            "timestamp.regex", "timestamp.regex.timeout.ms", "timestamp.format", "timestamp.timezone");

    /** props.conf keys used here, as Splunk's and the connector's documentation show them. */
    private static final Set<String> PROPS_CONF_OPTIONS = Set.of("KV_MODE", "SHOULD_LINEMERGE", "TRUNCATE",
            "LINE_BREAKER");

    /**
     * Filebeat's Kafka input: the options of docs/reference/filebeat/filebeat-input-kafka.md in
     * elastic/beats (and the fields of its kafkaInputConfig), plus the common input options listed there.
     */
    private static final Set<String> KAFKA_INPUT_OPTIONS = Set.of(
            "type", "hosts", "topics", "group_id", "client_id", "version", "initial_offset", "connect_backoff",
            "consume_backoff", "timeout", "keep_alive", "session_timeout", "heartbeat_interval",
            "group_instance_id", "max_wait_time", "wait_close", "isolation_level", "fetch",
            "expand_event_list_from_field", "rebalance", "sasl", "kerberos", "username", "password", "ssl",
            "parsers",
            "enabled", "tags", "fields", "fields_under_root", "processors", "pipeline", "keep_null", "index",
            "publisher_pipeline");
    /** The {@code ndjson} parser's options, from the same page. */
    private static final Set<String> NDJSON_OPTIONS = Set.of("target", "overwrite_keys", "expand_keys",
            "add_error_key", "message_key", "document_id", "ignore_decoding_error");
    /** The {@code fingerprint} processor's options (Filebeat's processor reference). */
    private static final Set<String> FINGERPRINT_OPTIONS = Set.of("fields", "target_field", "method", "encoding",
            "ignore_missing");
    /** The Elasticsearch output's options, from docs/reference/filebeat/elasticsearch-output.md. */
    private static final Set<String> ES_OUTPUT_OPTIONS = Set.of("enabled", "hosts", "compression_level",
            "escape_html", "worker", "workers", "loadbalance", "api_key", "username", "password", "parameters",
            "protocol", "path", "headers", "proxy_disable", "proxy_url", "proxy_headers", "index", "indices", "ilm",
            "pipeline", "pipelines", "max_retries", "bulk_max_size", "ssl");
    /** Top-level settings: the input list, the output, and the template/ILM settings a custom index needs. */
    private static final Set<String> FILEBEAT_SETTINGS = Set.of("filebeat.inputs", "setup.template.name",
            "setup.template.pattern", "setup.ilm.enabled");

    /** {@code ${provider:[path:]key}}, as Kafka's ConfigTransformer reads it. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{[^}:]+:[^}]+}");
    private static final Pattern UUID_LIKE = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** RFC 3339 §5.6 date-time, which Filebeat's ndjson parser requires of a {@code @timestamp} it overwrites. */
    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})");

    private static EcsFields ecs;

    @TempDir
    static Path stateDir;

    private static Map<String, String> sink;
    private static String sinkText;
    private static Properties worker;
    private static JsonNode filebeat;
    private static String ecsTopic;
    private static SiemAlerts.Output produced;

    @BeforeAll
    static void read() throws IOException {
        sinkText = Files.readString(SIEM.resolve("splunk/tokenwatch-alerts-splunk-sink.json"));
        JsonNode request = JSON.readTree(sinkText);
        assertThat(request.fieldNames()).toIterable().containsExactlyInAnyOrder("name", "config");
        sink = JSON.convertValue(request.get("config"), new TypeReference<LinkedHashMap<String, String>>() { });
        worker = new Properties();
        try (Reader in = Files.newBufferedReader(SIEM.resolve("splunk/connect-distributed.properties"))) {
            worker.load(in);
        }
        filebeat = YAML.readTree(SIEM.resolve("filebeat/filebeat.yml").toFile());
        ecsTopic = composeEcsTopic();
        ecs = EcsFields.load();
        produced = SiemAlerts.produce(stateDir, ecsTopic);
    }

    /** The ECS topic the detector publishes to in docker-compose.yml ({@code --ecs-topic}). */
    private static String composeEcsTopic() throws IOException {
        JsonNode command = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).at("/services/detector/command");
        List<String> args = new ArrayList<>();
        command.forEach(a -> args.add(a.asText()));
        int flag = args.indexOf("--ecs-topic");
        assertThat(flag).as("the detector runs with --ecs-topic in docker-compose.yml").isNotNegative();
        return args.get(flag + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // Splunk Connect for Kafka

    @Test
    void shouldSinkTheAlertTopicToSplunkWithStringConvertersAndAcknowledgedHecEvents() {
        assertThat(sink).containsEntry("connector.class", "com.splunk.kafka.connect.SplunkSinkConnector")
                .containsEntry("topics", Topics.ALERTS.name())
                .containsEntry("key.converter", StringConverter.class.getName())
                .containsEntry("value.converter", StringConverter.class.getName())
                // /event endpoint: one HEC event per record, enrichment and indexer acknowledgement apply.
                .containsEntry("splunk.hec.raw", "false")
                .containsEntry("splunk.hec.json.event.formatted", "false")
                .containsEntry("splunk.hec.ack.enabled", "true")
                .containsEntry("splunk.hec.use.record.timestamp", "true")
                .containsEntry("consumer.override.isolation.level", "read_committed")
                .containsEntry("errors.deadletterqueue.topic.name", Topics.DLQ.name());
        // One topic, so one index, source and sourcetype (the lists are positional per topic).
        for (String perTopic : List.of("splunk.indexes", "splunk.sources", "splunk.sourcetypes")) {
            assertThat(sink.get(perTopic)).as(perTopic).isNotBlank().doesNotContain(",");
        }
        assertThat(sink).doesNotContainKey(SinkConnectorConfig.TOPICS_REGEX_CONFIG);
    }

    @Test
    void shouldUseOnlyOptionsKafkaConnectOrTheSplunkSinkDocument() {
        Set<String> framework = SinkConnectorConfig.configDef().names();
        assertThat(framework).contains("errors.tolerance", "errors.deadletterqueue.topic.name");
        for (String option : sink.keySet()) {
            if (option.startsWith(ConnectorConfig.CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX)) {
                assertThat(ConsumerConfig.configNames()).as(option)
                        .contains(option.substring(ConnectorConfig.CONNECTOR_CLIENT_CONSUMER_OVERRIDES_PREFIX.length()));
            } else {
                assertThat(framework.contains(option) || SPLUNK_SINK_OPTIONS.contains(option))
                        .as("%s is neither a Kafka Connect sink option nor a documented Splunk sink option", option)
                        .isTrue();
            }
        }
    }

    @Test
    void shouldTakeTheHecTokenFromTheWorkersEnvironmentNeverFromTheFile() {
        String alias = worker.getProperty("config.providers");
        assertThat(alias).isEqualTo("env");
        assertThat(worker.getProperty("config.providers.env.class"))
                .isEqualTo(org.apache.kafka.common.config.provider.EnvVarConfigProvider.class.getName());
        assertThat(sink.get("splunk.hec.token")).matches(PLACEHOLDER).startsWith("${" + alias + ":");
        assertThat(sinkText).doesNotContainPattern(UUID_LIKE);

        // Kafka's own transformer resolves the placeholders through the declared provider alias.
        Map<String, String> environment = Map.of("SPLUNK_HEC_TOKEN", "resolved-token",
                "SPLUNK_HEC_URI", "https://hec.example:8088", "SPLUNK_HEC_TRUSTSTORE_PATH", "/etc/ts.jks",
                "SPLUNK_HEC_TRUSTSTORE_PASSWORD", "pw");
        Map<String, String> resolved = new ConfigTransformer(Map.of(alias, new MapProvider(environment)))
                .transform(sink).data();
        assertThat(resolved).containsEntry("splunk.hec.token", "resolved-token")
                .containsEntry("splunk.hec.uri", "https://hec.example:8088");
        assertThat(resolved.values()).noneMatch(v -> PLACEHOLDER.matcher(v).find());
    }

    @Test
    void shouldConfigureTheConnectWorkerWithItsOwnOptionsOnly() {
        Map<String, String> props = new HashMap<>();
        worker.stringPropertyNames().forEach(k -> props.put(k, worker.getProperty(k)));
        DistributedConfig config = new DistributedConfig(props);

        Set<String> unknown = new TreeSet<>(props.keySet());
        unknown.removeAll(config.values().keySet());
        // Per-provider settings are read under the alias: config.providers.<alias>.class / .param.*
        unknown.removeIf(k -> k.startsWith("config.providers." + props.get("config.providers") + "."));
        assertThat(unknown).as("options the Connect worker does not define").isEmpty();
        assertThat(props).containsEntry("connector.client.config.override.policy", "All");
    }

    @Test
    void shouldGiveTheSourcetypeJsonFieldExtractionInPropsConf() throws IOException {
        List<String> lines = Files.readAllLines(SIEM.resolve("splunk/props.conf")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(lines.get(0)).isEqualTo("[" + sink.get("splunk.sourcetypes") + "]");
        Map<String, String> settings = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] kv = line.split("=", 2);
            settings.put(kv[0].strip(), kv[1].strip());
        }
        assertThat(PROPS_CONF_OPTIONS).containsAll(settings.keySet());
        assertThat(settings).containsEntry("KV_MODE", "json");
    }

    @Test
    void shouldHandSplunkEachAlertAsOneUtf8JsonEventStampedWithTheAlertTime() throws Exception {
        assertThat(produced.alerts()).hasSizeGreaterThanOrEqualTo(2);
        Map<String, String> enrichment = new LinkedHashMap<>();
        for (String pair : sink.get("splunk.hec.json.event.enrichment").split(",")) {
            String[] kv = pair.split("=", 2);
            enrichment.put(kv[0], kv[1]);
        }
        Set<String> rules = new TreeSet<>();
        for (SiemAlerts.Raw record : produced.alerts()) {
            // StringConverter decodes UTF-8: the value must be valid UTF-8, or the record goes to the DLQ.
            String text = strictUtf8(record.value());
            JsonNode event = JSON.readTree(text);
            assertThat(event.isObject()).isTrue();
            Alert alert = Topics.ALERTS.valueSerde().deserializer().deserialize(Topics.ALERTS.name(), record.value());
            // splunk.hec.use.record.timestamp: Splunk's _time is the record timestamp, which must be the OCSF time.
            assertThat(record.timestamp()).isEqualTo(alert.time()).isEqualTo(event.get("time").asLong());
            // The indexed enrichment fields must tell the truth about every event.
            assertThat(enrichment).containsEntry("ocsf_class_uid", String.valueOf(alert.classUid()))
                    .containsEntry("ocsf_version", alert.metadata().version())
                    .containsEntry("product", alert.metadata().product().name());
            rules.add(alert.findingInfo().analytic().uid());
        }
        assertThat(rules).contains("token_replay", "anomalous_token");
    }

    // ---------------------------------------------------------------------------------------------
    // Filebeat

    @Test
    void shouldReadTheEcsTopicWithTheNdjsonParserIntoTheEventRoot() {
        JsonNode inputs = filebeat.get("filebeat.inputs");
        assertThat(inputs.size()).isEqualTo(1);
        JsonNode input = inputs.get(0);
        assertThat(input.get("type").asText()).isEqualTo("kafka");
        assertThat(texts(input.get("topics"))).containsExactly(ecsTopic);
        assertThat(ecsTopic).isNotEqualTo(Topics.ALERTS.name()).startsWith(Topics.ALERTS.name());
        assertThat(input.get("group_id").asText()).isNotBlank();
        assertThat(input.get("isolation_level").asText()).isEqualTo("read_committed");
        JsonNode ndjson = input.at("/parsers/0/ndjson");
        assertThat(ndjson.get("target").asText()).isEmpty();
        assertThat(ndjson.get("overwrite_keys").asBoolean()).isTrue();
        assertThat(input.at("/processors/0/fingerprint/fields/0").asText()).isEqualTo("event.id");
        assertThat(input.at("/processors/0/fingerprint/target_field").asText()).isEqualTo("@metadata._id");

        String index = filebeat.at("/output.elasticsearch/index").asText();
        String pattern = filebeat.get("setup.template.pattern").asText();
        assertThat(pattern).endsWith("*");
        assertThat(index).startsWith(pattern.substring(0, pattern.length() - 1));
        assertThat(filebeat.get("setup.ilm.enabled").asBoolean(true)).isFalse();
    }

    @Test
    void shouldUseOnlyOptionsFilebeatDocuments() {
        filebeat.fieldNames().forEachRemaining(name -> assertThat(
                FILEBEAT_SETTINGS.contains(name) || name.equals("output.elasticsearch")).as(name).isTrue());
        filebeat.get("output.elasticsearch").fieldNames().forEachRemaining(name ->
                assertThat(ES_OUTPUT_OPTIONS).as("output.elasticsearch").contains(firstSegment(name)));
        for (JsonNode input : filebeat.get("filebeat.inputs")) {
            input.fieldNames().forEachRemaining(name ->
                    assertThat(KAFKA_INPUT_OPTIONS).as("kafka input").contains(firstSegment(name)));
            for (JsonNode parser : input.path("parsers")) {
                assertThat(texts(fieldNames(parser))).containsExactly("ndjson");
                parser.get("ndjson").fieldNames().forEachRemaining(name ->
                        assertThat(NDJSON_OPTIONS).as("ndjson").contains(name));
            }
            for (JsonNode processor : input.path("processors")) {
                assertThat(texts(fieldNames(processor))).containsExactly("fingerprint");
                processor.get("fingerprint").fieldNames().forEachRemaining(name ->
                        assertThat(FINGERPRINT_OPTIONS).as("fingerprint").contains(name));
            }
        }
    }

    @Test
    void shouldDecodeEveryEcsRecordAsFilebeatsNdjsonParserAndEcsExpect() throws Exception {
        assertThat(produced.ecs()).hasSameSizeAs(produced.alerts());
        Map<String, Long> alertTimes = new HashMap<>();
        for (SiemAlerts.Raw record : produced.alerts()) {
            Alert alert = Topics.ALERTS.valueSerde().deserializer().deserialize(Topics.ALERTS.name(), record.value());
            alertTimes.put(alert.findingInfo().uid() + ":" + alert.activityId(), alert.time());
        }
        for (SiemAlerts.Raw record : produced.ecs()) {
            String text = strictUtf8(record.value());
            assertThat(text).as("one JSON document on one line").doesNotContain("\n", "\r");
            Map<String, Object> doc = JSON.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
            // target "" merges into the root, where the Kafka input keeps its own kafka.* fields.
            assertThat(doc).doesNotContainKey("kafka");
            Map<String, Object> flat = ecs.flatten(doc);
            assertThat(flat).containsEntry("event.kind", "alert");
            assertThat(flat.get("event.id")).as("the fingerprint processor's field").isInstanceOf(String.class);
            String timestamp = (String) flat.get("@timestamp");
            assertThat(timestamp).matches(RFC3339);
            long time = OffsetDateTime.parse(timestamp, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
            // event.id is <finding uid>:<activity id>:<time>; the uid is the OCSF finding_info.uid.
            String[] eventId = ((String) flat.get("event.id")).split(":");
            String finding = flat.get("tokenwatch.finding_uid") + ":" + eventId[eventId.length - 2];
            assertThat(alertTimes).containsEntry(finding, time);
            ecs.assertConforms(doc);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    private static String firstSegment(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    private static JsonNode fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return JSON.valueToTree(names);
    }

    private static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A config provider over a fixed map, standing in for the worker's environment. */
    private static final class MapProvider implements ConfigProvider {
        private final Map<String, String> values;

        MapProvider(Map<String, String> values) {
            this.values = values;
        }

        @Override
        public ConfigData get(String path) {
            return new ConfigData(values);
        }

        @Override
        public ConfigData get(String path, Set<String> keys) {
            Map<String, String> found = new HashMap<>();
            keys.forEach(k -> {
                if (values.containsKey(k)) {
                    found.put(k, values.get(k));
                }
            });
            return new ConfigData(found);
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }

        @Override
        public void close() {
        }
    }
}
