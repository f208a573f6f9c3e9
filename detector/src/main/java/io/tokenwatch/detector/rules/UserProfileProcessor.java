package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentTracker;
import io.tokenwatch.detector.profile.Observation;
import io.tokenwatch.detector.profile.ProfileSettings;
import io.tokenwatch.detector.profile.UserProfile;
import io.tokenwatch.detector.profile.UserProfileStore;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Per-user baselines and the rules judged against them: keeps a {@link UserProfile} per verified
 * subject (store {@link UserProfileStore#NAME}) and judges every accepted request of the subject by
 * it <em>before</em> learning from it, so a new country is new when it is judged. Rules: rate spike,
 * anonymous network and new context (baseline rules, silent until the
 * {@link io.tokenwatch.detector.profile.LearningPeriod learning period} is over), impossible travel and
 * concurrent use by interleaving (which need only the holder's recent requests).
 *
 * <p>Precise containment: every finding carries {@link Signal signals} of independent
 * {@link SignalFamily families}; the signals of all findings about the request and those the subject
 * raised within {@link UserProfileRules#corroborationWindow()} (remembered in the profile) are combined
 * per request ({@link Corroboration}). A lone weak signal (a new country, device, network or hour) is
 * observed — counted in the task metrics {@code tokenwatch-profile/observed-<rule>}, remembered in the
 * profile — never published. A strong finding, or weak ones from two families, is published through
 * the {@link ResponsePolicy}; throttling and revocations are applied only when a signal of another
 * family backs the finding (travel plus a new device; interleaving plus a never-seen network), so one
 * signal never locks anyone out. One alert per request: a weak finding is published only if no strong
 * one was.
 *
 * <p>Rates are judged with peer awareness: this task's {@link PeerActivity} counts, per issuer, service
 * and route class, who is elevated today, so a spike most of a team shares is not a per-user anomaly.
 *
 * <p>Only accepted requests with a verified subject feed or trigger anything
 * ({@link TokenUsageEvent#hasVerifiedSubject()}): a forged token naming a victim is keyed by its
 * address, never reaches the victim's profile, and cannot make the detector throttle or revoke the
 * victim (DESIGN.md §4). Rejected requests are not the subject's behaviour either (they may be
 * anyone's), so they are not learned. Events are keyed by subject, so one subject's profile lives in
 * one task and no repartition is needed.
 *
 * <p>One incident, one alert: repeats of one rule about one subject within the cooldown are Updates of
 * one finding ({@link IncidentTracker}, store {@link #INCIDENTS_STORE}, incident key
 * {@code <rule>|<iss>|<sub>}), sent at most once per update interval, or at once when they bring new
 * containment (a throttle after the last one ended, another token revoked). A subject revocation is
 * issued once per incident.
 *
 * <p>State is bounded: a profile's collections are capped, idle profiles are deleted by a wall-clock
 * punctuator after {@link ProfileSettings#idleExpiry()}, closed incidents every minute.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class UserProfileProcessor implements Processor<String, TokenUsageEvent, String, Detection> {

    /** Names of the state stores; part of the upgrade contract (their changelog topics derive from them). */
    public static final String PROFILES_STORE = UserProfileStore.NAME;
    public static final String INCIDENTS_STORE = "user-profile-incidents";
    /** Name the finding uids of this processor's incidents derive from. */
    static final String INCIDENT_NAMESPACE = "user_profile";

    private static final Logger LOG = LoggerFactory.getLogger(UserProfileProcessor.class);
    private static final Duration INCIDENT_PURGE_INTERVAL = Duration.ofMinutes(1);

    private final UserProfileRules rules;
    private final ProfileSettings settings;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /** Over store {@link #PROFILES_STORE}: subject key {@code iss|sub} → that subject's profile. */
    private UserProfileStore profiles;
    /** Over store {@link #INCIDENTS_STORE}: {@code <rule>|<iss>|<sub>} → the incident open about it. */
    private IncidentTracker incidents;
    /** This task's peer groups: who is active and who elevated today (in memory; see {@link PeerActivity}). */
    private final PeerActivity peers = PeerActivity.defaults();
    /** Per rule, the task-level sensor counting its findings that were observed, not published. */
    private final Map<String, Sensor> observed = new HashMap<>();

    UserProfileProcessor(UserProfileRules rules, String productVersion) {
        this.rules = rules;
        this.settings = rules.profile();
        this.productVersion = productVersion;
    }

    /** The supplier that declares this processor's stores, so the topology wires them by itself. */
    public static ProcessorSupplier<String, TokenUsageEvent, String, Detection> supplier(UserProfileRules rules,
                                                                                      String productVersion) {
        Objects.requireNonNull(rules, "rules");
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, TokenUsageEvent, String, Detection> get() {
                return new UserProfileProcessor(rules, productVersion);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(UserProfileStore.storeBuilder(), IncidentTracker.storeBuilder(INCIDENTS_STORE));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.profiles = new UserProfileStore(context.getStateStore(PROFILES_STORE));
        this.incidents = new IncidentTracker(INCIDENT_NAMESPACE, rules.incidents(),
                context.getStateStore(INCIDENTS_STORE));
        context.schedule(settings.expiryScan(), PunctuationType.WALL_CLOCK_TIME, this::expireIdleProfiles);
        context.schedule(INCIDENT_PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, incidents::forgetClosed);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (!isVerifiedAcceptedRequest(event)) {
            return;
        }
        String subject = event.key();
        Observation observation = Observation.of(event, settings.routeClasses());
        String group = PeerActivity.group(event.token().iss(), event.service(), observation.routeClass());
        boolean surging = peers.surging(group, observation.time());
        UserProfile before = profiles.load(subject, event.eventTime())
                .rolledTo(observation, settings, rules.rateSpike().judge(surging));
        boolean learned = settings.learning().isOverFor(before, observation.time());
        peers.record(group, UserProfile.hash(subject), observation.time(),
                rules.rateSpike().isElevated(before, observation, settings, learned));
        List<ProfileFinding> findings = judge(before, observation, learned, surging);
        long since = observation.time() - rules.corroborationWindow().toMillis();
        Corroboration corroboration = Corroboration.of(findings, before.signals(), since);
        UserProfile profile = before.learn(observation, settings)
                .withSignals(corroboration.toRemember(observation.time()), since, settings.limits().signals());
        boolean published = false;
        // Strong findings first: a weak finding is published only if nothing stronger spoke for the request.
        for (ProfileFinding finding : findings) {
            if (!corroboration.worthAlert(finding) || (published && !isStrong(finding))) {
                observe(finding, subject);
                continue;
            }
            UserProfile next = respond(finding, profile, before, event, record.timestamp(), corroboration);
            published |= next != null;
            profile = next == null ? profile : next;
        }
        profiles.save(subject, profile);
    }

    /** Accepted, and the token verified and names a subject: the only requests that are the subject's own. */
    private static boolean isVerifiedAcceptedRequest(TokenUsageEvent event) {
        return event != null && event.outcome() == Outcome.ACCEPTED && event.hasVerifiedSubject();
    }

    /** Every rule's finding about the request, judged against the profile as it was before it; strong first. */
    private List<ProfileFinding> judge(UserProfile profile, Observation observation, boolean learned,
                                       boolean surging) {
        List<ProfileFinding> findings = new ArrayList<>();
        rules.impossibleTravel().evaluate(profile, observation).ifPresent(findings::add);
        rules.concurrentUse().evaluate(profile, observation).ifPresent(findings::add);
        // The rate rule's pace test has a baseline of its own and judges during the learning period too.
        rules.rateSpike().evaluate(profile, observation, settings, surging, learned).ifPresent(findings::add);
        if (learned) {
            rules.anonymousNetwork().evaluate(profile, observation).ifPresent(findings::add);
            rules.newContext().evaluate(profile, observation).ifPresent(findings::add);
        }
        findings.sort(Comparator.comparing((ProfileFinding f) -> !isStrong(f)));
        return findings;
    }

    private static boolean isStrong(ProfileFinding finding) {
        return finding.signals().stream().anyMatch(s -> s.strength() == Signal.Strength.STRONG);
    }

    /**
     * A finding that is not published: counted per rule in the task's metrics (and logged at debug), its
     * signals remembered in the profile to corroborate what follows.
     */
    private void observe(ProfileFinding finding, String subject) {
        observed.computeIfAbsent(finding.rule(), rule -> context.metrics().addRateTotalSensor("tokenwatch-profile",
                "observed-" + rule, "finding", Sensor.RecordingLevel.INFO)).record();
        LOG.debug("observed {} for {}: {}", finding.rule(), subject, finding.summary());
    }

    /**
     * Applies the response policy to one finding worth an alert: records the occurrence, and when a
     * report is due publishes the alert with what the policy calls for — containment only if the
     * finding is corroborated. Returns the profile with what was issued remembered, or null if the
     * policy says to observe the rule.
     */
    private UserProfile respond(ProfileFinding finding, UserProfile profile, UserProfile judgedBy,
                                TokenUsageEvent event, long timestamp, Corroboration corroboration) {
        Set<ResponseAction> configured = rules.response().actionsFor(finding.rule(), finding.severity());
        String subject = event.key();
        if (configured.contains(ResponseAction.OBSERVE)) {
            observe(finding, subject);
            return null;
        }
        boolean containable = corroboration.allowsContainment(finding);
        Set<ResponseAction> actions = EnumSet.noneOf(ResponseAction.class);
        for (ResponseAction action : configured) {
            if (!action.isContainment() || containable) {
                actions.add(action);
            }
        }
        long now = event.eventTime();
        Incident incident = incidents.recordOccurrence(finding.rule() + "|" + subject, now);
        boolean throttleDue = actions.contains(ResponseAction.THROTTLE_SUBJECT) && now >= profile.throttledUntil();
        String jti = event.token().jti();
        boolean tokenDue = actions.contains(ResponseAction.REVOKE_TOKEN) && jti != null
                && UserProfile.tokenHash(jti) != profile.revokedToken();
        Optional<Alert.Activity> activity = incidents.reportDue(incident, now, throttleDue || tokenDue);
        if (activity.isEmpty()) {
            return profile;
        }
        List<Revocation> revocations = new ArrayList<>();
        if (actions.contains(ResponseAction.STEP_UP_SUBJECT) && activity.get() == Alert.Activity.CREATE) {
            revocations.add(stepUpSubject(finding.rule(), event, incident, now));
        }
        if (throttleDue) {
            Revocation throttle = throttleSubject(finding.rule(), event, incident, now);
            revocations.add(throttle);
            profile = profile.withThrottledUntil(throttle.expiresAt());
        }
        if (tokenDue) {
            revocations.add(revokeToken(finding.rule(), event, incident, now));
            profile = profile.withRevokedToken(UserProfile.tokenHash(jti));
        }
        if (actions.contains(ResponseAction.REVOKE_SUBJECT) && activity.get() == Alert.Activity.CREATE) {
            revocations.add(revokeSubject(finding.rule(), event, incident, now));
        }
        Incident reported = incidents.markReported(incident, now);
        Alert alert = findingAlert(activity.get(), reported, finding, event, judgedBy, actions, revocations,
                corroboration.describe(finding, containable));
        context.forward(new Record<>(subject, new Detection(alert, revocations), timestamp));
        return profile;
    }

    /** Asks the subject to authenticate again, for the throttle ttl: not containment, allowed on one signal. */
    private Revocation stepUpSubject(String rule, TokenUsageEvent event, Incident incident, long now) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, event.token().iss(),
                event.token().sub(), Revocation.Action.STEP_UP, now, now + rules.throttleTtl().toMillis(),
                rule, incident.uid(), now);
    }

    /** Slows every token of the subject issued until now, for the throttle ttl. */
    private Revocation throttleSubject(String rule, TokenUsageEvent event, Incident incident, long now) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, event.token().iss(),
                event.token().sub(), Revocation.Action.THROTTLE, now, now + rules.throttleTtl().toMillis(),
                rule, incident.uid(), now);
    }

    /** Blocks the triggering token until no filter could accept it anyway: {@code exp} plus the largest skew. */
    private Revocation revokeToken(String rule, TokenUsageEvent event, Incident incident, long now) {
        Long exp = event.token().expiresAt();
        long until = exp == null ? now + rules.fallbackTokenTtl().toMillis() : exp + rules.maxClockSkew().toMillis();
        return Revocation.blockToken(event.token().iss(), event.token().jti(), Math.max(until, now + 1),
                rule, incident.uid(), now);
    }

    /** Every token of the subject issued at or before now (RFC 8417 / CAEP session-revoked). */
    private Revocation revokeSubject(String rule, TokenUsageEvent event, Incident incident, long now) {
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.SUBJECT, event.token().iss(),
                event.token().sub(), Revocation.Action.BLOCK, now, now + rules.subjectRevocationTtl().toMillis(),
                rule, incident.uid(), now);
    }

    private Alert findingAlert(Alert.Activity activity, Incident incident, ProfileFinding finding,
                               TokenUsageEvent trigger, UserProfile profile, Set<ResponseAction> actions,
                               List<Revocation> revocations, Map<String, Object> corroboration) {
        TokenUsageEvent.TokenFacts token = trigger.token();
        String subject = trigger.key();
        String message = "Subject " + token.sub() + ": " + finding.summary()
                + (activity == Alert.Activity.UPDATE ? "; " + incident.count() + " since the incident began" : "")
                + containmentSummary(revocations);
        List<Alert.Evidence> evidences = new ArrayList<>();
        evidences.add(triggerEvidence(trigger));
        evidences.addAll(finding.evidences());
        return Alert.detectionFinding(activity, finding.severity(), trigger.eventTime(), message, productVersion,
                new Alert.FindingInfo(incident.uid(), finding.title(), finding.desc(), List.of(finding.rule()),
                        Alert.Analytic.rule(finding.rule(), finding.version()), incident.firstSeen(),
                        incident.lastSeen(), finding.attacks()),
                new Alert.Actor(new Alert.User(subject, token.sub(), token.iss())),
                evidences,
                List.of(finding.figures().analysis(new Alert.AnalysisTarget(subject, "User"))),
                unmapped(finding, incident, trigger, profile, actions, revocations, corroboration));
    }

    private String containmentSummary(List<Revocation> revocations) {
        List<String> parts = new ArrayList<>();
        for (Revocation r : revocations) {
            String length = Findings.describe(Duration.ofMillis(r.expiresAt() - r.createdAt()));
            parts.add(switch (r.scope()) {
                case SUBJECT -> switch (r.action()) {
                    case THROTTLE -> "subject throttled for " + length;
                    case STEP_UP -> "subject asked to authenticate again";
                    case BLOCK -> "every token of the subject issued until now revoked";
                };
                case JTI -> "token " + r.value() + " revoked";
                case IP -> "address " + r.value() + " blocked";
            });
        }
        return parts.isEmpty() ? "" : "; " + String.join("; ", parts);
    }

    private static Alert.Evidence triggerEvidence(TokenUsageEvent trigger) {
        TokenUsageEvent.RequestFacts request = trigger.request();
        TokenUsageEvent.Geo geo = request.geo();
        Alert.Location location = geo == null ? null : new Alert.Location(geo.country(), geo.region(), geo.lat(),
                geo.lon());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("time", trigger.eventTime());
        data.put("service", trigger.service());
        data.put("route", request.route());
        data.put("filter_id", trigger.filterId());
        if (geo != null && geo.asn() != null) {
            data.put("asn", geo.asn());
        }
        if (request.userAgent() != null) {
            data.put("user_agent", request.userAgent());
        }
        return new Alert.Evidence("request from " + request.clientIp(),
                new Alert.NetworkEndpoint(request.clientIp(), location), data);
    }

    private Map<String, Object> unmapped(ProfileFinding finding, Incident incident, TokenUsageEvent trigger,
                                         UserProfile profile, Set<ResponseAction> actions,
                                         List<Revocation> revocations, Map<String, Object> corroboration) {
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
        Map<String, Object> history = new LinkedHashMap<>();
        history.put("events", profile.events());
        history.put("first_seen_time", profile.firstSeen());
        history.put("learning_over", settings.learning().isOverFor(profile, trigger.eventTime()));
        Map<String, Object> response = Findings.response(actions, revocations);
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("figures", finding.figures().unmapped());
        unmapped.put("incident", Findings.incident(incident));
        unmapped.put("details", finding.details());
        unmapped.put("corroboration", corroboration);
        unmapped.put("profile", history);
        unmapped.put("response", response);
        unmapped.put("token", facts);
        unmapped.put("trigger_event_id", trigger.eventId());
        return unmapped;
    }

    /** Deletes profiles with no learned request for the idle expiry, as of the wall clock. */
    private void expireIdleProfiles(long wallClockMillis) {
        int expired = profiles.expireIdleSince(wallClockMillis - settings.idleExpiry().toMillis());
        if (expired > 0) {
            LOG.debug("expired {} idle user profiles", expired);
        }
    }
}
