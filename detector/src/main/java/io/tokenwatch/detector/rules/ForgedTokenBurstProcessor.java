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

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Forged-token burst: many rejections that only someone without a valid key can cause
 * ({@link io.tokenwatch.schemas.Outcome#isForgerySignal()}) from one client address within any of
 * {@link ForgedTokenBurstRule#thresholds()} (1 min, 10 min, 1 h by default, so a flood paced under
 * the short threshold still reaches a longer one) mean someone is forging or fuzzing tokens from
 * there. Emits an alert and an IP-scope block of that address, longer for each repeat offence.
 *
 * <p>Except when the burst is an issuer's key rotation done in the wrong order: almost all of it
 * {@code unknown_key} naming one {@code kid}, from an address that also carries many verified subjects
 * (a corporate NAT whose users all present tokens signed with a key the filters do not have yet).
 * Blocking that address would lock out all of them for the issuer's mistake, so the operator gets a
 * {@link ForgedTokenBurstRule#KEY_ROTATION} alert and nothing is blocked. The verified subjects of an
 * address arrive keyed by subject, in other tasks; {@link VerifiedAddressSightings} sends each
 * (subject, address) pair here, re-keyed {@code ip|<addr>}, at most once per quarter of the population
 * window, through a repartition topic. Such a sighting is a record keyed {@code ip|…} whose token
 * verified: the usage topic never keys a verified token's event that way.
 *
 * <p>This rule acts on the sending address only and never emits a subject or token revocation: the
 * tokens it counts did not verify, so the {@code sub} and {@code jti} they claim are the attacker's
 * words; revoking them would hand the attacker a way to lock out any victim (DESIGN.md §4). The
 * filter keys such events {@code ip|<addr>}, so all of one address's state lives in one task without
 * a repartition.
 *
 * <p>One burst is one incident ({@link IncidentTracker}): while it lasts, the SIEM gets Updates of one
 * finding, at once when a new block is issued and otherwise at most once per update interval.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class ForgedTokenBurstProcessor implements Processor<String, TokenUsageEvent, String, Detection> {

    /** Store names; part of the upgrade contract (their changelog topics derive from them). */
    public static final String REJECTIONS_STORE = "forged-token-burst-address-rejections";
    public static final String POPULATION_STORE = "forged-token-burst-address-subjects";
    public static final String OFFENCES_STORE = "forged-token-burst-offences";
    public static final String INCIDENTS_STORE = "forged-token-burst-incidents";
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    private static final List<Alert.Attack> ATTACKS = List.of(
            // The tokens are forgery attempts (alg confusion, guessed keys, crafted kid): T1606. Not
            // T1550.001, which is the use of genuine stolen tokens (the replay rule's finding).
            new Alert.Attack("15.1", new Alert.Technique("T1606", "Forge Web Credentials"),
                    new Alert.Tactic("TA0006", "Credential Access")),
            // The volume is trial and error against the verifier.
            new Alert.Attack("15.1", new Alert.Technique("T1110", "Brute Force"),
                    new Alert.Tactic("TA0006", "Credential Access")));

    private static final List<Alert.Attack> NO_ATTACKS = List.of();

    private final ForgedTokenBurstRule rule;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /** {@code ip|<addr>} → forgery-signal rejections from that address still inside the longest window. */
    private KeyValueStore<String, AddressRejections> rejections;
    /** {@code ip|<addr>} → the verified subjects seen at that address within the population window. */
    private KeyValueStore<String, DistinctSightings> population;
    /** {@code ip|<addr>} → blocks issued to that address; kept until the offence memory after the last ends. */
    private KeyValueStore<String, BlockHistory> offences;
    /** Over store {@link #INCIDENTS_STORE}: {@code ip|<addr>} → the burst incident open about that address. */
    private IncidentTracker incidents;
    /** Over the same store: {@code key_rotation|ip|<addr>} → the rotation incident open about that address. */
    private IncidentTracker rotations;

    ForgedTokenBurstProcessor(ForgedTokenBurstRule rule, String productVersion) {
        this.rule = rule;
        this.productVersion = productVersion;
    }

    /** The supplier that declares this processor's stores, so the topology wires them by itself. */
    public static ProcessorSupplier<String, TokenUsageEvent, String, Detection> supplier(ForgedTokenBurstRule rule,
                                                                                      String productVersion) {
        Objects.requireNonNull(rule, "rule");
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, TokenUsageEvent, String, Detection> get() {
                return new ForgedTokenBurstProcessor(rule, productVersion);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                        // Written on every forged request: the cache turns a flood into one changelog
                        // write per address per commit instead of one per request.
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(REJECTIONS_STORE), Serdes.String(),
                                new JsonSerde<>(AddressRejections.class)).withCachingEnabled(),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(POPULATION_STORE), Serdes.String(),
                                new JsonSerde<>(DistinctSightings.class)).withCachingEnabled(),
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OFFENCES_STORE), Serdes.String(),
                                new JsonSerde<>(BlockHistory.class)),
                        IncidentTracker.storeBuilder(INCIDENTS_STORE));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.rejections = context.getStateStore(REJECTIONS_STORE);
        this.offences = context.getStateStore(OFFENCES_STORE);
        this.population = context.getStateStore(POPULATION_STORE);
        this.incidents = new IncidentTracker(ForgedTokenBurstRule.NAME, rule.incidents(),
                context.getStateStore(INCIDENTS_STORE));
        this.rotations = new IncidentTracker(ForgedTokenBurstRule.KEY_ROTATION, rule.incidents(),
                context.getStateStore(INCIDENTS_STORE));
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetQuietAddresses);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (isAddressSighting(record.key(), event)) {
            rememberVerifiedSubject(record.key(), event);
            return;
        }
        if (!isForgerySignal(event)) {
            return;
        }
        long now = event.eventTime();
        String address = event.request().clientIp();
        String key = Keys.ip(address);
        AddressRejections all = rememberRejection(key, event);
        Breach breach = breachAt(all, now);
        if (breach != null && isKeyRotation(key, all, now)) {
            reportKeyRotation(key, all, breach, event, record.timestamp());
            return;
        }
        Optional<Incident> open = incidents.openAt(key, now);
        boolean burst = breach != null;
        if (!burst && open.isEmpty()) {
            return;
        }
        Breach shown = burst ? breach : shortest(all, now);
        RecentRejections recent = shown.recent();
        long inWindow = shown.count();
        Incident incident = open
                .map(ongoing -> incidents.extend(ongoing, now, 1))
                .orElseGet(() -> incidents.open(key, shown.recent().firstWithin(now,
                        shown.threshold().window().toMillis(), shown.threshold().slotMillis()), now, inWindow));
        Optional<Revocation> block = burst && !isBlockedAt(key, now)
                ? Optional.of(blockAddress(key, address, incident, now))
                : Optional.empty();
        Optional<Alert.Activity> activity = incidents.reportDue(incident, now, block.isPresent());
        if (activity.isEmpty()) {
            return;
        }
        Incident reported = incidents.markReported(incident, now);
        Alert alert = burstAlert(activity.get(), reported, recent, shown.threshold(), inWindow, event,
                offences.get(key), block.isPresent());
        context.forward(new Record<>(key, new Detection(alert, block.stream().toList()), record.timestamp()));
    }

    /**
     * A threshold window's count at the time of a rejection.
     *
     * @param threshold the threshold
     * @param recent    that window's rejections
     * @param count     rejections in the window
     */
    private record Breach(ForgedTokenBurstRule.Threshold threshold, RecentRejections recent, long count) {
    }

    /** A verified subject seen at an address, re-keyed {@code ip|<addr>} by {@link VerifiedAddressSightings}. */
    private static boolean isAddressSighting(String key, TokenUsageEvent event) {
        return event != null && key != null && key.startsWith("ip|") && event.hasVerifiedSubject();
    }

    /** Rejections that a client holding a genuine token cannot cause. */
    private static boolean isForgerySignal(TokenUsageEvent event) {
        return event != null && event.outcome().isForgerySignal();
    }

    private void rememberVerifiedSubject(String key, TokenUsageEvent sighting) {
        ForgedTokenBurstRule.KeyRotation rotation = rule.rotation();
        if (!rotation.enabled()) {
            return;
        }
        DistinctSightings before = population.get(key);
        population.put(key, (before == null ? DistinctSightings.none() : before).with(
                DistinctSightings.id(sighting.key()), sighting.eventTime(), rotation.populationWindow().toMillis(),
                rotation.subjectCap()));
    }

    private AddressRejections rememberRejection(String key, TokenUsageEvent event) {
        AddressRejections before = rejections.get(key);
        String kid = event.token() == null ? null : event.token().kid();
        AddressRejections after = (before == null ? AddressRejections.none() : before).withRejection(event.eventTime(),
                event.outcome(), kid, rule.thresholds());
        rejections.put(key, after);
        return after;
    }

    /** The first threshold (shortest window first) that the address's rejections reach at {@code now}; null if none. */
    private Breach breachAt(AddressRejections all, long now) {
        List<ForgedTokenBurstRule.Threshold> thresholds = rule.thresholds();
        for (int i = 0; i < thresholds.size(); i++) {
            ForgedTokenBurstRule.Threshold t = thresholds.get(i);
            RecentRejections w = all.window(i);
            long count = w.countWithin(now, t.window().toMillis(), t.slotMillis());
            if (count >= t.count()) {
                return new Breach(t, w, count);
            }
        }
        return null;
    }

    private Breach shortest(AddressRejections all, long now) {
        ForgedTokenBurstRule.Threshold t = rule.thresholds().get(0);
        RecentRejections w = all.window(0);
        return new Breach(t, w, w.countWithin(now, t.window().toMillis(), t.slotMillis()));
    }

    /**
     * An issuer-side key rotation rather than forgery: the run is almost all {@code unknown_key} for
     * one kid, and the address carries many verified subjects. An attacker's own host carries none;
     * an attacker behind the same NAT is not worth locking out hundreds of users for.
     */
    private boolean isKeyRotation(String key, AddressRejections all, long now) {
        ForgedTokenBurstRule.KeyRotation rotation = rule.rotation();
        if (!rotation.enabled()) {
            return false;
        }
        RecentRejections run = all.run(rule.thresholds());
        long total = run.outcomes().values().stream().mapToLong(Long::longValue).sum();
        long unknownKey = run.outcomes().getOrDefault(Outcome.UNKNOWN_KEY.wire(), 0L);
        long dominant = all.dominantKid().getValue();
        if (total == 0 || unknownKey < rotation.unknownKeyShare() * total
                || dominant < rotation.unknownKeyShare() * unknownKey
                || AddressRejections.OTHER_KIDS.equals(all.dominantKid().getKey())) {
            return false;
        }
        return verifiedSubjectsAt(key, now) >= rotation.minVerifiedSubjects();
    }

    private int verifiedSubjectsAt(String key, long now) {
        DistinctSightings seen = population.get(key);
        return seen == null ? 0 : seen.countWithin(now, rule.rotation().populationWindow().toMillis());
    }

    /** Tells the operator, once per incident with updates; never blocks the address. */
    private void reportKeyRotation(String key, AddressRejections all, Breach breach, TokenUsageEvent trigger,
                                   long timestamp) {
        long now = trigger.eventTime();
        Incident incident = rotations.recordOccurrence("key_rotation|" + key, now);
        Optional<Alert.Activity> activity = rotations.reportDue(incident, now, false);
        if (activity.isEmpty()) {
            return;
        }
        Incident reported = rotations.markReported(incident, now);
        context.forward(new Record<>(key, new Detection(rotationAlert(activity.get(), reported, all, breach,
                verifiedSubjectsAt(key, now), trigger), List.of()), timestamp));
    }

    private Alert rotationAlert(Alert.Activity activity, Incident incident, AddressRejections all, Breach breach,
                                int subjects, TokenUsageEvent trigger) {
        String address = trigger.request().clientIp();
        Map.Entry<String, Long> kid = all.dominantKid();
        String window = Findings.describe(breach.threshold().window());
        String observed = breach.count() + " unknown-key rejections within " + window + " from " + address
                + ", which also carries " + subjects + " verified subjects; " + kid.getValue()
                + " of the run name kid " + kid.getKey();
        Figures figures = new Figures("unknown_key_rejections", breach.count(), observed, 0,
                "clients present tokens signed with keys the filters hold",
                breach.threshold().count(), "at least " + breach.threshold().count() + " within " + window
                + " from one address");
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("kid", kid.getKey());
        data.put("unknown_key_by_kid", all.unknownKeyKids());
        data.put("outcomes", all.run(rule.thresholds()).outcomes());
        data.put("verified_subjects", subjects);
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("figures", figures.unmapped());
        unmapped.put("incident", Findings.incident(incident));
        unmapped.put("response", Findings.response(Set.of(ResponseAction.ALERT), List.of()));
        unmapped.put("kid", kid.getKey());
        unmapped.put("address_blocked", false);
        unmapped.put("trigger_event_id", trigger.eventId());
        return Alert.detectionFinding(activity, Alert.Severity.LOW, trigger.eventTime(),
                observed + "; address not blocked"
                        + (activity == Alert.Activity.UPDATE ? "; " + incident.count() + " since the incident began"
                        : ""),
                productVersion,
                new Alert.FindingInfo(incident.uid(), "Signing key rotation suspected",
                        "Tokens naming a key id the filters do not hold arrive from an address that also carries "
                                + "many verified subjects: an issuer signing with a new key before the filters "
                                + "were given it (a rotation done in the wrong order). Publish the new key to the "
                                + "filters' key sets before signing with it. The address is not blocked.",
                        List.of(ForgedTokenBurstRule.KEY_ROTATION),
                        Alert.Analytic.rule(ForgedTokenBurstRule.KEY_ROTATION, ForgedTokenBurstRule.VERSION),
                        incident.firstSeen(), incident.lastSeen(), NO_ATTACKS),
                null,
                List.of(new Alert.Evidence("unknown-key rejections from " + address,
                        new Alert.NetworkEndpoint(address, location(trigger)), data)),
                List.of(figures.analysis(new Alert.AnalysisTarget(Keys.ip(address), "Network Endpoint"))),
                unmapped);
    }

    private static Alert.Location location(TokenUsageEvent trigger) {
        TokenUsageEvent.Geo geo = trigger.request().geo();
        return geo == null ? null : new Alert.Location(geo.country(), geo.region(), geo.lat(), geo.lon());
    }

    private boolean isBlockedAt(String key, long time) {
        BlockHistory history = offences.get(key);
        return history != null && history.isBlockedAt(time);
    }

    /** Issues the next block of {@code address}: longer for each offence the history still remembers. */
    private Revocation blockAddress(String key, String address, Incident incident, long now) {
        BlockHistory before = offences.get(key);
        int offence = before != null && before.remembersAt(now, rule.offenceMemory().toMillis())
                ? before.offences() + 1 : 1;
        long until = now + rule.blockFor(offence).toMillis();
        offences.put(key, new BlockHistory(offence, now, until));
        // IP scope, no issuer: whatever subject the forged tokens name is left alone.
        return new Revocation(Revocation.SCHEMA_VERSION, Revocation.Scope.IP, null, address, Revocation.Action.BLOCK,
                null, until, ForgedTokenBurstRule.NAME, incident.uid(), now);
    }

    private Alert burstAlert(Alert.Activity activity, Incident incident, RecentRejections recent,
                             ForgedTokenBurstRule.Threshold threshold, long inWindow,
                             TokenUsageEvent trigger, BlockHistory history, boolean newBlock) {
        String address = trigger.request().clientIp();
        long windowSeconds = threshold.window().toSeconds();
        String observed = inWindow + " forgery-signal rejections from " + address + " within " + windowSeconds + " s";
        Figures figures = new Figures("forgery_signal_rejections", inWindow, observed, 0,
                "a client holding a genuine token never presents one that fails the signature, algorithm or key check",
                threshold.count(), "at least " + threshold.count() + " within " + windowSeconds + " s from one address");
        return Alert.detectionFinding(activity, Alert.Severity.MEDIUM, trigger.eventTime(),
                observed + (activity == Alert.Activity.UPDATE ? "; " + incident.count() + " since the incident began" : "")
                        + blockSummary(history, newBlock, trigger.eventTime()),
                productVersion,
                new Alert.FindingInfo(incident.uid(), "Burst of forged tokens from one address",
                        "Tokens that failed signature, algorithm or key checks, or could not be decoded, arrived "
                                + "in a burst from one client address. Only the address is blocked: the subjects "
                                + "such tokens name are unverified and are not revoked.",
                        List.of(ForgedTokenBurstRule.NAME),
                        Alert.Analytic.rule(ForgedTokenBurstRule.NAME, ForgedTokenBurstRule.VERSION),
                        incident.firstSeen(), incident.lastSeen(), ATTACKS),
                // No actor: nobody trustworthy is named by a token that did not verify.
                null,
                List.of(evidence(recent, trigger)),
                List.of(figures.analysis(new Alert.AnalysisTarget(Keys.ip(address), "Network Endpoint"))),
                unmapped(figures, incident, history, newBlock, trigger));
    }

    private static String blockSummary(BlockHistory history, boolean newBlock, long now) {
        if (history == null || !history.isBlockedAt(now)) {
            return "";
        }
        String length = Findings.describe(Duration.ofMillis(history.blockedUntil() - history.blockedAt()));
        return (newBlock ? "; address blocked for " : "; address already blocked for ") + length + " (offence "
                + history.offences() + ")";
    }

    private static Alert.Evidence evidence(RecentRejections recent, TokenUsageEvent trigger) {
        TokenUsageEvent.Geo geo = trigger.request().geo();
        Alert.Location location = geo == null ? null : new Alert.Location(geo.country(), geo.region(), geo.lat(),
                geo.lon());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("outcomes", recent.outcomes());
        data.put("since", recent.since());
        data.put("last_seen_time", recent.lastSeen());
        return new Alert.Evidence("forgery-signal rejections from " + trigger.request().clientIp(),
                new Alert.NetworkEndpoint(trigger.request().clientIp(), location), data);
    }

    private static Map<String, Object> unmapped(Figures figures, Incident incident, BlockHistory history,
                                                boolean newBlock, TokenUsageEvent trigger) {
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("figures", figures.unmapped());
        unmapped.put("incident", Findings.incident(incident));
        if (history != null) {
            Map<String, Object> block = new LinkedHashMap<>();
            block.put("offence", history.offences());
            block.put("blocked_at", history.blockedAt());
            block.put("expires_at", history.blockedUntil());
            block.put("issued_now", newBlock);
            unmapped.put("block", block);
        }
        if (trigger.token() != null) {
            unmapped.put("unverified_token", unverifiedToken(trigger.token()));
        }
        unmapped.put("trigger_event_id", trigger.eventId());
        return unmapped;
    }

    /** What the last forged token claimed, labelled as claims: it did not verify, so none of it is trusted. */
    private static Map<String, Object> unverifiedToken(TokenUsageEvent.TokenFacts token) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("fingerprint", token.fingerprint());
        putIfPresent(claims, "alg", token.alg());
        putIfPresent(claims, "kid", token.kid());
        putIfPresent(claims, "claimed_iss", token.iss());
        putIfPresent(claims, "claimed_sub", token.sub());
        putIfPresent(claims, "claimed_jti", token.jti());
        return claims;
    }

    private static void putIfPresent(Map<String, Object> map, String name, Object value) {
        if (value != null) {
            map.put(name, value);
        }
    }

    /** Frees state event time has left behind: quiet addresses, forgotten offences, closed incidents. */
    private void forgetQuietAddresses(long wallClockMillis) {
        long window = rule.longestWindow().toMillis();
        long populationWindow = rule.rotation().populationWindow().toMillis();
        deleteWhere(rejections, recent -> recent.lastSeen() <= wallClockMillis - window);
        deleteWhere(population, seen -> seen.lastSeen() <= wallClockMillis - populationWindow);
        deleteWhere(offences, history -> !history.remembersAt(wallClockMillis, rule.offenceMemory().toMillis()));
        incidents.forgetClosed(wallClockMillis);
    }

    private static <V> void deleteWhere(KeyValueStore<String, V> store, Predicate<V> stale) {
        List<String> doomed = new ArrayList<>();
        try (KeyValueIterator<String, V> all = store.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (stale.test(entry.value)) {
                    doomed.add(entry.key);
                }
            }
        }
        doomed.forEach(store::delete);
    }
}
