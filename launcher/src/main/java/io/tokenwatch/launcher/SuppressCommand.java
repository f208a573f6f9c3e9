package io.tokenwatch.launcher;

import io.tokenwatch.schemas.Suppression;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch suppress}: an analyst's "this is normal for this person, for now". Publishes a
 * suppression to {@code tokenwatch.suppressions}; until {@code --ttl} runs out, every detector counts
 * the rule's findings about the subject but neither alerts on them nor contains them. Each alert
 * names the exact command that would silence it ({@code unmapped.silence.suppress}).
 */
@Command(name = "suppress", mixinStandardHelpOptions = true,
        description = {"Suppress a rule's findings about one subject, for a while: counted, not alerted, not contained.",
                "Lift it early with tokenwatch unsuppress and the same --rule, --iss and --sub."})
final class SuppressCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    SuppressionOptions target;

    @Option(names = "--reason", required = true, description = "Why, for the record (shown to analysts).")
    String reason;

    @Option(names = "--ttl", defaultValue = "7d",
            description = "How long it lasts: 90s, 15m, 24h, 7d (default: ${DEFAULT-VALUE}).")
    String ttl;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        Duration lifetime = Durations.parse(ttl);
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("--ttl must be positive");
        }
        String key = target.key();
        long now = clock.millis();
        Suppression suppression = new Suppression(Suppression.SCHEMA_VERSION, target.rule, target.issuer,
                target.subject, now + lifetime.toMillis(), reason,
                "operator:" + System.getProperty("user.name", "unknown"), now);
        RecordMetadata written = RevocationPublisher.publish(kafka.clientProperties(), Topics.SUPPRESSIONS, key,
                suppression);
        spec.commandLine().getOut().printf("suppressed %s until %s — partition %d offset %d%n", key,
                Instant.ofEpochMilli(suppression.expiresAt()), written.partition(), written.offset());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
