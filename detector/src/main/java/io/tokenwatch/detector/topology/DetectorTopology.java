package io.tokenwatch.detector.topology;

import io.tokenwatch.detector.control.ControlGate;
import io.tokenwatch.detector.control.Suppressions;
import io.tokenwatch.detector.ecs.EcsAlertProjection;
import io.tokenwatch.detector.explain.RecentAlertsProcessor;
import io.tokenwatch.detector.revocation.LatestRevocations;
import io.tokenwatch.detector.revocation.RevocationExpiryProcessor;
import io.tokenwatch.detector.rules.AnomalousTokenProcessor;
import io.tokenwatch.detector.rules.Detection;
import io.tokenwatch.detector.rules.FailureBurstProcessor;
import io.tokenwatch.detector.rules.ForgedTokenBurstProcessor;
import io.tokenwatch.detector.rules.ForgedTokenCampaignProcessor;
import io.tokenwatch.detector.rules.RevokedTokenUseProcessor;
import io.tokenwatch.detector.rules.TokenReplayProcessor;
import io.tokenwatch.detector.rules.UserProfileProcessor;
import io.tokenwatch.detector.rules.VerifiedAddressSightings;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the detector's topology from its configuration. Every processor, store and internal topic
 * is named: names are part of the upgrade contract. Most rules keep state under the input record's
 * key (subject or address) or something derived from it. Two branches repartition, both named: the
 * forged-token claims (forgery-signal events re-keyed by claimed subject and by claimed kid/alg, to
 * count them across addresses) and the verified-address sightings (accepted requests re-keyed by
 * address, at most once per subject and address per quarter hour, so the burst rule knows which
 * addresses carry many verified users). Their outputs merge back into the one stream of detections.
 * Besides it, a global store follows what {@code tokenwatch.revocations} holds, so the detector never
 * weakens a live revocation someone else published there (it merges with it or leaves it be) and
 * never lifts one someone else has since renewed.
 *
 * <pre>
 * tokenwatch.token-usage ─▶ token-usage-source ─▶ event-time-check (implausible event_time: DLQ)
 *   ├▶ verified-address-sightings ─▶ [forged-token-burst-address-sightings repartition]
 *   │                                   └──────────▶ merge-address-sightings ◀── token-usage-source
 *   │                                                  │
 *   │     forged-token-burst-rule ◀─────────────────────┘
 *   │       [forged-token-burst-address-rejections, forged-token-burst-address-subjects,
 *   │        forged-token-burst-offences, forged-token-burst-incidents] ──────▶ merge-forged-token-burst
 *   ├▶ token-replay-rule [token-replay-sightings] ────────────────────────────▶ merge-forged-token-burst
 *   ├▶ forged-token-claims-by-claim ─▶ [forged-token-claims repartition]
 *   │     ─▶ forged-token-campaign-rule [forged-token-campaign-tallies,
 *   │                                    forged-token-campaign-incidents] ───▶ merge-forged-token-campaign
 *   ├▶ revoked-token-use-rule [revoked-token-use-incidents] ──────────────────▶ merge-revoked-token-use
 *   ├▶ anomalous-token-rule [anomalous-token-incidents, anomalous-token-issuer-lifetimes,
 *   │                        anomalous-token-subjects] ────────────────────────▶ merge-anomalous-token
 *   ├▶ verified-failure-burst-rule [verified-failure-burst-tokens,
 *   │                               verified-failure-burst-incidents] ─────────▶ merge-verified-failure-burst
 *   └▶ user-profile-rules [user-profiles, user-profile-incidents] ────────────▶ merge-user-profile-rules
 *   (each merge-… takes the stream merged so far and adds one rule's detections, in the order above)
 *
 * merge-user-profile-rules (every detection)
 *   ▼
 * control-gate: operators' controls (ControlGate): observed, suppressed and allow-listed findings are
 *   │           counted and stop here; audit mode withholds all containment (listed in the alert as
 *   │           would_issue); every alert gains unmapped.response.mode and unmapped.silence
 *   ├▶ detection-alert ─▶ alerts-sink ─▶ tokenwatch.alerts
 *   ├▶ detection-ecs ─▶ alerts-ecs-sink ─▶ the ECS topic (only when configured)
 *   ├▶ detection-metrics (counts alerts and revocations by rule)
 *   ├▶ subject-recent-alerts-update [subject-recent-alerts] (for the explain endpoint)
 *   └▶ detection-revocations ─▶ revocation-expiry [issued-revocation-expiries] ─▶ revocations-sink
 *                                 as issued, merged with the live value in [revocations-latest], or not
 *                                 at all if that already covers it
 *                                 + a tombstone per void revocation (wall clock) ─▶ tokenwatch.revocations
 *                                   if the topic's latest value, in [revocations-latest], is void too
 *
 * global (every instance, every partition):
 * tokenwatch.revocations ─▶ revocations-latest-source ─▶ revocations-latest [revocations-latest]
 * tokenwatch.suppressions ─▶ suppressions-latest-source ─▶ suppressions-latest [suppressions-latest]
 * </pre>
 */
public final class DetectorTopology {

    private DetectorTopology() {
    }

    public static Topology build(DetectorConfig config) {
        return build(config, DetectionListener.NONE);
    }

    /**
     * The topology, telling {@code listener} of every published detection (e.g. to count alerts by rule)
     * and of what the control gate did.
     */
    public static Topology build(DetectorConfig config, DetectionListener listener) {
        Objects.requireNonNull(listener, "listener");
        StreamsBuilder builder = new StreamsBuilder();
        LatestRevocations.addTo(builder);
        Suppressions.addTo(builder, listener);
        KStream<String, TokenUsageEvent> usage = builder
                .stream(Topics.TOKEN_USAGE.name(), Consumed.with(Topics.TOKEN_USAGE.keySerde(),
                                Topics.TOKEN_USAGE.valueSerde())
                        .withTimestampExtractor(new UsageEventTimestamps(config.eventTimes(), Clock.systemUTC()))
                        .withName("token-usage-source"))
                // An event the extractor refused for its time goes to the DLQ here, before any rule or store.
                .processValues(() -> new EventTimeCheck(config.eventTimes()), Named.as("event-time-check"));

        KStream<String, Detection> replays = usage.process(
                TokenReplayProcessor.supplier(config.replay(), config.productVersion()),
                Named.as("token-replay-rule"));
        // Verified subjects seen per address, re-keyed ip|<addr> (a few records per user per hour), so the
        // burst rule can tell a corporate NAT's key-rotation failures from forgery.
        KStream<String, TokenUsageEvent> addressSightings = usage
                .process(VerifiedAddressSightings.supplier(config.forgedTokenBurst()),
                        Named.as("verified-address-sightings"))
                .repartition(Repartitioned.with(Topics.TOKEN_USAGE.keySerde(), Topics.TOKEN_USAGE.valueSerde())
                        .withName("forged-token-burst-address-sightings"));
        KStream<String, Detection> forgedTokenBursts = usage
                .merge(addressSightings, Named.as("merge-address-sightings"))
                .process(ForgedTokenBurstProcessor.supplier(config.forgedTokenBurst(), config.productVersion()),
                        Named.as("forged-token-burst-rule"));
        // Forged tokens re-keyed by what they claim (subject; kid/alg), aggregated across addresses.
        KStream<String, Detection> forgedTokenCampaigns = usage
                .flatMap(ForgedTokenCampaignProcessor::claims, Named.as("forged-token-claims-by-claim"))
                .repartition(Repartitioned.with(Topics.TOKEN_USAGE.keySerde(), Topics.TOKEN_USAGE.valueSerde())
                        .withName("forged-token-claims"))
                .process(ForgedTokenCampaignProcessor.supplier(config.forgedTokenBurst(), config.productVersion()),
                        Named.as("forged-token-campaign-rule"));
        KStream<String, Detection> revokedTokenUses = usage.process(
                RevokedTokenUseProcessor.supplier(config.revokedTokenUse(), config.productVersion()),
                Named.as("revoked-token-use-rule"));
        KStream<String, Detection> anomalousTokens = usage.process(
                AnomalousTokenProcessor.supplier(config.anomalousToken(), config.userProfile(), config.productVersion()),
                Named.as("anomalous-token-rule"));
        KStream<String, Detection> failureBursts = usage.process(
                FailureBurstProcessor.supplier(config.failureBurst(), config.userProfile(), config.productVersion()),
                Named.as("verified-failure-burst-rule"));
        KStream<String, Detection> profileFindings = usage.process(
                UserProfileProcessor.supplier(config.userProfile(), config.productVersion()),
                Named.as("user-profile-rules"));

        KStream<String, Detection> detections = replays
                .merge(forgedTokenBursts, Named.as("merge-forged-token-burst"))
                .merge(forgedTokenCampaigns, Named.as("merge-forged-token-campaign"))
                .merge(revokedTokenUses, Named.as("merge-revoked-token-use"))
                .merge(anomalousTokens, Named.as("merge-anomalous-token"))
                .merge(failureBursts, Named.as("merge-verified-failure-burst"))
                .merge(profileFindings, Named.as("merge-user-profile-rules"));

        // Every output reads the gated stream, so no output can disagree with another about a finding.
        KStream<String, Detection> gated = detections.process(ControlGate.supplier(config.controls(), listener),
                Named.as("control-gate"));

        gated
                .mapValues(Detection::alert, Named.as("detection-alert"))
                .to(Topics.ALERTS.name(), Produced.with(Topics.ALERTS.keySerde(), Topics.ALERTS.valueSerde())
                        .withName("alerts-sink"));

        gated.peek((key, detection) -> listener.detected(detection), Named.as("detection-metrics"));
        gated.process(RecentAlertsProcessor.supplier(), Named.as("subject-recent-alerts-update"));
        if (config.ecsTopic() != null) {
            gated
                    .mapValues(detection -> EcsAlertProjection.toJson(detection.alert()), Named.as("detection-ecs"))
                    .to(config.ecsTopic(), Produced.with(Serdes.String(), Serdes.ByteArray())
                            .withName("alerts-ecs-sink"));
        }

        gated
                .flatMap(DetectorTopology::revocations, Named.as("detection-revocations"))
                .process(RevocationExpiryProcessor.supplier(config.tombstoneInterval()), Named.as("revocation-expiry"))
                .to(Topics.REVOCATIONS.name(), Produced.with(Topics.REVOCATIONS.keySerde(),
                        Topics.REVOCATIONS.valueSerde()).withName("revocations-sink"));
        return builder.build(config.streamsProperties());
    }

    private static List<KeyValue<String, Revocation>> revocations(String key, Detection detection) {
        List<KeyValue<String, Revocation>> out = new ArrayList<>();
        for (Revocation revocation : detection.revocations()) {
            out.add(KeyValue.pair(revocation.key(), revocation));
        }
        return out;
    }
}
