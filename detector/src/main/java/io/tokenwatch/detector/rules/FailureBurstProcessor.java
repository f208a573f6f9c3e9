package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentTracker;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Failure burst for one verified subject: many <em>distinct</em> tokens that did verify yet were
 * refused (expired, not yet valid, wrong audience or type, too long-lived, revoked;
 * {@link FailureBurstRule#outcomes()}) for one subject within {@link FailureBurstRule#window()}. A
 * client with a live session refreshes after a refusal or two, and a client stuck retrying one expired
 * token presents one token however many times it retries, so neither fires; someone working through
 * a stash of the subject's old tokens presents many. Tokens are told apart by {@code iss|jti}, or by
 * fingerprint when a token has no {@code jti}. Emits an alert, and what the {@link ResponsePolicy}
 * adds for {@link FailureBurstRule#NAME} (by default nothing more), once per incident.
 *
 * <p>Only events whose token verified count ({@link TokenUsageEvent#hasVerifiedSubject()}): a forged
 * token naming a victim is keyed by its address and never reaches the victim's count, so it can
 * neither raise this alert about the victim nor get the victim throttled or revoked (DESIGN.md §4).
 * Events are keyed by subject, so one subject's count lives in one task without a repartition.
 *
 * <p>One burst is one incident ({@link IncidentTracker}): while it lasts, the SIEM gets Updates of one
 * finding at most once per update interval.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class FailureBurstProcessor implements Processor<String, TokenUsageEvent, String, Detection> {

    /** Store names; part of the upgrade contract (their changelog topics derive from them). */
    public static final String REJECTIONS_STORE = "verified-failure-burst-tokens";
    public static final String INCIDENTS_STORE = "verified-failure-burst-incidents";
    private static final Logger LOG = LoggerFactory.getLogger(FailureBurstProcessor.class);
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    private static final Alert.Severity SEVERITY = Alert.Severity.MEDIUM;

    private final FailureBurstRule rule;
    private final ResponsePolicy response;
    private final Containment containment;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /** Subject key {@code iss|sub} → that subject's refused tokens still inside the window. */
    private KeyValueStore<String, SubjectFailures> rejections;
    /** Over store {@link #INCIDENTS_STORE}: subject key {@code iss|sub} → the burst incident open about it. */
    private IncidentTracker incidents;

    FailureBurstProcessor(FailureBurstRule rule, UserProfileRules lifetimes, String productVersion) {
        this.rule = rule;
        this.response = lifetimes.response();
        this.containment = new Containment(lifetimes);
        this.productVersion = productVersion;
    }

    /**
     * The supplier that declares this processor's stores. The response policy and the lifetimes of
     * whatever it issues come from {@code lifetimes} (the detector's one {@link ResponsePolicy}).
     */
    public static ProcessorSupplier<String, TokenUsageEvent, String, Detection> supplier(FailureBurstRule rule,
                                                                                      UserProfileRules lifetimes,
                                                                                      String productVersion) {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(lifetimes, "lifetimes");
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, TokenUsageEvent, String, Detection> get() {
                return new FailureBurstProcessor(rule, lifetimes, productVersion);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                        // Written on every counted rejection: the cache turns a retry loop into one
                        // changelog write per subject per commit.
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(REJECTIONS_STORE), Serdes.String(),
                                new JsonSerde<>(SubjectFailures.class)).withCachingEnabled(),
                        IncidentTracker.storeBuilder(INCIDENTS_STORE));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.rejections = context.getStateStore(REJECTIONS_STORE);
        this.incidents = new IncidentTracker(FailureBurstRule.NAME, rule.incidents(),
                context.getStateStore(INCIDENTS_STORE));
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetQuietSubjects);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (!isCountedFailureOfVerifiedToken(event)) {
            return;
        }
        long now = event.eventTime();
        String subject = event.key();
        SubjectFailures recent = rememberRefusal(subject, event);
        long inWindow = recent.tokensWithin(now, rule.window().toMillis());
        Optional<Incident> open = incidents.openAt(subject, now);
        if (inWindow < rule.threshold() && open.isEmpty()) {
            return;
        }
        Set<ResponseAction> actions = response.actionsFor(FailureBurstRule.NAME, SEVERITY);
        if (actions.contains(ResponseAction.OBSERVE)) {
            LOG.debug("observed {} for {}: {} refused tokens", FailureBurstRule.NAME, subject, inWindow);
            return;
        }
        Incident incident = open
                .map(ongoing -> incidents.extend(ongoing, now, 1))
                .orElseGet(() -> incidents.open(subject, recent.since(), now, inWindow));
        Optional<Alert.Activity> activity = incidents.reportDue(incident, now, false);
        if (activity.isEmpty()) {
            return;
        }
        List<Revocation> revocations = activity.get() == Alert.Activity.CREATE
                ? containment.revocations(actions, FailureBurstRule.NAME, event, incident, now)
                : List.<Revocation>of();
        Incident reported = incidents.markReported(incident, now);
        Alert alert = burstAlert(activity.get(), reported, recent, inWindow, event, actions, revocations);
        context.forward(new Record<>(subject, new Detection(alert, revocations), record.timestamp()));
    }

    /** A rejection the rule counts, of a token whose signature verified and that names a subject. */
    private boolean isCountedFailureOfVerifiedToken(TokenUsageEvent event) {
        return event != null && event.hasVerifiedSubject() && rule.outcomes().contains(event.outcome());
    }

    private SubjectFailures rememberRefusal(String key, TokenUsageEvent event) {
        SubjectFailures before = rejections.get(key);
        SubjectFailures after = (before == null ? SubjectFailures.none() : before).withRefusal(tokenId(event.token()),
                event.eventTime(), event.outcome(), rule.window().toMillis(), rule.tokenCap());
        rejections.put(key, after);
        return after;
    }

    /** Which token this is: {@code iss|jti} when it has a {@code jti} (RFC 7519 §4.1.7), else its fingerprint. */
    private static long tokenId(TokenUsageEvent.TokenFacts token) {
        return DistinctSightings.id(token.jti() != null ? "jti|" + token.iss() + "|" + token.jti()
                : "fp|" + token.fingerprint());
    }

    private Alert burstAlert(Alert.Activity activity, Incident incident, SubjectFailures recent, long inWindow,
                             TokenUsageEvent trigger, Set<ResponseAction> actions,
                             List<Revocation> revocations) {
        TokenUsageEvent.TokenFacts token = trigger.token();
        String window = Findings.describe(rule.window());
        // The token set is capped just past the threshold: at the cap the true number is higher.
        String observed = inWindow + (inWindow >= rule.tokenCap() ? "+" : "") + " distinct verified tokens of " + token.sub() + " refused within " + window
                + " (" + recent.requests() + " requests)";
        Figures figures = new Figures("refused_verified_tokens", inWindow, observed, 1,
                "a client with a live session refreshes its token after a refusal or two; retries of one token "
                        + "count once",
                rule.threshold(), "at least " + rule.threshold() + " distinct tokens within " + window
                + " for one subject");
        return Alert.detectionFinding(activity, SEVERITY, trigger.eventTime(),
                observed + " (" + describe(recent.outcomes()) + ")"
                        + (activity == Alert.Activity.UPDATE ? "; " + incident.count() + " since the incident began"
                        : ""),
                productVersion,
                new Alert.FindingInfo(incident.uid(), "Many refused tokens of one subject",
                        "Many different tokens that verified but were refused (expired, not yet valid, wrong "
                                + "audience or type, too long-lived, revoked) were presented for one subject: "
                                + "someone trying a stash of the subject's old tokens. Retries of one token "
                                + "count once, so a client stuck on one expired token does not fire.",
                        List.of(FailureBurstRule.NAME),
                        Alert.Analytic.rule(FailureBurstRule.NAME, FailureBurstRule.VERSION),
                        incident.firstSeen(), incident.lastSeen(), List.of(ProfileFinding.TOKEN_USE)),
                new Alert.Actor(new Alert.User(trigger.key(), token.sub(), token.iss())),
                List.of(evidence(recent, trigger)),
                List.of(figures.analysis(new Alert.AnalysisTarget(trigger.key(), "User"))),
                unmapped(figures, incident, trigger, actions, revocations));
    }

    private static String describe(Map<String, Long> outcomes) {
        List<String> parts = new ArrayList<>();
        outcomes.forEach((outcome, count) -> parts.add(count + " " + outcome));
        return String.join(", ", parts);
    }

    private static Alert.Evidence evidence(SubjectFailures recent, TokenUsageEvent trigger) {
        TokenUsageEvent.Geo geo = trigger.request().geo();
        Alert.Location location = geo == null ? null : new Alert.Location(geo.country(), geo.region(), geo.lat(),
                geo.lon());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("outcomes", recent.outcomes());
        data.put("since", recent.since());
        data.put("last_seen_time", recent.tokens().lastSeen());
        data.put("requests", recent.requests());
        data.put("service", trigger.service());
        data.put("route", trigger.request().route());
        return new Alert.Evidence("rejected requests of " + trigger.token().sub() + ", latest from "
                + trigger.request().clientIp(), new Alert.NetworkEndpoint(trigger.request().clientIp(), location), data);
    }

    private static Map<String, Object> unmapped(Figures figures, Incident incident, TokenUsageEvent trigger,
                                                Set<ResponseAction> actions,
                                                List<Revocation> revocations) {
        TokenUsageEvent.TokenFacts token = trigger.token();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("iss", token.iss());
        facts.put("sub", token.sub());
        if (token.jti() != null) {
            facts.put("jti", token.jti());
        }
        facts.put("fingerprint", token.fingerprint());
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("figures", figures.unmapped());
        unmapped.put("incident", Findings.incident(incident));
        unmapped.put("response", Findings.response(actions, revocations));
        unmapped.put("token", facts);
        unmapped.put("trigger_event_id", trigger.eventId());
        return unmapped;
    }

    /** Frees what event time has left behind: subjects with no rejection in the window, closed incidents. */
    private void forgetQuietSubjects(long wallClockMillis) {
        long horizon = wallClockMillis - rule.window().toMillis();
        List<String> quiet = new ArrayList<>();
        try (KeyValueIterator<String, SubjectFailures> all = rejections.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value.tokens().lastSeen() <= horizon) {
                    quiet.add(entry.key);
                }
            }
        }
        quiet.forEach(rejections::delete);
        incidents.forgetClosed(wallClockMillis);
    }
}
