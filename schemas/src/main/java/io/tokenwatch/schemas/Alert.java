package io.tokenwatch.schemas;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An alert on topic {@code tokenwatch.alerts}: an OCSF 1.5 Detection Finding (class 2004), the form
 * SIEMs ingest without a custom parser. Only attributes OCSF defines appear at top level; our own
 * facts (the token facts, our {@code schema_version}) go in {@code unmapped}. The source endpoint
 * and location are carried in {@code evidences[].src_endpoint}, where OCSF 1.5 defines them for this
 * class. Immutable; the constant attributes are checked on construction.
 */
public record Alert(
        int activityId,
        String activityName,
        int categoryUid,
        String categoryName,
        int classUid,
        String className,
        long typeUid,
        int severityId,
        String severity,
        long time,
        String message,
        boolean isAlert,
        Metadata metadata,
        FindingInfo findingInfo,
        Actor actor,
        List<Evidence> evidences,
        List<AnomalyAnalysis> anomalyAnalyses,
        Map<String, Object> unmapped) {

    public static final int SCHEMA_VERSION = 1;
    public static final int CLASS_UID = 2004;
    public static final int CATEGORY_UID = 2;
    public static final String OCSF_VERSION = "1.5.0";

    public Alert {
        if (classUid != CLASS_UID || categoryUid != CATEGORY_UID) {
            throw new IllegalArgumentException("not an OCSF Detection Finding: class_uid " + classUid
                    + ", category_uid " + categoryUid);
        }
        Activity.of(activityId);
        Severity.of(severityId);
        if (typeUid != (long) CLASS_UID * 100 + activityId) {
            throw new IllegalArgumentException("type_uid must be class_uid * 100 + activity_id");
        }
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(findingInfo, "finding_info");
        evidences = evidences == null ? List.of() : List.copyOf(evidences);
        anomalyAnalyses = anomalyAnalyses == null ? List.of() : List.copyOf(anomalyAnalyses);
        unmapped = unmapped == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(unmapped));
    }

    /** Builds a Detection Finding with every constant and derived attribute filled in. */
    public static Alert detectionFinding(Activity activity, Severity severity, long time, String message,
                                         String productVersion, FindingInfo findingInfo, Actor actor,
                                         List<Evidence> evidences, List<AnomalyAnalysis> anomalyAnalyses,
                                         Map<String, Object> unmapped) {
        Map<String, Object> extra = new java.util.LinkedHashMap<>(unmapped == null ? Map.of() : unmapped);
        extra.put("schema_version", SCHEMA_VERSION);
        return new Alert(activity.id, activity.label, CATEGORY_UID, "Findings", CLASS_UID, "Detection Finding",
                (long) CLASS_UID * 100 + activity.id, severity.id, severity.label, time, message, true,
                Metadata.tokenwatch(productVersion), findingInfo, actor, evidences, anomalyAnalyses, extra);
    }

    /** OCSF {@code activity_id} of a finding. */
    public enum Activity {
        CREATE(1, "Create"), UPDATE(2, "Update"), CLOSE(3, "Close");

        public final int id;
        public final String label;

        Activity(int id, String label) {
            this.id = id;
            this.label = label;
        }

        static Activity of(int id) {
            for (Activity a : values()) {
                if (a.id == id) {
                    return a;
                }
            }
            throw new IllegalArgumentException("unsupported activity_id " + id);
        }
    }

    /** OCSF {@code severity_id}. */
    public enum Severity {
        INFORMATIONAL(1, "Informational"), LOW(2, "Low"), MEDIUM(3, "Medium"), HIGH(4, "High"),
        CRITICAL(5, "Critical");

        public final int id;
        public final String label;

        Severity(int id, String label) {
            this.id = id;
            this.label = label;
        }

        static Severity of(int id) {
            for (Severity s : values()) {
                if (s.id == id) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unsupported severity_id " + id);
        }
    }

    /** OCSF {@code metadata}: the schema version and the product that wrote the finding. */
    public record Metadata(String version, Product product) {
        public Metadata {
            Keys.requireText(version, "metadata.version");
            Objects.requireNonNull(product, "metadata.product");
        }

        static Metadata tokenwatch(String productVersion) {
            return new Metadata(OCSF_VERSION, new Product("tokenwatch", "tokenwatch", productVersion));
        }
    }

    /** OCSF {@code product}. */
    public record Product(String name, String vendorName, String version) {
    }

    /**
     * OCSF {@code finding_info}: what was found, by which rule, when first and last seen.
     *
     * @param uid           stable id of the finding; updates of one incident share it
     * @param title         one-line summary
     * @param desc          what happened, in words
     * @param types         finding types, e.g. {@code token_replay}
     * @param analytic      the rule that fired
     * @param firstSeenTime first malicious event, epoch ms
     * @param lastSeenTime  last event that contributed, epoch ms
     * @param attacks       MITRE ATT&amp;CK mapping
     */
    public record FindingInfo(String uid, String title, String desc, List<String> types, Analytic analytic,
                              Long firstSeenTime, Long lastSeenTime, List<Attack> attacks) {
        public FindingInfo {
            Keys.requireText(uid, "finding_info.uid");
            Keys.requireText(title, "finding_info.title");
            types = types == null ? List.of() : List.copyOf(types);
            attacks = attacks == null ? List.of() : List.copyOf(attacks);
        }
    }

    /** OCSF {@code analytic}; {@code type_id} 1 is "Rule". */
    public record Analytic(String uid, String name, int typeId, String type, String version) {
        public static Analytic rule(String name, String version) {
            return new Analytic(name, name, 1, "Rule", version);
        }
    }

    /** OCSF {@code attack}: a MITRE ATT&amp;CK technique and tactic. */
    public record Attack(String version, Technique technique, Tactic tactic) {
    }

    /** OCSF {@code technique}. */
    public record Technique(String uid, String name) {
    }

    /** OCSF {@code tactic}. */
    public record Tactic(String uid, String name) {
    }

    /** OCSF {@code actor}. */
    public record Actor(User user) {
    }

    /**
     * OCSF {@code user}.
     *
     * @param uid    the subject key {@code iss|sub}
     * @param name   the {@code sub} claim
     * @param domain the issuer
     */
    public record User(String uid, String name, String domain) {
    }

    /** OCSF {@code evidences}: one observed request or fact that supports the finding. */
    public record Evidence(String name, NetworkEndpoint srcEndpoint, Map<String, Object> data) {
        public Evidence {
            data = data == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
        }
    }

    /** OCSF {@code network_endpoint}. */
    public record NetworkEndpoint(String ip, Location location) {
    }

    /** OCSF {@code location}; {@code long} is the longitude. */
    public record Location(String country, String region, Double lat,
                           @JsonProperty("long") Double lon) {
    }

    /**
     * OCSF {@code anomaly_analysis}: what was analysed, what deviated, and from what baseline.
     *
     * @param anomalies       the observations that deviated
     * @param baselines       the normal pattern they deviated from
     * @param analysisTargets what was analysed, e.g. the subject; OCSF 1.5 requires it
     */
    public record AnomalyAnalysis(List<Anomaly> anomalies, List<Anomaly> baselines,
                                  List<AnalysisTarget> analysisTargets) {
        public AnomalyAnalysis {
            anomalies = anomalies == null ? List.of() : List.copyOf(anomalies);
            baselines = baselines == null ? List.of() : List.copyOf(baselines);
            analysisTargets = analysisTargets == null ? List.of() : List.copyOf(analysisTargets);
            if (analysisTargets.isEmpty()) {
                throw new IllegalArgumentException("anomaly_analyses.analysis_targets is required by OCSF");
            }
        }

    }

    /**
     * OCSF {@code analysis_target}: the entity whose activity was analysed.
     *
     * @param name the entity, e.g. the subject key {@code iss|sub}
     * @param type its kind, e.g. {@code User}
     */
    public record AnalysisTarget(String name, String type) {
        public AnalysisTarget {
            Keys.requireText(name, "analysis_targets.name");
        }
    }

    /** OCSF {@code anomaly} and {@code baseline}: a parameter, its observations, the pattern. */
    public record Anomaly(String observationParameter, String observationType, List<Observation> observations,
                          String observedPattern) {
        public Anomaly {
            observations = observations == null ? List.of() : List.copyOf(observations);
        }
    }

    /** OCSF {@code observation}. */
    public record Observation(String value, Integer count) {
    }
}
