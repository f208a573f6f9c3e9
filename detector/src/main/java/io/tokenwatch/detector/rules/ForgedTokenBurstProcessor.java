package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentTracker;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.Keys;
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
 * ({@link io.tokenwatch.schemas.Outcome#isForgerySignal()}) from one client address within
 * {@link ForgedTokenBurstRule#window()} mean someone is forging or fuzzing tokens from there. Emits an
 * alert and an IP-scope block of that address, longer for each repeat offence.
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
    public static final String REJECTIONS_STORE = "forged-token-burst-rejections";
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

    private final ForgedTokenBurstRule rule;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /** {@code ip|<addr>} → forgery-signal rejections from that address still inside the window. */
    private KeyValueStore<String, RecentRejections> rejections;
    /** {@code ip|<addr>} → blocks issued to that address; kept until the offence memory after the last ends. */
    private KeyValueStore<String, BlockHistory> offences;
    /** Over store {@link #INCIDENTS_STORE}: {@code ip|<addr>} → the burst incident open about that address. */
    private IncidentTracker incidents;

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
                                new JsonSerde<>(RecentRejections.class)).withCachingEnabled(),
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
        this.incidents = new IncidentTracker(ForgedTokenBurstRule.NAME, rule.incidents(),
                context.getStateStore(INCIDENTS_STORE));
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetQuietAddresses);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (!isForgerySignal(event)) {
            return;
        }
        long now = event.eventTime();
        String address = event.request().clientIp();
        String key = Keys.ip(address);
        RecentRejections recent = rememberRejection(key, event);
        long inWindow = recent.countWithin(now, rule.window().toMillis(), rule.slotMillis());
        boolean burst = inWindow >= rule.threshold();
        Optional<Incident> open = incidents.openAt(key, now);
        if (!burst && open.isEmpty()) {
            return;
        }
        Incident incident = open
                .map(ongoing -> incidents.extend(ongoing, now, 1))
                .orElseGet(() -> incidents.open(key, recent.firstWithin(now, rule.window().toMillis(),
                        rule.slotMillis()), now, inWindow));
        Optional<Revocation> block = burst && !isBlockedAt(key, now)
                ? Optional.of(blockAddress(key, address, incident, now))
                : Optional.empty();
        Optional<Alert.Activity> activity = incidents.reportDue(incident, now, block.isPresent());
        if (activity.isEmpty()) {
            return;
        }
        Incident reported = incidents.markReported(incident, now);
        Alert alert = burstAlert(activity.get(), reported, recent, inWindow, event, offences.get(key),
                block.isPresent());
        context.forward(new Record<>(key, new Detection(alert, block.stream().toList()), record.timestamp()));
    }

    /** Rejections that a client holding a genuine token cannot cause. */
    private static boolean isForgerySignal(TokenUsageEvent event) {
        return event != null && event.outcome().isForgerySignal();
    }

    private RecentRejections rememberRejection(String key, TokenUsageEvent event) {
        RecentRejections before = rejections.get(key);
        RecentRejections after = (before == null ? RecentRejections.none() : before).withRejection(event.eventTime(),
                event.outcome(), rule.window().toMillis(), rule.slotMillis());
        rejections.put(key, after);
        return after;
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

    private Alert burstAlert(Alert.Activity activity, Incident incident, RecentRejections recent, long inWindow,
                             TokenUsageEvent trigger, BlockHistory history, boolean newBlock) {
        String address = trigger.request().clientIp();
        long windowSeconds = rule.window().toSeconds();
        String observed = inWindow + " forgery-signal rejections from " + address + " within " + windowSeconds + " s";
        Figures figures = new Figures("forgery_signal_rejections", inWindow, observed, 0,
                "a client holding a genuine token never presents one that fails the signature, algorithm or key check",
                rule.threshold(), "at least " + rule.threshold() + " within " + windowSeconds + " s from one address");
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
        long window = rule.window().toMillis();
        deleteWhere(rejections, recent -> recent.lastSeen() <= wallClockMillis - window);
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
