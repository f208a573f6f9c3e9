package io.tokenwatch.detector.explain;

import io.tokenwatch.detector.rules.Detection;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;

import java.util.List;
import java.util.Objects;

/**
 * One alert about a subject, as much as an analyst needs to find it in the SIEM and see what it did:
 * kept in {@link RecentAlertsProcessor#STORE}. Immutable.
 *
 * @param time        the alert's time (the triggering request), epoch ms
 * @param rule        the rule that fired
 * @param findingUid  {@code finding_info.uid}: the SIEM's key to the whole incident
 * @param activity    {@code Create} or {@code Update}
 * @param severity    OCSF severity label
 * @param message     the alert's message, cut to {@value #MAX_MESSAGE} characters
 * @param containment what was revoked, as {@code <action> <scope-key>}
 */
public record AlertSummary(long time, String rule, String findingUid, String activity, String severity,
                           String message, List<String> containment) {

    static final int MAX_MESSAGE = 240;

    public AlertSummary {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(findingUid, "findingUid");
        containment = containment == null ? List.of() : List.copyOf(containment);
    }

    public static AlertSummary of(Detection detection) {
        Alert alert = detection.alert();
        String message = alert.message();
        if (message != null && message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 1) + "…";
        }
        List<String> containment = detection.revocations().stream()
                .map((Revocation r) -> r.action().wire() + " " + r.key()).toList();
        return new AlertSummary(alert.time(), alert.findingInfo().analytic().name(), alert.findingInfo().uid(),
                alert.activityName(), alert.severity(), message, containment);
    }
}
