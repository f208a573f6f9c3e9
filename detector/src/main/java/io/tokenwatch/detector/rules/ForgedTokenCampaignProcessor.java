package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.Incident;
import io.tokenwatch.detector.incident.IncidentTracker;
import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
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

/**
 * Forged tokens aggregated across addresses ({@link ForgedTokenBurstRule.Campaign}), alert only.
 * Forgery-signal events are keyed by their address ({@code ip|<addr>}); {@link #claims} re-keys each
 * one by what it claims, {@code claimed-sub|<iss>|<sub>} and {@code claimed-key|<kid>|<alg>}, and a
 * named repartition topic brings all events of one claim to one task. Per claim, this processor counts
 * rejections, distinct client networks (/24, /48: {@link ClientNetwork}) and distinct claimed subjects
 * over the campaign window, and alerts when enough networks took part: a victim named from hundreds of addresses each below its own
 * threshold, or one forged key id or algorithm tried from everywhere.
 *
 * <p>Nothing here is ever contained. The subject is the sender's word (DESIGN.md §4: acting on it
 * would let anyone lock a victim out), and the addresses are many and each below the per-address
 * threshold, where {@link ForgedTokenBurstProcessor} keeps the only block this family issues. The
 * alert names no actor; the claims are in {@code unmapped} labelled as claims.
 *
 * <p>A {@code kid} aggregate that is almost all {@code unknown_key} and names many distinct subjects
 * is an issuer signing with a key the filters lack, seen by its users everywhere: it is reported as
 * {@link ForgedTokenBurstRule#KEY_ROTATION}, for the operator.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class ForgedTokenCampaignProcessor implements Processor<String, TokenUsageEvent, String, Detection> {

    /** Store names; part of the upgrade contract (their changelog topics derive from them). */
    public static final String TALLIES_STORE = "forged-token-campaign-tallies";
    public static final String INCIDENTS_STORE = "forged-token-campaign-incidents";
    /** The rule name of the campaign findings. */
    public static final String NAME = "forged_token_campaign";
    static final String SUBJECT_PREFIX = "claimed-sub|";
    static final String KEY_PREFIX = "claimed-key|";
    private static final String NONE = "(none)";
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    private static final List<Alert.Attack> ATTACKS = List.of(
            new Alert.Attack("15.1", new Alert.Technique("T1606", "Forge Web Credentials"),
                    new Alert.Tactic("TA0006", "Credential Access")),
            new Alert.Attack("15.1", new Alert.Technique("T1110", "Brute Force"),
                    new Alert.Tactic("TA0006", "Credential Access")));

    private final ForgedTokenBurstRule.Campaign rule;
    private final ForgedTokenBurstRule burstRule;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /** Claim key ({@code claimed-sub|…} or {@code claimed-key|…}) → its tally within the campaign window. */
    private KeyValueStore<String, ClaimTally> tallies;
    /** Over store {@link #INCIDENTS_STORE}: claim key → the campaign incident open about it. */
    private IncidentTracker incidents;

    private ForgedTokenCampaignProcessor(ForgedTokenBurstRule rule, String productVersion) {
        this.burstRule = rule;
        this.rule = rule.campaign();
        this.productVersion = productVersion;
    }

    public static ProcessorSupplier<String, TokenUsageEvent, String, Detection> supplier(ForgedTokenBurstRule rule,
                                                                                      String productVersion) {
        Objects.requireNonNull(rule, "rule");
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, TokenUsageEvent, String, Detection> get() {
                return new ForgedTokenCampaignProcessor(rule, productVersion);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(
                        // Written on every forged request of a flood: cached, one changelog write per
                        // claim per commit.
                        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TALLIES_STORE), Serdes.String(),
                                new JsonSerde<>(ClaimTally.class)).withCachingEnabled(),
                        IncidentTracker.storeBuilder(INCIDENTS_STORE));
            }
        };
    }

    /**
     * The claims a forgery-signal event makes, as records keyed by claim for the repartition topic:
     * its claimed subject (when it names one) and its claimed {@code kid}/{@code alg} (when it names
     * either). Any other event makes none.
     */
    public static List<KeyValue<String, TokenUsageEvent>> claims(String key, TokenUsageEvent event) {
        if (event == null || !event.outcome().isForgerySignal() || event.token() == null) {
            return List.of();
        }
        TokenUsageEvent.TokenFacts token = event.token();
        List<KeyValue<String, TokenUsageEvent>> out = new ArrayList<>(2);
        if (token.sub() != null) {
            out.add(KeyValue.pair(SUBJECT_PREFIX + orNone(token.iss()) + "|" + token.sub(), event));
        }
        if (token.kid() != null || token.alg() != null) {
            out.add(KeyValue.pair(KEY_PREFIX + orNone(token.kid()) + "|" + orNone(token.alg()), event));
        }
        return out;
    }

    private static String orNone(String value) {
        return value == null ? NONE : value;
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.tallies = context.getStateStore(TALLIES_STORE);
        this.incidents = new IncidentTracker(NAME, burstRule.incidents(), context.getStateStore(INCIDENTS_STORE));
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetQuietClaims);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        String claim = record.key();
        TokenUsageEvent event = record.value();
        if (claim == null || event == null || event.token() == null) {
            return;
        }
        long now = event.eventTime();
        ClaimTally tally = remember(claim, event);
        long window = rule.window().toMillis();
        long rejections = tally.rejections().countWithin(now, window, rule.slotMillis());
        int addresses = tally.addresses().countWithin(now, window);
        Optional<Incident> open = incidents.openAt(claim, now);
        boolean campaign = addresses >= rule.minAddresses() && rejections >= rule.minRejections();
        if (!campaign && open.isEmpty()) {
            return;
        }
        Incident incident = open.map(ongoing -> incidents.extend(ongoing, now, 1))
                .orElseGet(() -> incidents.open(claim, tally.rejections().firstWithin(now, window,
                        rule.slotMillis()), now, rejections));
        Optional<Alert.Activity> activity = incidents.reportDue(incident, now, false);
        if (activity.isEmpty()) {
            return;
        }
        Incident reported = incidents.markReported(incident, now);
        Alert alert = campaignAlert(activity.get(), reported, claim, tally, rejections, addresses, event);
        // Alert only, whatever any policy says: the claim is unverified and the addresses are many.
        context.forward(new Record<>(claim, new Detection(alert, List.of()), record.timestamp()));
    }

    private ClaimTally remember(String claim, TokenUsageEvent event) {
        ClaimTally before = Objects.requireNonNullElse(tallies.get(claim), ClaimTally.none());
        long time = event.eventTime();
        long window = rule.window().toMillis();
        TokenUsageEvent.TokenFacts token = event.token();
        DistinctSightings subjects = token.sub() == null ? before.subjects()
                : before.subjects().with(DistinctSightings.id(orNone(token.iss()) + "|" + token.sub()), time, window,
                rule.cap());
        ClaimTally after = new ClaimTally(
                before.rejections().withRejection(time, event.outcome(), window, rule.slotMillis()),
                // Networks (/24, /48), not addresses: a phone hopping across its carrier's NAT pool
                // stays within a few, a botnet spans hundreds.
                before.addresses().with(DistinctSightings.id(ClientNetwork.of(event.request().clientIp())), time,
                        window, rule.cap()),
                subjects);
        tallies.put(claim, after);
        return after;
    }

    /** A {@code kid} aggregate that is an issuer's rotation seen by many users, not forgery. */
    private boolean isKeyRotation(String claim, ClaimTally tally, long now) {
        if (!claim.startsWith(KEY_PREFIX)) {
            return false;
        }
        Map<String, Long> outcomes = tally.rejections().outcomes();
        long total = outcomes.values().stream().mapToLong(Long::longValue).sum();
        long unknownKey = outcomes.getOrDefault(Outcome.UNKNOWN_KEY.wire(), 0L);
        return total > 0 && unknownKey >= burstRule.rotation().unknownKeyShare() * total
                && tally.subjects().countWithin(now, rule.window().toMillis()) >= rule.manySubjects();
    }

    private Alert campaignAlert(Alert.Activity activity, Incident incident, String claim, ClaimTally tally,
                                long rejections, int addresses, TokenUsageEvent trigger) {
        boolean bySubject = claim.startsWith(SUBJECT_PREFIX);
        boolean rotation = isKeyRotation(claim, tally, trigger.eventTime());
        TokenUsageEvent.TokenFacts token = trigger.token();
        String window = Findings.describe(rule.window());
        String what = bySubject ? "naming subject " + token.sub()
                : "claiming kid " + orNone(token.kid()) + ", alg " + orNone(token.alg());
        int subjects = tally.subjects().countWithin(trigger.eventTime(), rule.window().toMillis());
        String observed = rejections + " forgery-signal rejections " + what + " from " + addresses
                + (addresses >= rule.cap() ? "+" : "") + " networks within " + window
                + (bySubject ? "" : " (" + subjects + " claimed subjects)");
        Figures figures = new Figures("forgery_signal_networks", addresses, observed, 0,
                bySubject ? "a subject's own clients present tokens that verify"
                        : "clients present tokens signed with keys and algorithms the filters hold",
                rule.minAddresses(), "at least " + rule.minAddresses() + " networks and " + rule.minRejections()
                + " rejections within " + window);
        String ruleName = rotation ? ForgedTokenBurstRule.KEY_ROTATION : NAME;
        String title = rotation ? "Signing key rotation suspected"
                : bySubject ? "Forged tokens naming one subject from many addresses"
                : "Forged tokens claiming one key or algorithm from many addresses";
        String desc = rotation
                ? "Tokens of many subjects naming a key id the filters do not hold arrive from many addresses: "
                        + "an issuer signing with a new key before the filters were given it. Nothing is blocked."
                : "Tokens that failed signature, algorithm or key checks arrive from many addresses, each perhaps "
                        + "below its own threshold, " + (bySubject ? "all naming one subject: someone is trying "
                        + "to impersonate it. The subject is the sender's claim and is not acted on."
                        : "all claiming one key id or algorithm: a coordinated forgery attempt.")
                        + " Alert only.";
        Map<String, Object> claims = new LinkedHashMap<>();
        if (bySubject) {
            putIfPresent(claims, "claimed_iss", token.iss());
            claims.put("claimed_sub", token.sub());
        } else {
            putIfPresent(claims, "kid", token.kid());
            putIfPresent(claims, "alg", token.alg());
            claims.put("claimed_subjects", subjects);
        }
        Map<String, Object> data = new LinkedHashMap<>(claims);
        data.put("outcomes", tally.rejections().outcomes());
        data.put("networks", addresses);
        data.put("since", tally.rejections().since());
        data.put("last_seen_time", tally.rejections().lastSeen());
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("figures", figures.unmapped());
        unmapped.put("incident", Findings.incident(incident));
        unmapped.put("response", Findings.response(Set.of(ResponseAction.ALERT), List.of()));
        unmapped.put("unverified_claims", claims);
        unmapped.put("trigger_event_id", trigger.eventId());
        return Alert.detectionFinding(activity, rotation ? Alert.Severity.LOW : Alert.Severity.MEDIUM,
                trigger.eventTime(),
                observed + (activity == Alert.Activity.UPDATE ? "; " + incident.count() + " since the incident began"
                        : ""),
                productVersion,
                new Alert.FindingInfo(incident.uid(), title, desc, List.of(ruleName),
                        Alert.Analytic.rule(ruleName, ForgedTokenBurstRule.VERSION),
                        incident.firstSeen(), incident.lastSeen(), rotation ? List.of() : ATTACKS),
                // No actor: nobody trustworthy is named by a token that did not verify.
                null,
                List.of(new Alert.Evidence("forgery-signal rejections " + what + ", latest from "
                        + trigger.request().clientIp(), new Alert.NetworkEndpoint(trigger.request().clientIp(),
                        null), data)),
                List.of(figures.analysis(new Alert.AnalysisTarget(claim, bySubject ? "Claimed User" : "Claimed Key"))),
                unmapped);
    }

    private static void putIfPresent(Map<String, Object> map, String name, Object value) {
        if (value != null) {
            map.put(name, value);
        }
    }

    /** Frees claims quiet for a whole window and closed incidents. */
    private void forgetQuietClaims(long wallClockMillis) {
        long horizon = wallClockMillis - rule.window().toMillis();
        List<String> quiet = new ArrayList<>();
        try (KeyValueIterator<String, ClaimTally> all = tallies.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value.rejections().lastSeen() <= horizon) {
                    quiet.add(entry.key);
                }
            }
        }
        quiet.forEach(tallies::delete);
        incidents.forgetClosed(wallClockMillis);
    }
}
