package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.profile.NetworkIdentity;
import io.tokenwatch.schemas.Alert;
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

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Token replay: the same verified token ({@code jti}) used within {@link TokenReplayRule#window()}
 * from {@link TokenReplayRule#minNetworks()} distinct client networks, or from
 * {@link TokenReplayRule#minDevices()} distinct device ids, or from
 * {@link TokenReplayRule#minCountries()} distinct countries, means it was copied. Networks are counted
 * as the profile counts them ({@link NetworkIdentity}: ASNs; /24s only on home lines), so a phone
 * moving across its carrier's NAT pool, or a service behind several cloud egress addresses sharing one
 * cached token, is one network. Emits one alert per token; the token is revoked only when two
 * independent signs agree — two dimensions, or one plus a return to an earlier network after another
 * (A, B, A: two holders taking turns) — the revocation lasting until the token could no longer be
 * accepted anyway ({@code exp} plus the largest clock skew a filter allows). The alert names every
 * dimension that fired with its observed value and threshold, and whether it was corroborated.
 *
 * <p>Only events whose signature verified count: a forged token naming a victim's {@code jti} or
 * {@code sub} never reaches this state (DESIGN.md §4). Events are keyed by subject, so all uses of
 * one token arrive at one task and no repartition is needed.
 *
 * <p>Not thread-safe; Kafka Streams gives each task its own instance.
 */
public final class TokenReplayProcessor implements Processor<String, TokenUsageEvent, String, Detection> {

    /** Name of the state store; part of the upgrade contract (its changelog topic derives from it). */
    public static final String STORE = "token-replay-sightings";
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);

    private final TokenReplayRule rule;
    private final String productVersion;
    private ProcessorContext<String, Detection> context;
    /** {@code jti|iss|jti} → recent uses of that token and whether it was revoked. */
    private KeyValueStore<String, TokenSightings> sightings;

    TokenReplayProcessor(TokenReplayRule rule, String productVersion) {
        this.rule = rule;
        this.productVersion = productVersion;
    }

    /** The supplier that declares this processor's store, so the topology wires it by itself. */
    public static ProcessorSupplier<String, TokenUsageEvent, String, Detection> supplier(TokenReplayRule rule,
                                                                                      String productVersion) {
        Objects.requireNonNull(rule, "rule");
        return new ProcessorSupplier<>() {
            @Override
            public Processor<String, TokenUsageEvent, String, Detection> get() {
                return new TokenReplayProcessor(rule, productVersion);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        new TokenSightingsSerde()));
            }
        };
    }

    @Override
    public void init(ProcessorContext<String, Detection> context) {
        this.context = context;
        this.sightings = context.getStateStore(STORE);
        context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetQuietTokens);
    }

    @Override
    public void process(Record<String, TokenUsageEvent> record) {
        TokenUsageEvent event = record.value();
        if (!isVerifiedUse(event)) {
            return;
        }
        String key = Keys.jti(event.token().iss(), event.token().jti());
        NetworkIdentity network = ClientNetwork.of(event.request());
        TokenSightings before = sightings.get(key);
        boolean returned = before != null && isReturn(before, network.id(), event.eventTime());
        TokenSightings seen = rememberUse(key, before, network, event);
        List<Dimension> fired = seen.revokedAt() == null ? firedDimensions(seen) : List.of();
        if (!fired.isEmpty()) {
            List<Dimension> backing = new ArrayList<>(fired);
            if (returned) {
                backing.add(new Dimension("network_returns", "returns to an earlier network", 1, 1,
                        List.of(network.id())));
            }
            // One dimension alone (three networks, say) may be a client on the move: alert, do not revoke.
            boolean corroborated = backing.size() >= 2;
            if (seen.alertedAt() != null && !corroborated) {
                return;
            }
            Detection detection = replayDetected(seen, backing, event, corroborated);
            long now = event.eventTime();
            sightings.put(key, corroborated ? seen.revoked(now) : seen.alerted(now));
            context.forward(new Record<>(record.key(), detection, record.timestamp()));
        }
    }

    /**
     * Whether a use from {@code network} at {@code now} returns to a network the token was used from
     * before, after a use from another network within the window: two holders taking turns (A, B, A).
     */
    private boolean isReturn(TokenSightings before, String network, long now) {
        long since = now - rule.window().toMillis();
        Long here = null;
        for (TokenSightings.Use u : before.uses()) {
            if (u.network().equals(network) && u.lastSeen() >= since) {
                here = u.lastSeen();
            }
        }
        if (here == null) {
            return false;
        }
        for (TokenSightings.Use u : before.uses()) {
            // At or after: two uses in one millisecond have no order to tell, and A, B, A within one
            // millisecond is no honest client's network switch.
            if (!u.network().equals(network) && u.lastSeen() >= here) {
                return true;
            }
        }
        return false;
    }

    /** Accepted requests with a verified token that has an id: the only evidence this rule trusts. */
    private static boolean isVerifiedUse(TokenUsageEvent event) {
        return event != null && event.outcome() == Outcome.ACCEPTED && event.hasVerifiedSubject()
                && event.token().jti() != null;
    }

    private TokenSightings rememberUse(String key, TokenSightings before, NetworkIdentity network,
                                       TokenUsageEvent event) {
        TokenUsageEvent.TokenFacts token = event.token();
        if (before == null) {
            before = TokenSightings.first(token.iss(), token.jti(), token.sub(), token.expiresAt());
        }
        String ip = event.request().clientIp();
        String country = event.request().geo() == null ? null : event.request().geo().country();
        TokenSightings after = before.withUse(new TokenSightings.Use(network.id(), ip, country,
                event.eventTime()), event.request().deviceId(), event.eventTime() - rule.window().toMillis(),
                rule.maxTrackedUses());
        sightings.put(key, after);
        return after;
    }

    /**
     * One way of telling copies of a token apart, with what was seen and the threshold.
     *
     * @param parameter the OCSF anomaly parameter, e.g. {@code distinct_devices}
     * @param noun      what is counted, plural, for people
     * @param observed  distinct values seen within the window
     * @param threshold the value at or above which the rule fires
     * @param values    the distinct values, oldest first
     */
    private record Dimension(String parameter, String noun, int observed, int threshold, List<String> values) {
        boolean fires() {
            return threshold > 0 && observed >= threshold;
        }
    }

    /** Every dimension whose distinct count within the window reached its threshold. */
    private List<Dimension> firedDimensions(TokenSightings seen) {
        List<Dimension> all = List.of(
                new Dimension("distinct_client_networks", "networks", seen.uses().size(), rule.minNetworks(),
                        seen.uses().stream().map(TokenSightings.Use::network).toList()),
                new Dimension("distinct_devices", "devices", seen.devices().size(), rule.minDevices(),
                        seen.devices().stream().map(TokenSightings.Seen::value).toList()),
                new Dimension("distinct_countries", "countries", seen.countries().size(), rule.minCountries(),
                        seen.countries().stream().map(TokenSightings.Seen::value).toList()));
        return all.stream().filter(Dimension::fires).toList();
    }

    private Detection replayDetected(TokenSightings seen, List<Dimension> fired, TokenUsageEvent trigger,
                                     boolean corroborated) {
        long now = trigger.eventTime();
        long first = seen.firstSeen();
        String findingId = UUID.nameUUIDFromBytes((TokenReplayRule.NAME + "|" + seen.issuer() + "|" + seen.jti())
                .getBytes(StandardCharsets.UTF_8)).toString();
        String window = rule.window().toSeconds() + " s";
        String observed = fired.stream().map(d -> d.observed() + " " + d.noun()).reduce((a, b) -> a + ", " + b)
                .orElseThrow();
        Alert.Activity activity = seen.alertedAt() == null ? Alert.Activity.CREATE : Alert.Activity.UPDATE;
        Alert alert = Alert.detectionFinding(activity, Alert.Severity.HIGH, now,
                "Token used from " + observed + " within " + window,
                productVersion,
                new Alert.FindingInfo(findingId, "Token replay from several " + fired.get(0).noun(),
                        "One access token was used from " + observed + " within " + window
                                + "; a token normally stays with the one client it was issued to. "
                                + (corroborated ? "Two independent signs agree: it has been revoked."
                                : "One sign alone: not revoked (a client on the move can look like this)."),
                        List.of(TokenReplayRule.NAME),
                        Alert.Analytic.rule(TokenReplayRule.NAME, TokenReplayRule.VERSION), first, now,
                        List.of(new Alert.Attack("15.1",
                                new Alert.Technique("T1550.001", "Application Access Token"),
                                new Alert.Tactic("TA0005", "Defense Evasion")))),
                new Alert.Actor(new Alert.User(Keys.subject(seen.issuer(), seen.subject()), seen.subject(),
                        seen.issuer())),
                evidences(seen, fired),
                List.of(anomaly(seen, fired)),
                unmapped(seen, fired, trigger, corroborated));
        if (!corroborated) {
            return new Detection(alert, List.of());
        }
        Revocation revocation = Revocation.blockToken(seen.issuer(), seen.jti(), revokeUntil(seen, now),
                TokenReplayRule.NAME, findingId, now);
        return new Detection(alert, List.of(revocation));
    }

    /** Until the token could no longer pass any filter: {@code exp} plus the largest allowed skew. */
    private long revokeUntil(TokenSightings seen, long now) {
        long until = seen.expiresAt() == null ? now + rule.fallbackTtl().toMillis()
                : seen.expiresAt() + rule.maxClockSkew().toMillis();
        return Math.max(until, now + 1);
    }

    private static List<Alert.Evidence> evidences(TokenSightings seen, List<Dimension> fired) {
        List<Alert.Evidence> evidences = new ArrayList<>();
        for (TokenSightings.Use use : seen.uses()) {
            Alert.Location location = use.country() == null ? null
                    : new Alert.Location(use.country(), null, null, null);
            evidences.add(new Alert.Evidence("token use from " + use.network(),
                    new Alert.NetworkEndpoint(use.ip(), location),
                    Map.of("network", use.network(), "last_seen_time", use.lastSeen())));
        }
        if (fired.stream().anyMatch(d -> d.parameter().equals("distinct_devices"))) {
            for (TokenSightings.Seen device : seen.devices()) {
                evidences.add(new Alert.Evidence("token use on device " + device.value(),
                        new Alert.NetworkEndpoint(device.ip(), null),
                        Map.of("device_id", device.value(), "last_seen_time", device.lastSeen())));
            }
        }
        return evidences;
    }

    private Alert.AnomalyAnalysis anomaly(TokenSightings seen, List<Dimension> fired) {
        List<Alert.Anomaly> observed = new ArrayList<>();
        List<Alert.Anomaly> thresholds = new ArrayList<>();
        String window = rule.window().toSeconds() + " s";
        for (Dimension d : fired) {
            observed.add(new Alert.Anomaly(d.parameter(), "count",
                    List.of(new Alert.Observation(Integer.toString(d.observed()), d.observed())),
                    String.join(", ", d.values())));
            thresholds.add(new Alert.Anomaly(d.parameter(), "threshold",
                    List.of(new Alert.Observation(Integer.toString(d.threshold()), d.threshold())),
                    "at least " + d.threshold() + " " + d.noun() + " within " + window
                            + "; a token normally stays on one"));
        }
        return new Alert.AnomalyAnalysis(observed, thresholds,
                List.of(new Alert.AnalysisTarget(Keys.jti(seen.issuer(), seen.jti()), "Access Token")));
    }

    private static Map<String, Object> unmapped(TokenSightings seen, List<Dimension> fired, TokenUsageEvent trigger,
                                                boolean corroborated) {
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("iss", seen.issuer());
        token.put("sub", seen.subject());
        token.put("jti", seen.jti());
        token.put("fingerprint", trigger.token().fingerprint());
        if (seen.expiresAt() != null) {
            token.put("expires_at", seen.expiresAt());
        }
        List<Map<String, Object>> dimensions = new ArrayList<>();
        for (Dimension d : fired) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("dimension", d.noun());
            one.put("observed", d.observed());
            one.put("threshold", d.threshold());
            one.put("values", d.values());
            dimensions.add(one);
        }
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("token", token);
        unmapped.put("fired", dimensions);
        unmapped.put("corroborated", corroborated);
        unmapped.put("trigger_event_id", trigger.eventId());
        return unmapped;
    }

    /** Drops tokens with no use inside the window; replays need recent uses, so they can go. */
    private void forgetQuietTokens(long wallClockMillis) {
        long horizon = wallClockMillis - rule.window().toMillis();
        List<String> quiet = new ArrayList<>();
        try (KeyValueIterator<String, TokenSightings> all = sightings.all()) {
            while (all.hasNext()) {
                var entry = all.next();
                if (entry.value.lastSeen() < horizon) {
                    quiet.add(entry.key);
                }
            }
        }
        quiet.forEach(sightings::delete);
    }
}
