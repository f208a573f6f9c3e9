package io.tokenwatch.schemas;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsTest {

    @Test
    void shouldListEveryTopicOnceInDesignOrder() {
        assertThat(Topics.ALL).containsExactly(Topics.TOKEN_USAGE, Topics.ALERTS, Topics.REVOCATIONS, Topics.DLQ,
                Topics.SUPPRESSIONS);
        assertThat(Topics.ALL.stream().map(Topic::name).distinct()).hasSize(5);
    }

    @Test
    void shouldNameTopicsAsInTheDesign() {
        assertThat(Topics.TOKEN_USAGE.name()).isEqualTo("tokenwatch.token-usage");
        assertThat(Topics.ALERTS.name()).isEqualTo("tokenwatch.alerts");
        assertThat(Topics.REVOCATIONS.name()).isEqualTo("tokenwatch.revocations");
        assertThat(Topics.DLQ.name()).isEqualTo("tokenwatch.dlq");
        assertThat(Topics.SUPPRESSIONS.name()).isEqualTo("tokenwatch.suppressions");
    }

    @Test
    void shouldDeleteEventsAfterTheirRetention() {
        assertThat(Topics.TOKEN_USAGE.configs())
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")
                .containsEntry(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()));
        assertThat(Topics.ALERTS.configs())
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")
                .containsEntry(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(30).toMillis()));
        assertThat(Topics.DLQ.configs())
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")
                .containsEntry(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()));
    }

    @Test
    void shouldCompactRevocationsAndKeepTombstones() {
        assertThat(Topics.REVOCATIONS.cleanupPolicy()).isEqualTo(Topic.CleanupPolicy.COMPACT);
        assertThat(Topics.REVOCATIONS.configs())
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")
                .containsEntry(TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()))
                .containsKey(TopicConfig.SEGMENT_MS_CONFIG)
                .containsKey(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG)
                .doesNotContainKey(TopicConfig.RETENTION_MS_CONFIG);
    }

    @Test
    void shouldCompactSuppressionsAndKeepTombstones() {
        assertThat(Topics.SUPPRESSIONS.configs())
                .containsEntry(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")
                .containsEntry(TopicConfig.DELETE_RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(7).toMillis()))
                .doesNotContainKey(TopicConfig.RETENTION_MS_CONFIG);
        assertThat(((JsonSerde<?>) Topics.SUPPRESSIONS.valueSerde()).type()).isEqualTo(Suppression.class);
    }

    @Test
    void shouldCarryJsonSerdesForEachValueType() {
        assertThat(((JsonSerde<?>) Topics.TOKEN_USAGE.valueSerde()).type()).isEqualTo(TokenUsageEvent.class);
        assertThat(((JsonSerde<?>) Topics.ALERTS.valueSerde()).type()).isEqualTo(Alert.class);
        assertThat(((JsonSerde<?>) Topics.REVOCATIONS.valueSerde()).type()).isEqualTo(Revocation.class);
    }

    @Test
    void shouldBuildAdminTopicWithItsPolicy() {
        NewTopic topic = Topics.REVOCATIONS.newTopic(3, (short) 1);

        assertThat(topic.name()).isEqualTo("tokenwatch.revocations");
        assertThat(topic.numPartitions()).isEqualTo(3);
        assertThat(topic.replicationFactor()).isEqualTo((short) 1);
        assertThat(topic.configs()).isEqualTo(Topics.REVOCATIONS.configs());
    }
}
