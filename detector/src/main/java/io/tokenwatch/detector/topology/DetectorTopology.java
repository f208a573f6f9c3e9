package io.tokenwatch.detector.topology;

import io.tokenwatch.detector.rules.Detection;
import io.tokenwatch.detector.rules.TokenReplayProcessor;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the detector's topology from its configuration. Every processor, store and internal topic
 * is named: names are part of the upgrade contract.
 *
 * <pre>
 * tokenwatch.token-usage ─▶ token-replay-rule [token-replay-sightings] ─┬▶ alerts ─▶ tokenwatch.alerts
 *                                                                       └▶ revocations ─▶ tokenwatch.revocations
 * </pre>
 */
public final class DetectorTopology {

    private DetectorTopology() {
    }

    public static Topology build(DetectorConfig config) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, Detection> detections = builder
                .stream(Topics.TOKEN_USAGE.name(), Consumed.with(Topics.TOKEN_USAGE.keySerde(),
                                Topics.TOKEN_USAGE.valueSerde())
                        .withTimestampExtractor(new UsageEventTimestamps())
                        .withName("token-usage-source"))
                .process(TokenReplayProcessor.supplier(config.replay(), config.productVersion()),
                        Named.as("token-replay-rule"));

        detections
                .mapValues(Detection::alert, Named.as("detection-alert"))
                .to(Topics.ALERTS.name(), Produced.with(Topics.ALERTS.keySerde(), Topics.ALERTS.valueSerde())
                        .withName("alerts-sink"));

        detections
                .flatMap(DetectorTopology::revocations, Named.as("detection-revocations"))
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
