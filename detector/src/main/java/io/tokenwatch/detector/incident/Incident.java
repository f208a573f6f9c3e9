package io.tokenwatch.detector.incident;

/**
 * Value of an incident store: one open incident of one rule about one thing (an address, a token).
 * Immutable.
 *
 * @param key        what the incident is about, e.g. {@code ip|203.0.113.9} or {@code jti|iss|jti}
 * @param uid        the OCSF {@code finding_info.uid} every report of this incident carries
 * @param firstSeen  the first occurrence, epoch ms
 * @param lastSeen   the latest occurrence, epoch ms
 * @param count      occurrences so far (what "occurrence" means is the rule's, e.g. forged tokens)
 * @param reportedAt when the incident was last reported to the SIEM, epoch ms; null if never
 * @param reports    how many reports were sent (1 after the Create, then one more per Update)
 */
public record Incident(String key, String uid, long firstSeen, long lastSeen, long count, Long reportedAt,
                       int reports) {

    public Incident {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("incident key must not be blank");
        }
        if (uid == null || uid.isBlank()) {
            throw new IllegalArgumentException("incident uid must not be blank");
        }
        if (count < 0 || reports < 0) {
            throw new IllegalArgumentException("count and reports must not be negative");
        }
    }

    /** True while an occurrence at {@code time} still belongs to this incident. */
    boolean isOpenAt(long time, long cooldownMillis) {
        return time - lastSeen <= cooldownMillis;
    }

    Incident withOccurrences(long time, long occurrences) {
        return new Incident(key, uid, Math.min(firstSeen, time), Math.max(lastSeen, time), count + occurrences,
                reportedAt, reports);
    }

    Incident reported(long time) {
        return new Incident(key, uid, firstSeen, lastSeen, count, time, reports + 1);
    }

    /** True once the SIEM has been told about this incident. */
    public boolean wasReported() {
        return reportedAt != null;
    }
}
