package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentTracker;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Revoked-token use: a token whose signature verified but that filters refuse as {@code revoked} is
 * still being presented. Its owner was told and normally re-authenticates; whoever keeps trying it
 * most likely stole it. Emits a High alert per token, one incident per cooldown (Updates while the
 * attempts go on), and, when {@link RevokedTokenUseRule#revokeSubject()} is set, once per incident a
 * subject-scope revocation of every token of the subject issued up to the attempt.
 *
 * <p>Only verified tokens count ({@link TokenUsageEvent#hasVerifiedSubject()}): a request refused
 * because its address is blocked carries no token facts, and a forged token claiming a victim's
 * {@code sub} never verifies, so neither can make this rule speak about, or revoke, a subject
 * (DESIGN.md §4). Events are keyed by subject, so all attempts with one token meet in one task.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class RevokedTokenUseProcessor implements Processor<String, TokenUsageEvent, String, Detection> {

    /** Name of the state store; part of the upgrade contract (its changelog topic derives from it). */
    public static final String INCIDENTS_STORE = "revoked-token-use-incidents";
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    private static final List<Alert.Attack> ATTACKS = List.of(new Alert.Attack("15.1",
            new Alert.Technique("T1550.001", "Application Access Token"),
            new Alert.Tactic("TA0005", "Defense Evasion")));

    private final RevokedTokenUseRule rule;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /**
     * Over store {@link #INCIDENTS_STORE}: token key ({@code jti|<iss>|<jti>}, or {@code fp|<sha-256>} for a
     * token without {@code jti}) → the incident of attempts with that revoked token.
     */
    private IncidentTracker incidents;

    RevokedTokenUseProcessor(RevokedTokenUseRule rule, String productVersion) {
        this.rule = rule;
        this.productVersion = productVersion;
    }

    /** The supplier that declares this processor's store, so the topology wires it by itself. */
    public static ProcessorSupplier<String, TokenUsageEvent, String, Detection> supplier(RevokedTokenUseRule rule,
                                                                                      String productVersion) {
        Objects.requireNonNull(rule, "rule");
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, TokenUsageEvent, String, Detection> get() {
                return new RevokedTokenUseProcessor(rule, productVersion);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(IncidentTracker.storeBuilder(INCIDENTS_STORE));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.incidents = new IncidentTracker(RevokedTokenUseRule.NAME, rule.incidents(),
                context.getStateStore(INCIDENTS_STORE));
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, incidents::forgetClosed);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (!isRevokedVerifiedToken(event)) {
            return;
        }
        long now = event.eventTime();
        Incident incident = incidents.recordOccurrence(tokenKey(event.token()), now);
        if (incident.count() < rule.minAttempts()) {
            return;
        }
        Optional<Alert.Activity> activity = incidents.reportDue(incident, now, false);
        if (activity.isEmpty()) {
            return;
        }
        List<Revocation> revocations = activity.get() == Alert.Activity.CREATE && rule.revokeSubject()
                ? List.of(revokeSubjectUpTo(event, incident, now))
                : List.of();
        Incident reported = incidents.markReported(incident, now);
        Alert alert = revokedUseAlert(activity.get(), reported, event, revocations);
        context.forward(new Record<>(event.key(), new Detection(alert, revocations), record.timestamp()));
    }

    /** Refused as revoked although the signature held: the only evidence this rule trusts. */
    private static boolean isRevokedVerifiedToken(TokenUsageEvent event) {
        return event != null && event.outcome() == Outcome.REVOKED && event.hasVerifiedSubject();
    }

    /** One key per token: its {@code jti} where it has one, its fingerprint otherwise. */
    private static String tokenKey(TokenUsageEvent.TokenFacts token) {
        return token.jti() != null ? Keys.jti(token.iss(), token.jti()) : "fp|" + token.fingerprint();
    }

    /** Every token of the subject issued at or before {@code now} (RFC 8417 / CAEP session-revoked). */
    private Revocation revokeSubjectUpTo(TokenUsageEvent event, Incident incident, long now) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, event.token().iss(),
                event.token().sub(), Revocation.Action.BLOCK, now, now + rule.subjectRevocationTtl().toMillis(),
                RevokedTokenUseRule.NAME, incident.uid(), now);
    }

    private Alert revokedUseAlert(Alert.Activity activity, Incident incident, TokenUsageEvent trigger,
                                  List<Revocation> revocations) {
        TokenUsageEvent.TokenFacts token = trigger.token();
        String observed = "revoked token presented " + times(incident.count()) + " since it was first refused";
        Figures figures = new Figures("revoked_token_attempts", incident.count(), observed, 0,
                "a revoked token's holder re-authenticates instead of presenting it again",
                rule.minAttempts(), "at least " + rule.minAttempts() + " attempts with one revoked token");
        String message = "Revoked token of " + token.sub() + " presented " + times(incident.count())
                + ", latest from " + trigger.request().clientIp()
                + (revocations.isEmpty() ? "" : "; every token of the subject issued until now revoked");
        return Alert.detectionFinding(activity, Alert.Severity.HIGH, trigger.eventTime(), message, productVersion,
                new Alert.FindingInfo(incident.uid(), "Revoked token still in use",
                        "A token that verified but is revoked keeps being presented. Its holder was refused "
                                + "and would normally re-authenticate; continued attempts suggest a stolen copy.",
                        List.of(RevokedTokenUseRule.NAME),
                        Alert.Analytic.rule(RevokedTokenUseRule.NAME, RevokedTokenUseRule.VERSION),
                        incident.firstSeen(), incident.lastSeen(), ATTACKS),
                new Alert.Actor(new Alert.User(Keys.subject(token.iss(), token.sub()), token.sub(), token.iss())),
                List.of(evidence(trigger)),
                List.of(figures.analysis(new Alert.AnalysisTarget(tokenKey(token), "Access Token"))),
                unmapped(figures, incident, trigger, revocations));
    }

    private static String times(long count) {
        return count == 1 ? "once" : count + " times";
    }

    private static Alert.Evidence evidence(TokenUsageEvent trigger) {
        TokenUsageEvent.Geo geo = trigger.request().geo();
        Alert.Location location = geo == null ? null : new Alert.Location(geo.country(), geo.region(), geo.lat(),
                geo.lon());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("service", trigger.service());
        data.put("route", trigger.request().route());
        data.put("filter_id", trigger.filterId());
        data.put("time", trigger.eventTime());
        return new Alert.Evidence("attempt with a revoked token from " + trigger.request().clientIp(),
                new Alert.NetworkEndpoint(trigger.request().clientIp(), location), data);
    }

    private static Map<String, Object> unmapped(Figures figures, Incident incident, TokenUsageEvent trigger,
                                                List<Revocation> revocations) {
        TokenUsageEvent.TokenFacts token = trigger.token();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("iss", token.iss());
        facts.put("sub", token.sub());
        if (token.jti() != null) {
            facts.put("jti", token.jti());
        }
        facts.put("fingerprint", token.fingerprint());
        if (token.expiresAt() != null) {
            facts.put("expires_at", token.expiresAt());
        }
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("figures", figures.unmapped());
        unmapped.put("incident", Findings.incident(incident));
        unmapped.put("token", facts);
        for (Revocation revocation : revocations) {
            Map<String, Object> cutoff = new LinkedHashMap<>();
            cutoff.put("not_before", revocation.notBefore());
            cutoff.put("expires_at", revocation.expiresAt());
            unmapped.put("subject_revocation", cutoff);
        }
        unmapped.put("trigger_event_id", trigger.eventId());
        return unmapped;
    }
}
