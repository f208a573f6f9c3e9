package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.schemas.Revocation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pieces every rule's alert shares. Stateless and thread-safe. */
public final class Findings {

    private Findings() {
    }

    /** {@code unmapped.incident}: how big the incident has grown, so an Update says what changed. */
    static Map<String, Object> incident(Incident incident) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("count", incident.count());
        facts.put("first_seen_time", incident.firstSeen());
        facts.put("last_seen_time", incident.lastSeen());
        facts.put("reports", incident.reports());
        return facts;
    }

    /** {@code unmapped.response}: the actions the policy chose and the revocations issued now. */
    static Map<String, Object> response(Collection<ResponseAction> actions, List<Revocation> revocations) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("actions", actions.stream().map(ResponseAction::wire).sorted().toList());
        response.put("issued", revocations(revocations));
        return response;
    }

    /** Revocations as an alert's {@code unmapped.response} lists them: key, action, not_before, expires_at. */
    public static List<Map<String, Object>> revocations(List<Revocation> revocations) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Revocation r : revocations) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("key", r.key());
            one.put("action", r.action().wire());
            if (r.notBefore() != null) {
                one.put("not_before", r.notBefore());
            }
            one.put("expires_at", r.expiresAt());
            out.add(one);
        }
        return out;
    }

    /** A duration for people: {@code 24 h}, {@code 20 min}, {@code 90 s}. */
    static String describe(Duration duration) {
        boolean wholeMinutes = duration.toSecondsPart() == 0 && duration.toMillisPart() == 0;
        if (!duration.isZero() && wholeMinutes && duration.toMinutesPart() == 0) {
            return duration.toHours() + " h";
        }
        if (wholeMinutes) {
            return duration.toMinutes() + " min";
        }
        return duration.toSeconds() + " s";
    }
}
