package io.tokenwatch.detector.topology;

import io.tokenwatch.detector.control.Suppressions;
import io.tokenwatch.detector.explain.RecentAlertsProcessor;
import io.tokenwatch.detector.revocation.LatestRevocations;
import io.tokenwatch.detector.revocation.RevocationExpiryProcessor;
import io.tokenwatch.detector.rules.AnomalousTokenProcessor;
import io.tokenwatch.detector.rules.FailureBurstProcessor;
import io.tokenwatch.detector.rules.ForgedTokenBurstProcessor;
import io.tokenwatch.detector.rules.ForgedTokenBurstRule;
import io.tokenwatch.detector.rules.ForgedTokenCampaignProcessor;
import io.tokenwatch.detector.rules.RevokedTokenUseProcessor;
import io.tokenwatch.detector.rules.RevokedTokenUseRule;
import io.tokenwatch.detector.rules.TokenReplayProcessor;
import io.tokenwatch.detector.rules.TokenReplayRule;
import io.tokenwatch.detector.rules.UserProfileProcessor;
import io.tokenwatch.detector.rules.UserProfileRules;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class DetectorTopologyTest {

    private static final DetectorConfig CONFIG = DetectorConfig.defaults("unused:9092", Path.of("unused"));

    @Test
    void shouldNameEveryProcessorStoreAndRepartitionTopic() {
        TopologyDescription description = DetectorTopology.build(CONFIG).describe();

        Set<String> nodes = new HashSet<>();
        Set<String> stores = new HashSet<>();
        for (TopologyDescription.Subtopology subtopology : description.subtopologies()) {
            for (TopologyDescription.Node node : subtopology.nodes()) {
                nodes.add(node.name());
                if (node instanceof TopologyDescription.Processor processor) {
                    stores.addAll(processor.stores());
                }
            }
        }
        assertThat(nodes).containsExactlyInAnyOrder("token-usage-source", "event-time-check", "token-replay-rule",
                "forged-token-burst-rule", "revoked-token-use-rule", "merge-forged-token-burst",
                "merge-revoked-token-use", "user-profile-rules", "merge-user-profile-rules", "control-gate", "detection-alert", "alerts-sink", "detection-revocations",
                "detection-metrics", "subject-recent-alerts-update", "anomalous-token-rule",
                "merge-anomalous-token", "verified-failure-burst-rule", "merge-verified-failure-burst",
                "revocation-expiry", "revocations-sink",
                // The forgery branches: address sightings and claims, each through a named repartition.
                "verified-address-sightings", "merge-address-sightings",
                "forged-token-burst-address-sightings-repartition-filter",
                "forged-token-burst-address-sightings-repartition-sink",
                "forged-token-burst-address-sightings-repartition-source",
                "forged-token-claims-by-claim", "forged-token-claims-repartition-filter",
                "forged-token-claims-repartition-sink", "forged-token-claims-repartition-source",
                "forged-token-campaign-rule", "merge-forged-token-campaign");
        assertThat(stores).containsExactlyInAnyOrder(TokenReplayProcessor.STORE,
                ForgedTokenBurstProcessor.REJECTIONS_STORE, ForgedTokenBurstProcessor.OFFENCES_STORE,
                ForgedTokenBurstProcessor.INCIDENTS_STORE, RevokedTokenUseProcessor.INCIDENTS_STORE,
                UserProfileProcessor.PROFILES_STORE, UserProfileProcessor.INCIDENTS_STORE,
                RevocationExpiryProcessor.STORE, RevocationExpiryProcessor.ISSUED_STORE, RecentAlertsProcessor.STORE, AnomalousTokenProcessor.INCIDENTS_STORE,
                FailureBurstProcessor.REJECTIONS_STORE, FailureBurstProcessor.INCIDENTS_STORE,
                ForgedTokenBurstProcessor.POPULATION_STORE, ForgedTokenCampaignProcessor.TALLIES_STORE,
                ForgedTokenCampaignProcessor.INCIDENTS_STORE, AnomalousTokenProcessor.LIFETIMES_STORE,
                AnomalousTokenProcessor.SUBJECTS_STORE);
        assertThat(RecentAlertsProcessor.STORE).isEqualTo("subject-recent-alerts");
        assertThat(UserProfileProcessor.PROFILES_STORE).isEqualTo("user-profiles");
        assertThat(UserProfileProcessor.INCIDENTS_STORE).isEqualTo("user-profile-incidents");
        assertThat(description.toString()).doesNotContain("KSTREAM-", "KTABLE-")
                .contains("topics: [forged-token-claims-repartition]",
                        "topics: [forged-token-burst-address-sightings-repartition]");
    }

    @Test
    void shouldAddTheNamedEcsProjectionOnlyWhenAnEcsTopicIsConfigured() {
        String withEcs = DetectorTopology.build(CONFIG.withEcsTopic("tokenwatch.alerts.ecs")).describe().toString();

        assertThat(withEcs).contains("detection-ecs", "alerts-ecs-sink", "tokenwatch.alerts.ecs");
        assertThat(DetectorTopology.build(CONFIG).describe().toString()).doesNotContain("ecs");
    }

    @Test
    void shouldRouteInteractiveQueriesThroughTheApplicationServerAndCountDeadLetters() {
        DetectorConfig config = CONFIG.withHttpPort(8090).withApplicationServer("detector-1:8090");

        assertThat(config.streamsProperties()).containsEntry("application.server", "detector-1:8090")
                .containsEntry("metrics.recording.level", "INFO")
                .containsEntry("errors.dead.letter.queue.topic.name", Topics.DLQ.name());
        assertThat(CONFIG.streamsProperties()).doesNotContainKey("application.server");
        assertThat(CONFIG.httpPort()).isEqualTo(-1);
        assertThat(CONFIG.ecsTopic()).isNull();
    }

    @Test
    void shouldFollowTheRevocationAndSuppressionTopicsInNamedGlobalStores() {
        TopologyDescription description = DetectorTopology.build(CONFIG).describe();

        assertThat(description.globalStores()).hasSize(2).anySatisfy(global -> {
            assertThat(global.source().name()).isEqualTo("revocations-latest-source");
            assertThat(global.source().topicSet()).containsExactly(Topics.REVOCATIONS.name());
            assertThat(global.processor().name()).isEqualTo("revocations-latest");
            assertThat(global.processor().stores()).containsExactly(LatestRevocations.STORE);
        }).anySatisfy(global -> {
            assertThat(global.source().name()).isEqualTo("suppressions-latest-source");
            assertThat(global.source().topicSet()).containsExactly(Topics.SUPPRESSIONS.name());
            assertThat(global.processor().name()).isEqualTo("suppressions-latest");
            assertThat(global.processor().stores()).containsExactly(Suppressions.STORE);
        });
        assertThat(LatestRevocations.STORE).isEqualTo("revocations-latest");
    }

    @Test
    void shouldKeepTheFirstReleaseConstructorWorkingWithDefaultsForTheLaterRules() {
        DetectorConfig legacy = new DetectorConfig("app", "broker:9092", "at_least_once", Duration.ofMillis(100),
                Path.of("state"), "1.0", TokenReplayRule.defaults(), Map.of("security.protocol", "SSL"));

        assertThat(legacy.forgedTokenBurst()).isEqualTo(ForgedTokenBurstRule.defaults());
        assertThat(legacy.revokedTokenUse()).isEqualTo(RevokedTokenUseRule.defaults());
        assertThat(legacy.tombstoneInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(legacy.userProfile()).isEqualTo(UserProfileRules.defaults());
        DetectorConfig beforeProfiles = new DetectorConfig("app", "broker:9092", "at_least_once",
                Duration.ofMillis(100), Path.of("state"), "1.0", TokenReplayRule.defaults(),
                ForgedTokenBurstRule.defaults(), RevokedTokenUseRule.defaults(), Duration.ofSeconds(10), Map.of());
        assertThat(beforeProfiles.userProfile()).isEqualTo(UserProfileRules.defaults());
        assertThat(legacy.streamsProperties()).containsEntry("security.protocol", "SSL");
        assertThat(CONFIG.withClientOverrides(Map.of("a", "b")).clientOverrides()).isEqualTo(Map.of("a", "b"));
        assertThat(Topics.REVOCATIONS.name()).isEqualTo("tokenwatch.revocations");
    }
}
