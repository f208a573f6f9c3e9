package io.tokenwatch.schemas;

import io.tokenwatch.schemas.TokenUsageEvent.Geo;
import io.tokenwatch.schemas.TokenUsageEvent.RequestFacts;
import io.tokenwatch.schemas.TokenUsageEvent.TokenFacts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test fixtures: builders that start valid, with every optional part filled in, so a test changes
 * exactly the one thing it is about ({@code TestEvents.usage().token(null).build()}).
 */
final class TestEvents {

    /** A fixed instant, epoch ms; tests never read the clock. */
    static final long NOW = 1_750_000_000_000L;
    static final String ISSUER = "https://idp.example.com";
    static final String SUBJECT = "alice";
    static final String JTI = "0d6c1a1e-3b2f-4f34-9d0a-5c2c8b1f7e42";
    /** SHA-256 of the empty string; any 64 lower-case hex digits do. */
    static final String FINGERPRINT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private TestEvents() {
    }

    static UsageBuilder usage() {
        return new UsageBuilder();
    }

    static TokenBuilder token() {
        return new TokenBuilder();
    }

    static RequestBuilder request() {
        return new RequestBuilder();
    }

    static Geo geo() {
        return new Geo("DE", "BE", 52.52, 13.405, 3320L);
    }

    /** A revocation of one token ({@code jti} scope). */
    static RevocationBuilder revocation() {
        return revocation(Revocation.Scope.JTI);
    }

    /** A valid revocation of the given scope, with every field that scope allows. */
    static RevocationBuilder revocation(Revocation.Scope scope) {
        RevocationBuilder b = new RevocationBuilder().scope(scope);
        return switch (scope) {
            case JTI -> b.value(JTI);
            case SUBJECT -> b.value(SUBJECT).notBefore(NOW - 1_000);
            case IP -> b.issuer(null).value("203.0.113.0/24");
        };
    }

    static AlertBuilder alert() {
        return new AlertBuilder();
    }

    /** A suppression of one rule for one subject, a week long. */
    static SuppressionBuilder suppression() {
        return new SuppressionBuilder();
    }

    static final class SuppressionBuilder {
        private int schemaVersion = Suppression.SCHEMA_VERSION;
        private String rule = "impossible_travel";
        private String issuer = ISSUER;
        private String subject = SUBJECT;
        private long expiresAt = NOW + 7 * 86_400_000L;
        private String reason = "travelling with a roaming SIM";
        private String source = "operator:sam";
        private long createdAt = NOW;

        SuppressionBuilder rule(String v) {
            this.rule = v;
            return this;
        }

        SuppressionBuilder issuer(String v) {
            this.issuer = v;
            return this;
        }

        SuppressionBuilder subject(String v) {
            this.subject = v;
            return this;
        }

        SuppressionBuilder expiresAt(long v) {
            this.expiresAt = v;
            return this;
        }

        Suppression build() {
            return new Suppression(schemaVersion, rule, issuer, subject, expiresAt, reason, source, createdAt);
        }
    }

    static final class UsageBuilder {
        private int schemaVersion = TokenUsageEvent.SCHEMA_VERSION;
        private String eventId = "5f0c8a3e-8d5b-4f8e-9a61-2b7f1f0c9d11";
        private long eventTime = NOW;
        private String filterId = "filter-1";
        private String service = "accounts";
        private Outcome outcome = Outcome.ACCEPTED;
        private TokenFacts token = TestEvents.token().build();
        private RequestFacts request = TestEvents.request().build();

        UsageBuilder schemaVersion(int v) {
            this.schemaVersion = v;
            return this;
        }

        UsageBuilder eventId(String v) {
            this.eventId = v;
            return this;
        }

        UsageBuilder eventTime(long v) {
            this.eventTime = v;
            return this;
        }

        UsageBuilder filterId(String v) {
            this.filterId = v;
            return this;
        }

        UsageBuilder service(String v) {
            this.service = v;
            return this;
        }

        UsageBuilder outcome(Outcome v) {
            this.outcome = v;
            return this;
        }

        UsageBuilder token(TokenFacts v) {
            this.token = v;
            return this;
        }

        UsageBuilder request(RequestFacts v) {
            this.request = v;
            return this;
        }

        TokenUsageEvent build() {
            return new TokenUsageEvent(schemaVersion, eventId, eventTime, filterId, service, outcome, token, request);
        }
    }

    static final class TokenBuilder {
        private String fingerprint = FINGERPRINT;
        private boolean verified = true;
        private String jti = JTI;
        private String sub = SUBJECT;
        private String iss = ISSUER;
        private List<String> aud = List.of("accounts", "payments");
        private Long issuedAt = NOW - 60_000;
        private Long expiresAt = NOW + 240_000;
        private Long notBefore = NOW - 60_000;
        private String kid = "key-2025-06";
        private String alg = "RS256";

        TokenBuilder fingerprint(String v) {
            this.fingerprint = v;
            return this;
        }

        TokenBuilder verified(boolean v) {
            this.verified = v;
            return this;
        }

        TokenBuilder jti(String v) {
            this.jti = v;
            return this;
        }

        TokenBuilder sub(String v) {
            this.sub = v;
            return this;
        }

        TokenBuilder iss(String v) {
            this.iss = v;
            return this;
        }

        TokenBuilder aud(List<String> v) {
            this.aud = v;
            return this;
        }

        TokenBuilder issuedAt(Long v) {
            this.issuedAt = v;
            return this;
        }

        TokenBuilder expiresAt(Long v) {
            this.expiresAt = v;
            return this;
        }

        TokenBuilder notBefore(Long v) {
            this.notBefore = v;
            return this;
        }

        TokenBuilder kid(String v) {
            this.kid = v;
            return this;
        }

        TokenBuilder alg(String v) {
            this.alg = v;
            return this;
        }

        TokenFacts build() {
            return new TokenFacts(fingerprint, verified, jti, sub, iss, aud, issuedAt, expiresAt, notBefore, kid, alg);
        }
    }

    static final class RequestBuilder {
        private String method = "GET";
        private String route = "/accounts/{id}";
        private int status = 200;
        private String clientIp = "198.51.100.7";
        private String userAgent = "Mozilla/5.0 (X11; Linux x86_64)";
        private String deviceId = "device-42";
        private Geo geo = TestEvents.geo();

        RequestBuilder method(String v) {
            this.method = v;
            return this;
        }

        RequestBuilder route(String v) {
            this.route = v;
            return this;
        }

        RequestBuilder status(int v) {
            this.status = v;
            return this;
        }

        RequestBuilder clientIp(String v) {
            this.clientIp = v;
            return this;
        }

        RequestBuilder userAgent(String v) {
            this.userAgent = v;
            return this;
        }

        RequestBuilder deviceId(String v) {
            this.deviceId = v;
            return this;
        }

        RequestBuilder geo(Geo v) {
            this.geo = v;
            return this;
        }

        RequestFacts build() {
            return new RequestFacts(method, route, status, clientIp, userAgent, deviceId, geo);
        }
    }

    static final class RevocationBuilder {
        private int schemaVersion = Revocation.SCHEMA_VERSION;
        private Revocation.Scope scope = Revocation.Scope.JTI;
        private String issuer = ISSUER;
        private String value = JTI;
        private Revocation.Action action = Revocation.Action.BLOCK;
        private Long notBefore;
        private long expiresAt = NOW + 3_600_000;
        private String reason = "token_replay";
        private String source = "alert:7c1e";
        private long createdAt = NOW;

        RevocationBuilder schemaVersion(int v) {
            this.schemaVersion = v;
            return this;
        }

        RevocationBuilder scope(Revocation.Scope v) {
            this.scope = v;
            return this;
        }

        RevocationBuilder issuer(String v) {
            this.issuer = v;
            return this;
        }

        RevocationBuilder value(String v) {
            this.value = v;
            return this;
        }

        RevocationBuilder action(Revocation.Action v) {
            this.action = v;
            return this;
        }

        RevocationBuilder notBefore(Long v) {
            this.notBefore = v;
            return this;
        }

        RevocationBuilder expiresAt(long v) {
            this.expiresAt = v;
            return this;
        }

        RevocationBuilder reason(String v) {
            this.reason = v;
            return this;
        }

        RevocationBuilder source(String v) {
            this.source = v;
            return this;
        }

        RevocationBuilder createdAt(long v) {
            this.createdAt = v;
            return this;
        }

        Revocation build() {
            return new Revocation(schemaVersion, scope, issuer, value, action, notBefore, expiresAt, reason, source,
                    createdAt);
        }
    }

    /** A finding with every nested part our model has. */
    static final class AlertBuilder {
        private Alert.Activity activity = Alert.Activity.CREATE;
        private Alert.Severity severity = Alert.Severity.HIGH;
        private long time = NOW;
        private String message = "Token used from 3 networks within 60 s";
        private String productVersion = "0.1.0";
        private Alert.FindingInfo findingInfo = new Alert.FindingInfo("finding-7c1e", "Token replay",
                "One token was presented from several client networks.", List.of("token_replay"),
                Alert.Analytic.rule("token_replay", "1"), NOW - 60_000, NOW,
                List.of(new Alert.Attack("16.1", new Alert.Technique("T1550.001", "Application Access Token"),
                        new Alert.Tactic("TA0008", "Lateral Movement"))));
        private Alert.Actor actor = new Alert.Actor(new Alert.User(Keys.subject(ISSUER, SUBJECT), SUBJECT, ISSUER));
        private List<Alert.Evidence> evidences = new ArrayList<>(List.of(new Alert.Evidence("request",
                new Alert.NetworkEndpoint("198.51.100.7", new Alert.Location("DE", "BE", 52.52, 13.405)),
                Map.of("route", "/accounts/{id}", "status", 200))));
        private List<Alert.AnomalyAnalysis> anomalyAnalyses = List.of(new Alert.AnomalyAnalysis(
                List.of(new Alert.Anomaly("distinct_client_networks", "count",
                        List.of(new Alert.Observation("3", 3)), "3 networks in 60 s")),
                List.of(new Alert.Anomaly("distinct_client_networks", "threshold",
                        List.of(new Alert.Observation("2", 2)), "at most 2 networks in 60 s")),
                List.of(new Alert.AnalysisTarget(Keys.subject(ISSUER, SUBJECT), "User"))));
        private Map<String, Object> unmapped = tokenFacts();

        private static Map<String, Object> tokenFacts() {
            Map<String, Object> token = new LinkedHashMap<>();
            token.put("fingerprint", FINGERPRINT);
            token.put("jti", JTI);
            token.put("iss", ISSUER);
            token.put("sub", SUBJECT);
            token.put("aud", List.of("accounts"));
            token.put("expires_at", NOW + 240_000);
            return new LinkedHashMap<>(Map.of("token", token));
        }

        AlertBuilder activity(Alert.Activity v) {
            this.activity = v;
            return this;
        }

        AlertBuilder severity(Alert.Severity v) {
            this.severity = v;
            return this;
        }

        AlertBuilder time(long v) {
            this.time = v;
            return this;
        }

        AlertBuilder message(String v) {
            this.message = v;
            return this;
        }

        AlertBuilder findingInfo(Alert.FindingInfo v) {
            this.findingInfo = v;
            return this;
        }

        AlertBuilder actor(Alert.Actor v) {
            this.actor = v;
            return this;
        }

        AlertBuilder evidences(List<Alert.Evidence> v) {
            this.evidences = v;
            return this;
        }

        AlertBuilder anomalyAnalyses(List<Alert.AnomalyAnalysis> v) {
            this.anomalyAnalyses = v;
            return this;
        }

        AlertBuilder unmapped(Map<String, Object> v) {
            this.unmapped = v;
            return this;
        }

        Alert build() {
            return Alert.detectionFinding(activity, severity, time, message, productVersion, findingInfo, actor,
                    evidences, anomalyAnalyses, unmapped);
        }
    }
}
