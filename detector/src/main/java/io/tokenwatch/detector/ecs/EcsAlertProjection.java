package io.tokenwatch.detector.ecs;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.common.errors.SerializationException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An alert projected into Elastic Common Schema 9.4 ({@code event.kind: alert}), for Elastic users
 * who would rather not map OCSF themselves: nested objects as Elastic's Kafka input indexes them.
 * Every field outside {@code tokenwatch.*} is an ECS field of a fitting type ({@code EcsAlertProjectionTest}
 * checks them against the ECS 9.4.0 field list); what ECS has no field for (the finding uid, the
 * OCSF activity and class, the token facts, the anomaly figures) goes under {@code tokenwatch.*}.
 * The OCSF alert on {@code tokenwatch.alerts} stays the contract; this is a view of it.
 *
 * <p>Stateless and thread-safe.
 */
public final class EcsAlertProjection {

    public static final String ECS_VERSION = "9.4.0";

    private EcsAlertProjection() {
    }

    /** The ECS document of {@code alert}, as nested maps. */
    public static Map<String, Object> project(Alert alert) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("@timestamp", Instant.ofEpochMilli(alert.time()).toString());
        doc.put("message", alert.message());
        doc.put("ecs", Map.of("version", ECS_VERSION));
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("kind", "alert");
        event.put("category", List.of("authentication"));
        event.put("type", List.of("info"));
        event.put("severity", alert.severityId());
        event.put("action", alert.activityName().toLowerCase(Locale.ROOT));
        event.put("id", alert.findingInfo().uid() + ":" + alert.activityId() + ":" + alert.time());
        event.put("provider", "tokenwatch-detector");
        if (alert.findingInfo().firstSeenTime() != null) {
            event.put("start", Instant.ofEpochMilli(alert.findingInfo().firstSeenTime()).toString());
        }
        if (alert.findingInfo().lastSeenTime() != null) {
            event.put("end", Instant.ofEpochMilli(alert.findingInfo().lastSeenTime()).toString());
        }
        doc.put("event", event);
        Alert.Analytic analytic = alert.findingInfo().analytic();
        Map<String, Object> rule = new LinkedHashMap<>();
        rule.put("name", analytic.name());
        rule.put("id", analytic.uid());
        rule.put("version", analytic.version());
        rule.put("description", alert.findingInfo().title());
        rule.put("ruleset", "tokenwatch");
        doc.put("rule", rule);
        if (alert.actor() != null && alert.actor().user() != null) {
            Alert.User user = alert.actor().user();
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("name", user.name());
            u.put("id", user.uid());
            u.put("domain", user.domain());
            doc.put("user", u);
        }
        source(alert).ifPresent(src -> doc.put("source", src));
        Set<String> ips = new LinkedHashSet<>();
        for (Alert.Evidence e : alert.evidences()) {
            if (e.srcEndpoint() != null && e.srcEndpoint().ip() != null) {
                ips.add(e.srcEndpoint().ip());
            }
        }
        if (!ips.isEmpty()) {
            doc.put("related", Map.of("ip", List.copyOf(ips)));
        }
        threat(alert).ifPresent(t -> doc.put("threat", t));
        doc.put("observer", Map.of("vendor", "tokenwatch", "product", "tokenwatch",
                "version", alert.metadata().product().version()));
        doc.put("tokenwatch", ours(alert));
        return doc;
    }

    /** The ECS document of {@code alert} as JSON bytes, the value of the ECS topic. */
    public static byte[] toJson(Alert alert) {
        try {
            return JsonSerde.MAPPER.writeValueAsBytes(project(alert));
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write the ECS projection of an alert", e);
        }
    }

    /**
     * The request that triggered the alert: of the evidences with a source endpoint, the latest by its
     * {@code time} or {@code last_seen_time}, else the first.
     */
    private static java.util.Optional<Map<String, Object>> source(Alert alert) {
        Alert.Evidence best = null;
        long bestTime = Long.MIN_VALUE;
        for (Alert.Evidence e : alert.evidences()) {
            if (e.srcEndpoint() == null || e.srcEndpoint().ip() == null) {
                continue;
            }
            long time = evidenceTime(e);
            if (best == null || time > bestTime) {
                best = e;
                bestTime = time;
            }
        }
        if (best == null) {
            return java.util.Optional.empty();
        }
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("ip", best.srcEndpoint().ip());
        Alert.Location location = best.srcEndpoint().location();
        if (location != null) {
            Map<String, Object> geo = new LinkedHashMap<>();
            if (location.country() != null) {
                geo.put("country_iso_code", location.country());
            }
            if (location.region() != null) {
                geo.put("region_name", location.region());
            }
            if (location.lat() != null && location.lon() != null) {
                geo.put("location", Map.of("lat", location.lat(), "lon", location.lon()));
            }
            if (!geo.isEmpty()) {
                source.put("geo", geo);
            }
        }
        return java.util.Optional.of(source);
    }

    private static long evidenceTime(Alert.Evidence e) {
        if (e.data() == null) {
            return Long.MIN_VALUE;
        }
        for (String name : List.of("time", "last_seen_time")) {
            if (e.data().get(name) instanceof Number n) {
                return n.longValue();
            }
        }
        return Long.MIN_VALUE;
    }

    private static java.util.Optional<Map<String, Object>> threat(Alert alert) {
        List<Alert.Attack> attacks = alert.findingInfo().attacks();
        if (attacks.isEmpty()) {
            return java.util.Optional.empty();
        }
        List<String> techniqueIds = new ArrayList<>();
        List<String> techniqueNames = new ArrayList<>();
        List<String> tacticIds = new ArrayList<>();
        List<String> tacticNames = new ArrayList<>();
        for (Alert.Attack attack : attacks) {
            if (attack.technique() != null) {
                techniqueIds.add(attack.technique().uid());
                techniqueNames.add(attack.technique().name());
            }
            if (attack.tactic() != null) {
                tacticIds.add(attack.tactic().uid());
                tacticNames.add(attack.tactic().name());
            }
        }
        Map<String, Object> threat = new LinkedHashMap<>();
        threat.put("framework", "MITRE ATT&CK");
        threat.put("technique", Map.of("id", techniqueIds, "name", techniqueNames));
        threat.put("tactic", Map.of("id", tacticIds, "name", tacticNames));
        return java.util.Optional.of(threat);
    }

    private static Map<String, Object> ours(Alert alert) {
        Map<String, Object> ours = new LinkedHashMap<>();
        ours.put("finding_uid", alert.findingInfo().uid());
        ours.put("ocsf_class_uid", alert.classUid());
        ours.put("ocsf_activity", alert.activityName());
        ours.put("severity", alert.severity());
        ours.put("finding_types", alert.findingInfo().types());
        if (alert.findingInfo().desc() != null) {
            ours.put("finding_desc", alert.findingInfo().desc());
        }
        ours.put("anomaly_analyses", alert.anomalyAnalyses());
        ours.put("unmapped", alert.unmapped());
        return ours;
    }
}
