package io.tokenwatch.detector.ecs;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tokenwatch.detector.rules.DetectorDriver;
import io.tokenwatch.detector.rules.UsageEvents;
import io.tokenwatch.schemas.EcsFields;
import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tokenwatch.detector.rules.DetectorDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The ECS projection: every field outside {@code tokenwatch.*} is an ECS 9.4.0 field of a fitting type. */
class EcsAlertProjectionTest {

    private static final String TOPIC = "tokenwatch.alerts.ecs";
    private static EcsFields ecs;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void loadEcsFields() {
        ecs = EcsFields.load();
    }

    @Test
    void shouldProjectEveryAlertIntoEcsFieldsOnTheEcsTopicWhenConfigured() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (DetectorDriver driver = DetectorDriver.start(stateDir, c -> c.withEcsTopic(TOPIC))) {
            List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");
            for (int i = 0; i < ips.size(); i++) {
                driver.send(UsageEvents.accepted().jti("replayed").from(ips.get(i))
                        .located(List.of("AT", "CH", "DE").get(i), 52.5, 13.4, 64_500L + i % 3)
                        .at(T0 + i * 1_000L).build());
            }
            // Located in Berlin, then Sydney a minute later: impossible travel, a profile rule.
            driver.send(UsageEvents.accepted().subject("bob").jti("b1").from("198.51.100.20")
                    .located("DE", 52.5, 13.4, null).at(T0).build());
            // A second token in Sydney: a new holder, far from every place Bob was just seen at.
            driver.send(UsageEvents.accepted().subject("bob").jti("b2").from("203.0.113.20")
                    .located("AU", -33.9, 151.2, null).at(T0 + 60_000).build());
            assertThat(driver.alerts()).hasSizeGreaterThanOrEqualTo(2);
            for (KeyValue<String, byte[]> record : driver.read(TOPIC)) {
                docs.add(JsonSerde.MAPPER.readValue(record.value, new TypeReference<Map<String, Object>>() { }));
            }
        }

        assertThat(docs).hasSizeGreaterThanOrEqualTo(2);
        Map<String, Object> replay = docs.stream().filter(d -> ecs.flatten(d).get("rule.name").equals("token_replay"))
                .findFirst().orElseThrow();
        Map<String, Object> flat = ecs.flatten(replay);
        assertThat(flat).containsEntry("event.kind", "alert")
                .containsEntry("event.category", List.of("authentication"))
                .containsEntry("event.type", List.of("info"))
                .containsEntry("event.severity", 4)
                .containsEntry("rule.id", "token_replay")
                .containsEntry("user.name", "alice")
                .containsEntry("user.id", "https://issuer.example|alice")
                // The replaying use, the latest, is the source.
                .containsEntry("source.ip", "192.0.2.44")
                .containsEntry("source.geo.country_iso_code", "DE")
                .containsKeys("@timestamp", "message", "tokenwatch.finding_uid", "tokenwatch.unmapped.token.jti");
        assertThat(flat.get("@timestamp")).isEqualTo(Instant.ofEpochMilli(T0 + 2_000).toString());
        assertThat(docs).anySatisfy(d -> assertThat(ecs.flatten(d).get("rule.name")).isEqualTo("impossible_travel"));

        docs.forEach(ecs::assertConforms);
    }

    @Test
    void shouldPublishNoEcsProjectionByDefault() {
        try (DetectorDriver driver = DetectorDriver.start(stateDir)) {
            List<String> ips = List.of("198.51.100.7", "203.0.113.9", "192.0.2.44");
            for (int i = 0; i < ips.size(); i++) {
                driver.send(UsageEvents.accepted().jti("replayed").from(ips.get(i)).in(List.of("DE", "AT", "CH").get(i))
                        .at(T0 + i).build());
            }
            assertThat(driver.alerts()).hasSize(1);
            assertThat(driver.read(TOPIC)).isEmpty();
        }
    }
}
