package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentTracker;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.Keys;
import io.tokenwatch.schemas.Outcome;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Anomalous tokens: tokens that should not exist, whatever the filter decided about them.
 *
 * <ul>
 *   <li>{@code lifetime_beyond_policy}: a verified token whose {@code exp - iat} exceeds
 *       {@link AnomalousTokenRule#maxLifetime()} (RFC 6819 §5.1.5.3: tokens are short-lived). A filter
 *       with a looser policy may have accepted it; a signer that mints such tokens is misconfigured or
 *       not ours to trust.</li>
 *   <li>{@code issued_in_future}: a verified token whose {@code iat} lies more than
 *       {@link AnomalousTokenRule#maxFutureSkew()} after the request's event time (RFC 7519 §4.1.6:
 *       {@code iat} is when it was issued, which cannot be to come): a signer with a broken clock, or a
 *       token made to outlive lifetime checks.</li>
 *   <li>{@code rejected_issuer}: a request the filter refused for its {@code issuer} (RFC 8725 §3.8),
 *       when {@link AnomalousTokenRule#issuerRejections()} is on.</li>
 *   <li>{@code lifetime_outlier} and {@code stale_token}: the first token of a subject never seen
 *       before that lives far longer than its issuer's tokens do (a 6–20 h token where the issuer
 *       mints 1 h ones), or was minted long before its first use, judged against what this task has
 *       learned of that issuer and audience ({@link IssuerLifetimes}, once it rests on
 *       {@link AnomalousTokenRule.LifetimeOutliers#minTokens()} tokens). A token minted with a stolen
 *       key for a made-up or dormant subject looks like this. Alert only. The events carry no
 *       {@code azp}/{@code client_id}, so the audience stands in for the client: issuers commonly
 *       set lifetimes per API.</li>
 * </ul>
 *
 * <p>The distributions are learned per task, without a repartition: every task sees a random share
 * of each issuer's subjects, so each learns the same distribution. Each token counts once, at its
 * first sighting, remembered in an in-memory LRU of fingerprint hashes (at most
 * {@link #MAX_TOKENS_IN_MEMORY}); the histograms live in memory and are written to store
 * {@link #LIFETIMES_STORE} once a minute (wall clock), so the hot path does no store write per
 * request. A restart loses at most a minute of learning and re-counts a token it forgot, which moves
 * a histogram by one. Subjects are remembered in {@link #SUBJECTS_STORE}, read once per new token.
 *
 * <p>Each finding goes through the {@link ResponsePolicy} entry for {@link AnomalousTokenRule#NAME}
 * (alert by default). Only the first two can lead to containment, and only because the token
 * verified: a subject throttle or revocation, or the token's revocation, once per incident. An issuer
 * rejection is about the sending address, never about the subject it names: that subject belongs to
 * an issuer we do not accept (and, for a token that did not verify, is the sender's word), so acting
 * on it could lock a victim out (DESIGN.md §4); it is alerted, keyed {@code ip|<addr>}, and nothing
 * else.
 *
 * <p>One incident, one alert ({@link IncidentTracker}, store {@link #INCIDENTS_STORE}): incident keys
 * are {@code <finding>|<iss>|<sub>} for the first two, so all of one subject's tokens meet in its
 * task, and {@code rejected_issuer|ip|<addr>} for the third. Issuer rejections arrive under the
 * subject key of the foreign issuer, so one address sending tokens for several foreign subjects can
 * have an incident in each task that holds one of them.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class AnomalousTokenProcessor implements Processor<String, TokenUsageEvent, String, Detection> {

    /** Name of the state store; part of the upgrade contract (its changelog topic derives from it). */
    public static final String INCIDENTS_STORE = "anomalous-token-incidents";
    public static final String LIFETIMES_STORE = "anomalous-token-issuer-lifetimes";
    public static final String SUBJECTS_STORE = "anomalous-token-subjects";
    static final String LIFETIME_OUTLIER = "lifetime_outlier";
    static final String STALE_TOKEN = "stale_token";
    static final int MAX_TOKENS_IN_MEMORY = 50_000;
    static final int MAX_ISSUERS = 1_000;
    /** A subject not seen for this long is forgotten, and its next token is judged as a newcomer's. */
    static final Duration SUBJECT_MEMORY = Duration.ofDays(90);
    private static final Duration SUBJECT_REFRESH = Duration.ofDays(1);
    private static final Duration SUBJECT_PURGE_INTERVAL = Duration.ofHours(1);
    static final String LIFETIME = "lifetime_beyond_policy";
    static final String FUTURE_IAT = "issued_in_future";
    static final String REJECTED_ISSUER = "rejected_issuer";
    private static final Logger LOG = LoggerFactory.getLogger(AnomalousTokenProcessor.class);
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    private static final List<Alert.Attack> ATTACKS = List.of(new Alert.Attack("15.1",
            new Alert.Technique("T1606", "Forge Web Credentials"), new Alert.Tactic("TA0006", "Credential Access")));

    private final AnomalousTokenRule rule;
    private final ResponsePolicy response;
    private final Containment containment;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /** Over store {@link #INCIDENTS_STORE}: incident key (see the class comment) → the incident open about it. */
    private IncidentTracker incidents;
    /** Issuer and audience ({@code <iss> <aud,…>}) → its learned lifetimes, as last flushed. */
    private KeyValueStore<String, IssuerLifetimes> lifetimes;
    /** Subject key {@code iss|sub} → when its tokens were first and last seen. */
    private KeyValueStore<String, SeenSubject> subjects;
    /** The histograms being learned (loaded from {@link #lifetimes} on first use), and which changed. */
    private final Map<String, IssuerLifetimes> learned = new HashMap<>();
    private final Set<String> unflushed = new HashSet<>();
    /** Fingerprint hashes of tokens already counted, least recently seen first. */
    private final Map<Long, Boolean> countedTokens = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > MAX_TOKENS_IN_MEMORY;
        }
    };

    AnomalousTokenProcessor(AnomalousTokenRule rule, UserProfileRules lifetimes, String productVersion) {
        this.rule = rule;
        this.response = lifetimes.response();
        this.containment = new Containment(lifetimes);
        this.productVersion = productVersion;
    }

    /**
     * The supplier that declares this processor's store. The response policy and the lifetimes of
     * whatever it issues come from {@code lifetimes} (the detector's one {@link ResponsePolicy}).
     */
    public static ProcessorSupplier<String, TokenUsageEvent, String, Detection> supplier(AnomalousTokenRule rule,
                                                                                      UserProfileRules lifetimes,
                                                                                      String productVersion) {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(lifetimes, "lifetimes");
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, TokenUsageEvent, String, Detection> get() {
                return new AnomalousTokenProcessor(rule, lifetimes, productVersion);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(IncidentTracker.storeBuilder(INCIDENTS_STORE),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LIFETIMES_STORE),
                                Serdes.String(), new JsonSerde<>(IssuerLifetimes.class)),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SUBJECTS_STORE),
                                Serdes.String(), new JsonSerde<>(SeenSubject.class)));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.incidents = new IncidentTracker(AnomalousTokenRule.NAME, rule.incidents(),
                context.getStateStore(INCIDENTS_STORE));
        this.lifetimes = context.getStateStore(LIFETIMES_STORE);
        this.subjects = context.getStateStore(SUBJECTS_STORE);
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> {
            incidents.forgetClosed(now);
            flushLearnedLifetimes();
        });
        context.schedule(SUBJECT_PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetIdleSubjects);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (event == null || event.token() == null) {
            return;
        }
        List<Anomaly> found = new ArrayList<>();
        if (event.hasVerifiedSubject()) {
            lifetimeBeyondPolicy(event).ifPresent(found::add);
            issuedInFuture(event).ifPresent(found::add);
            if (rule.outliers().enabled() && event.outcome() == Outcome.ACCEPTED) {
                found.addAll(lifetimeOutliers(event));
            }
        }
        if (rule.issuerRejections() && event.outcome() == Outcome.ISSUER) {
            found.add(rejectedIssuer(event));
        }
        for (Anomaly anomaly : found) {
            respond(anomaly, event, record.timestamp());
        }
    }

    /**
     * One anomaly about one request.
     *
     * @param finding     which check fired ({@link #LIFETIME}, {@link #FUTURE_IAT}, {@link #REJECTED_ISSUER})
     * @param severity    how bad, which selects the response
     * @param incidentKey what the incident is about
     * @param recordKey   the key the detection is published under (subject or address)
     * @param trusted     true when the token verified and names one of our subjects, so containment may
     *                    act on it (unless {@code alertOnly})
     * @param alertOnly   true for findings that never contain, whatever the policy says
     * @param title       one-line title
     * @param desc        what the check means
     * @param summary     what was observed, for the alert message
     * @param figures     observed value, baseline and threshold
     */
    private record Anomaly(String finding, Alert.Severity severity, String incidentKey, String recordKey,
                           boolean trusted, boolean alertOnly, String title, String desc, String summary, Figures figures) {
    }

    private Optional<Anomaly> lifetimeBeyondPolicy(TokenUsageEvent event) {
        TokenUsageEvent.TokenFacts token = event.token();
        if (token.issuedAt() == null || token.expiresAt() == null) {
            return Optional.empty();
        }
        long lifetime = saturatingDifference(token.expiresAt(), token.issuedAt());
        // RFC 6819 §5.1.5.3: short-lived tokens; a life longer than policy allows should never be minted.
        if (lifetime <= rule.maxLifetime().toMillis()) {
            return Optional.empty();
        }
        String max = Findings.describe(rule.maxLifetime());
        long seconds = lifetime / 1000;
        return Optional.of(new Anomaly(LIFETIME, Alert.Severity.MEDIUM, LIFETIME + "|" + event.key(), event.key(),
                true, false, "Token lifetime beyond policy",
                "A token that verified lives longer (exp - iat) than policy allows: its signer is misconfigured "
                        + "or someone holding a signing key mints long-lived tokens.",
                "token lifetime " + Findings.describe(Duration.ofSeconds(seconds)) + " exceeds the policy maximum of "
                        + max,
                new Figures("token_lifetime_seconds", seconds, "exp - iat = " + seconds + " s",
                        rule.maxLifetime().toSeconds(), "the issuer's tokens live at most " + max,
                        rule.maxLifetime().toSeconds() + 1, "more than " + max)));
    }

    private Optional<Anomaly> issuedInFuture(TokenUsageEvent event) {
        Long iat = event.token().issuedAt();
        if (iat == null) {
            return Optional.empty();
        }
        long ahead = saturatingDifference(iat, event.eventTime());
        // RFC 7519 §4.1.6: iat is when the token was issued, which cannot lie after the request beyond skew.
        if (ahead <= rule.maxFutureSkew().toMillis()) {
            return Optional.empty();
        }
        String skew = Findings.describe(rule.maxFutureSkew());
        long seconds = ahead / 1000;
        return Optional.of(new Anomaly(FUTURE_IAT, Alert.Severity.MEDIUM, FUTURE_IAT + "|" + event.key(),
                event.key(), true, false, "Token issued in the future",
                "A token that verified claims to have been issued after the request that carried it, beyond any "
                        + "allowed clock skew: a signer with a broken clock, or a token made to outlive lifetime checks.",
                "token iat " + seconds + " s after the request, more than the allowed skew of " + skew,
                new Figures("issued_at_ahead_seconds", seconds, "iat - event time = " + seconds + " s", 0,
                        "a token is issued before it is used",
                        rule.maxFutureSkew().toSeconds() + 1, "more than " + skew + " ahead")));
    }

    /**
     * The lifetime outliers of a verified, accepted token, judged at its first sighting, for a subject
     * never seen before, against its issuer's distribution as learned so far; then learns the token.
     */
    private List<Anomaly> lifetimeOutliers(TokenUsageEvent event) {
        TokenUsageEvent.TokenFacts token = event.token();
        if (token.issuedAt() == null || token.expiresAt() == null
                || countedTokens.put(DistinctSightings.id(token.fingerprint()), Boolean.TRUE) != null) {
            return List.of();
        }
        long now = event.eventTime();
        long lifetime = Math.max(0, saturatingDifference(token.expiresAt(), token.issuedAt()));
        long age = Math.max(0, saturatingDifference(now, token.issuedAt()));
        boolean newcomer = rememberSubject(event.key(), now);
        String population = token.iss() + " " + String.join(",", token.aud());
        IssuerLifetimes before = learnedFor(population);
        if (before == null) {
            return List.of();
        }
        List<Anomaly> out = judgeOutliers(event, before, newcomer, lifetime, age);
        // Learned after judging: the token is not part of the normal it is judged against.
        learned.put(population, before.with(lifetime, age));
        unflushed.add(population);
        return out;
    }

    private List<Anomaly> judgeOutliers(TokenUsageEvent event, IssuerLifetimes before, boolean newcomer,
                                        long lifetime, long age) {
        AnomalousTokenRule.LifetimeOutliers settings = rule.outliers();
        if (!newcomer || before.tokens() < settings.minTokens()) {
            return List.of();
        }
        List<Anomaly> out = new ArrayList<>(2);
        long normalLifetime = before.lifetimeQuantileMillis(settings.quantile());
        if (lifetime > settings.factor() * normalLifetime) {
            out.add(outlier(event, LIFETIME_OUTLIER, "Token lifetime unusual for its issuer",
                    "The first token of a subject never seen before lives far longer than this issuer's tokens "
                            + "do: minted outside the issuer's normal flow, e.g. with a stolen signing key.",
                    "token lifetime", lifetime, normalLifetime, settings));
        }
        long normalAge = before.ageQuantileMillis(settings.quantile());
        if (age > settings.factor() * normalAge && age >= settings.minStaleAge().toMillis()) {
            out.add(outlier(event, STALE_TOKEN, "Token first used long after it was issued",
                    "The first token of a subject never seen before was issued long before its first use, "
                            + "where this issuer's tokens are used soon after issue: a token kept or minted "
                            + "in advance, outside the issuer's normal flow.",
                    "age at first use", age, normalAge, settings));
        }
        return out;
    }

    private Anomaly outlier(TokenUsageEvent event, String finding, String title, String desc, String measure,
                            long valueMillis, long normalMillis, AnomalousTokenRule.LifetimeOutliers settings) {
        long seconds = valueMillis / 1000;
        long normal = normalMillis / 1000;
        long threshold = (long) Math.floor(settings.factor() * normal) + 1;
        String quantile = "p" + Math.round(settings.quantile() * 100);
        return new Anomaly(finding, Alert.Severity.MEDIUM, finding + "|" + event.key(), event.key(), true, true,
                title, desc,
                measure + " " + Findings.describe(Duration.ofSeconds(seconds)) + " for a subject never seen before; "
                        + "the issuer's " + quantile + " is about " + approximately(normal),
                new Figures(finding + "_seconds", seconds, measure + " = " + seconds + " s", normal,
                        "the issuer's " + quantile + " " + measure + " (learned)", threshold,
                        "more than " + settings.factor() + " × the issuer's " + quantile));
    }

    /** A learned bucket edge for people: to the minute (the buckets are 1.5× wide anyway). */
    private static String approximately(long seconds) {
        return seconds < 120 ? seconds + " s" : Findings.describe(Duration.ofMinutes(Math.round(seconds / 60.0)));
    }

    /** Remembers the subject; true when it was never seen before (or so long ago it was forgotten). */
    private boolean rememberSubject(String subject, long now) {
        SeenSubject seen = subjects.get(subject);
        if (seen == null) {
            subjects.put(subject, new SeenSubject(now, now));
            return true;
        }
        if (now - seen.lastSeen() >= SUBJECT_REFRESH.toMillis()) {
            subjects.put(subject, new SeenSubject(seen.firstSeen(), now));
        }
        return false;
    }

    /** The histogram of {@code population}; null when this task already learns {@link #MAX_ISSUERS} others. */
    private IssuerLifetimes learnedFor(String population) {
        IssuerLifetimes known = learned.get(population);
        if (known != null) {
            return known;
        }
        if (learned.size() >= MAX_ISSUERS) {
            return null;
        }
        IssuerLifetimes stored = lifetimes.get(population);
        IssuerLifetimes loaded = stored == null ? IssuerLifetimes.empty() : stored;
        learned.put(population, loaded);
        return loaded;
    }

    private void flushLearnedLifetimes() {
        for (String population : unflushed) {
            lifetimes.put(population, learned.get(population));
        }
        unflushed.clear();
    }

    private void forgetIdleSubjects(long wallClockMillis) {
        long horizon = wallClockMillis - SUBJECT_MEMORY.toMillis();
        List<String> idle = new ArrayList<>();
        try (KeyValueIterator<String, SeenSubject> all = subjects.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value.lastSeen() <= horizon) {
                    idle.add(entry.key);
                }
            }
        }
        idle.forEach(subjects::delete);
    }

    /** {@code a - b}, held at the long range: claims are the signer's numbers and may be extreme. */
    private static long saturatingDifference(long a, long b) {
        long difference = a - b;
        // Overflow exactly when the operands' signs differ and the result's sign differs from a's.
        if (((a ^ b) & (a ^ difference)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return difference;
    }

    private Anomaly rejectedIssuer(TokenUsageEvent event) {
        String address = event.request().clientIp();
        boolean verified = event.token().verified();
        String claimed = event.token().iss() == null ? "no issuer" : "issuer " + event.token().iss();
        return new Anomaly(REJECTED_ISSUER, verified ? Alert.Severity.MEDIUM : Alert.Severity.LOW,
                REJECTED_ISSUER + "|" + Keys.ip(address), Keys.ip(address), false, true,
                "Token from an issuer the filters reject",
                "A request carried a token naming an issuer the filters do not accept (RFC 8725 §3.8)"
                        + (verified ? ", signed with a key they trust: a signer issuing for the wrong issuer."
                        : "; its signature did not verify either.")
                        + " Only the sending address is concerned; the subject it names is not acted on.",
                "token with " + claimed + " rejected, from " + address,
                new Figures("rejected_issuer_tokens", 1, "a token of a rejected issuer", 0,
                        "clients present tokens of the issuers they are configured for", 1,
                        "any token of a rejected issuer"));
    }

    private void respond(Anomaly anomaly, TokenUsageEvent event, long timestamp) {
        Set<ResponseAction> actions = response.actionsFor(AnomalousTokenRule.NAME, anomaly.severity());
        if (actions.contains(ResponseAction.OBSERVE)) {
            LOG.debug("observed {} ({}) for {}", AnomalousTokenRule.NAME, anomaly.finding(), anomaly.recordKey());
            return;
        }
        long now = event.eventTime();
        Incident incident = incidents.recordOccurrence(anomaly.incidentKey(), now);
        Optional<Alert.Activity> activity = incidents.reportDue(incident, now, false);
        if (activity.isEmpty()) {
            return;
        }
        List<Revocation> revocations = anomaly.trusted() && !anomaly.alertOnly()
                && activity.get() == Alert.Activity.CREATE
                ? containment.revocations(actions, AnomalousTokenRule.NAME, event, incident, now)
                : List.of();
        Incident reported = incidents.markReported(incident, now);
        Alert alert = anomalyAlert(activity.get(), reported, anomaly, event, actions, revocations);
        context.forward(new Record<>(anomaly.recordKey(), new Detection(alert, revocations), timestamp));
    }

    private Alert anomalyAlert(Alert.Activity activity, Incident incident, Anomaly anomaly, TokenUsageEvent trigger,
                               Set<ResponseAction> actions, List<Revocation> revocations) {
        TokenUsageEvent.TokenFacts token = trigger.token();
        String message = (anomaly.trusted() ? "Subject " + token.sub() + ": " : "") + anomaly.summary()
                + (activity == Alert.Activity.UPDATE ? "; " + incident.count() + " since the incident began" : "");
        Alert.Actor actor = anomaly.trusted()
                ? new Alert.Actor(new Alert.User(trigger.key(), token.sub(), token.iss()))
                // No actor: the subject of a rejected issuer is none of ours.
                : null;
        Alert.AnalysisTarget target = anomaly.trusted() ? new Alert.AnalysisTarget(trigger.key(), "User")
                : new Alert.AnalysisTarget(anomaly.recordKey(), "Network Endpoint");
        return Alert.detectionFinding(activity, anomaly.severity(), trigger.eventTime(), message, productVersion,
                new Alert.FindingInfo(incident.uid(), anomaly.title(), anomaly.desc(),
                        List.of(AnomalousTokenRule.NAME, anomaly.finding()),
                        Alert.Analytic.rule(AnomalousTokenRule.NAME, AnomalousTokenRule.VERSION),
                        incident.firstSeen(), incident.lastSeen(), ATTACKS),
                actor,
                List.of(evidence(trigger)),
                List.of(anomaly.figures().analysis(target)),
                unmapped(anomaly, incident, trigger, actions, revocations));
    }

    private static Alert.Evidence evidence(TokenUsageEvent trigger) {
        TokenUsageEvent.Geo geo = trigger.request().geo();
        Alert.Location location = geo == null ? null : new Alert.Location(geo.country(), geo.region(), geo.lat(),
                geo.lon());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("outcome", trigger.outcome().wire());
        data.put("service", trigger.service());
        data.put("route", trigger.request().route());
        data.put("filter_id", trigger.filterId());
        data.put("time", trigger.eventTime());
        return new Alert.Evidence("request from " + trigger.request().clientIp(),
                new Alert.NetworkEndpoint(trigger.request().clientIp(), location), data);
    }

    private static Map<String, Object> unmapped(Anomaly anomaly, Incident incident, TokenUsageEvent trigger,
                                                Set<ResponseAction> actions, List<Revocation> revocations) {
        TokenUsageEvent.TokenFacts token = trigger.token();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("fingerprint", token.fingerprint());
        facts.put("signature_verified", token.verified());
        // Claims of a token we do not act on are labelled as claims.
        String prefix = anomaly.trusted() ? "" : "claimed_";
        putIfPresent(facts, prefix + "iss", token.iss());
        putIfPresent(facts, prefix + "sub", token.sub());
        putIfPresent(facts, prefix + "jti", token.jti());
        putIfPresent(facts, "issued_at", token.issuedAt());
        putIfPresent(facts, "expires_at", token.expiresAt());
        putIfPresent(facts, "kid", token.kid());
        putIfPresent(facts, "alg", token.alg());
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("finding", anomaly.finding());
        unmapped.put("figures", anomaly.figures().unmapped());
        unmapped.put("incident", Findings.incident(incident));
        unmapped.put("response", Findings.response(anomaly.trusted() && !anomaly.alertOnly() ? actions
                : Set.of(ResponseAction.ALERT), revocations));
        unmapped.put(anomaly.trusted() ? "token" : "untrusted_token", facts);
        unmapped.put("trigger_event_id", trigger.eventId());
        return unmapped;
    }

    private static void putIfPresent(Map<String, Object> map, String name, Object value) {
        if (value != null) {
            map.put(name, value);
        }
    }
}
