package io.tokenwatch.schemas;

import org.apache.kafka.common.serialization.Serdes;

import java.time.Duration;
import java.util.List;

/**
 * The topic catalogue (DESIGN.md §3): every topic tokenwatch reads or writes, with its serdes and
 * policy. Immutable constants; thread-safe.
 */
public final class Topics {

    /** One {@link TokenUsageEvent} per request, keyed {@code iss|sub} or {@code ip|<addr>}. */
    public static final Topic<String, TokenUsageEvent> TOKEN_USAGE = new Topic<>("tokenwatch.token-usage",
            Serdes.String(), new JsonSerde<>(TokenUsageEvent.class), Topic.CleanupPolicy.DELETE, Duration.ofDays(7));

    /** OCSF Detection Findings for SIEMs, keyed by subject key or finding id. */
    public static final Topic<String, Alert> ALERTS = new Topic<>("tokenwatch.alerts",
            Serdes.String(), new JsonSerde<>(Alert.class), Topic.CleanupPolicy.DELETE, Duration.ofDays(30));

    /**
     * Revocations, keyed by canonical scope key; {@code null} lifts. Compacted; tombstones kept 7 days,
     * the longest filter outage after which a filter still learns of a lift.
     */
    public static final Topic<String, Revocation> REVOCATIONS = new Topic<>("tokenwatch.revocations",
            Serdes.String(), new JsonSerde<>(Revocation.class), Topic.CleanupPolicy.COMPACT, Duration.ofDays(7));

    /** Records the detector could not process: original key and bytes, error headers. */
    public static final Topic<byte[], byte[]> DLQ = new Topic<>("tokenwatch.dlq",
            Serdes.ByteArray(), Serdes.ByteArray(), Topic.CleanupPolicy.DELETE, Duration.ofDays(7));

    /**
     * Operators' suppressions of findings by rule and subject, keyed {@code rule|iss|sub}; {@code null}
     * lifts. Compacted like the revocations, tombstones kept 7 days so a detector that was down when a
     * suppression was lifted still learns of it.
     */
    public static final Topic<String, Suppression> SUPPRESSIONS = new Topic<>("tokenwatch.suppressions",
            Serdes.String(), new JsonSerde<>(Suppression.class), Topic.CleanupPolicy.COMPACT, Duration.ofDays(7));

    /** Every topic, in the order of DESIGN.md §3 (suppressions, added later, last). */
    public static final List<Topic<?, ?>> ALL = List.of(TOKEN_USAGE, ALERTS, REVOCATIONS, DLQ, SUPPRESSIONS);

    private Topics() {
    }
}
