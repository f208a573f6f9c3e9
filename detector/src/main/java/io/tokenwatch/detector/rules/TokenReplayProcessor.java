package io.tokenwatch.detector.rules;

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
 * Token replay: the same verified token ({@code jti}) used from {@link TokenReplayRule#minNetworks()}
 * distinct client networks within {@link TokenReplayRule#window()} means it was copied. Emits one
 * alert and one {@code jti} revocation per token, the revocation lasting until the token could no
 * longer be accepted anyway ({@code exp} plus the largest clock skew a filter allows).
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
                        new JsonSerde<>(TokenSightings.class)));
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
        TokenSightings seen = rememberUse(key, event);
        if (seen.revokedAt() == null && distinctNetworks(seen) >= rule.minNetworks()) {
            Detection detection = replayDetected(seen, event);
            sightings.put(key, seen.revoked(event.eventTime()));
            context.forward(new Record<>(record.key(), detection, record.timestamp()));
        }
    }

    /** Accepted requests with a verified token that has an id: the only evidence this rule trusts. */
    private static boolean isVerifiedUse(TokenUsageEvent event) {
        return event != null && event.outcome() == Outcome.ACCEPTED && event.hasVerifiedSubject()
                && event.token().jti() != null;
    }

    private TokenSightings rememberUse(String key, TokenUsageEvent event) {
        TokenUsageEvent.TokenFacts token = event.token();
        TokenSightings before = sightings.get(key);
        if (before == null) {
            before = new TokenSightings(token.iss(), token.jti(), token.sub(), token.expiresAt(), List.of(), null);
        }
        String ip = event.request().clientIp();
        String country = event.request().geo() == null ? null : event.request().geo().country();
        TokenSightings after = before.withUse(new TokenSightings.Use(ClientNetwork.of(ip), ip, country,
                event.eventTime()), event.eventTime() - rule.window().toMillis(), rule.maxTrackedUses());
        sightings.put(key, after);
        return after;
    }

    private static int distinctNetworks(TokenSightings seen) {
        return seen.uses().size();
    }

    private Detection replayDetected(TokenSightings seen, TokenUsageEvent trigger) {
        long now = trigger.eventTime();
        long first = seen.uses().get(0).lastSeen();
        String findingId = UUID.nameUUIDFromBytes((TokenReplayRule.NAME + "|" + seen.issuer() + "|" + seen.jti())
                .getBytes(StandardCharsets.UTF_8)).toString();
        Alert alert = Alert.detectionFinding(Alert.Activity.CREATE, Alert.Severity.HIGH, now,
                "Token used from " + seen.uses().size() + " networks within " + rule.window().toSeconds() + " s",
                productVersion,
                new Alert.FindingInfo(findingId, "Token replay from several networks",
                        "One access token was used from " + seen.uses().size() + " distinct client networks within "
                                + rule.window().toSeconds() + " s; it has been revoked.",
                        List.of(TokenReplayRule.NAME),
                        Alert.Analytic.rule(TokenReplayRule.NAME, TokenReplayRule.VERSION), first, now,
                        List.of(new Alert.Attack("15.1",
                                new Alert.Technique("T1550.001", "Application Access Token"),
                                new Alert.Tactic("TA0005", "Defense Evasion")))),
                new Alert.Actor(new Alert.User(Keys.subject(seen.issuer(), seen.subject()), seen.subject(),
                        seen.issuer())),
                evidences(seen),
                List.of(anomaly(seen)),
                unmapped(seen, trigger));
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

    private static List<Alert.Evidence> evidences(TokenSightings seen) {
        List<Alert.Evidence> evidences = new ArrayList<>();
        for (TokenSightings.Use use : seen.uses()) {
            Alert.Location location = use.country() == null ? null
                    : new Alert.Location(use.country(), null, null, null);
            evidences.add(new Alert.Evidence("token use from " + use.network(),
                    new Alert.NetworkEndpoint(use.ip(), location),
                    Map.of("network", use.network(), "last_seen_time", use.lastSeen())));
        }
        return evidences;
    }

    private Alert.AnomalyAnalysis anomaly(TokenSightings seen) {
        List<String> networks = seen.uses().stream().map(TokenSightings.Use::network).toList();
        return new Alert.AnomalyAnalysis(
                List.of(new Alert.Anomaly("distinct_client_networks", "count",
                        List.of(new Alert.Observation(Integer.toString(networks.size()), networks.size())),
                        String.join(", ", networks))),
                List.of(new Alert.Anomaly("distinct_client_networks", "threshold",
                        List.of(new Alert.Observation(Integer.toString(rule.minNetworks()), rule.minNetworks())),
                        "at least " + rule.minNetworks() + " networks within " + rule.window().toSeconds()
                                + " s; a token normally stays on one")),
                List.of(new Alert.AnalysisTarget(Keys.jti(seen.issuer(), seen.jti()), "Access Token")));
    }

    private static Map<String, Object> unmapped(TokenSightings seen, TokenUsageEvent trigger) {
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("iss", seen.issuer());
        token.put("sub", seen.subject());
        token.put("jti", seen.jti());
        token.put("fingerprint", trigger.token().fingerprint());
        if (seen.expiresAt() != null) {
            token.put("expires_at", seen.expiresAt());
        }
        Map<String, Object> unmapped = new LinkedHashMap<>();
        unmapped.put("token", token);
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
