package io.tokenwatch.detector.control;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Revocation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test fixture: a rule's alert that starts valid and changes one thing at a time. */
final class Findings {

    static final String ISSUER = "https://issuer.example";

    private String rule = "impossible_travel";
    private String uid = "finding-1";
    private Alert.Severity severity = Alert.Severity.HIGH;
    private String iss = ISSUER;
    private String sub = "alice";
    private final List<Alert.Evidence> evidences = new ArrayList<>();
    private long time = GateDriver.T0;
    private Map<String, Object> unmapped = Map.of("response", Map.of("actions", List.of("alert", "revoke_token")));

    static Findings of(String rule) {
        Findings f = new Findings();
        f.rule = rule;
        return f;
    }

    Findings uid(String value) {
        uid = value;
        return this;
    }

    Findings severity(Alert.Severity value) {
        severity = value;
        return this;
    }

    Findings about(String issuer, String subject) {
        iss = issuer;
        sub = subject;
        return this;
    }

    /** No actor: the rule's token did not verify. */
    Findings aboutNobody() {
        iss = null;
        sub = null;
        return this;
    }

    /** Cites a request from {@code ip}, in autonomous system {@code asn} when not null. */
    Findings citing(String ip, Long asn) {
        evidences.add(new Alert.Evidence("request from " + ip, new Alert.NetworkEndpoint(ip, null),
                asn == null ? Map.of("route", "/x") : Map.of("route", "/x", "asn", asn)));
        return this;
    }

    Findings at(long value) {
        time = value;
        return this;
    }

    Alert build() {
        Alert.Actor actor = iss == null ? null : new Alert.Actor(new Alert.User(Keys.subject(iss, sub), sub, iss));
        return Alert.detectionFinding(Alert.Activity.CREATE, severity, time, "Subject " + sub + ": something; "
                        + "token t-1 revoked", "0.1.0",
                new Alert.FindingInfo(uid, "A finding", null, List.of(rule), Alert.Analytic.rule(rule, "1"), time,
                        time, null),
                actor, evidences.isEmpty() ? List.of(new Alert.Evidence("request from 198.51.100.7",
                        new Alert.NetworkEndpoint("198.51.100.7", null), Map.of())) : evidences,
                List.of(), unmapped);
    }

    /** The token block a rule would decide about the finding's subject. */
    static Revocation tokenBlock(String jti, String source) {
        return Revocation.blockToken(ISSUER, jti, GateDriver.T0 + 3_600_000L, "rule", source, GateDriver.T0);
    }

    /** The address block the forged-token rule decides. */
    static Revocation addressBlock(String ip, String source) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, ip, Revocation.Action.BLOCK, null,
                GateDriver.T0 + 300_000L, "forged_token_burst", source, GateDriver.T0);
    }
}
