package io.tokenwatch.launcher;

import io.tokenwatch.schemas.Revocation;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch revoke}: an analyst's containment. Publishes a revocation every filter applies
 * within a second; it lasts {@code --ttl}, after which filters ignore it.
 */
@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke a token (--jti), a subject (--sub) or block an address (--ip) at every filter.")
final class RevokeCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    ScopeOptions scope;

    @Option(names = "--reason", required = true, description = "Why, for the record (shown to analysts, never to clients).")
    String reason;

    @Option(names = "--ttl", defaultValue = "24h",
            description = "How long it lasts: 90s, 15m, 24h, 7d (default: ${DEFAULT-VALUE}).")
    String ttl;

    @Option(names = "--action", defaultValue = "block",
            description = "block or throttle (default: ${DEFAULT-VALUE}).")
    String action;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        Duration lifetime = Durations.parse(ttl);
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("--ttl must be positive");
        }
        Revocation.Action act = Revocation.Action.fromWire(action.toLowerCase(Locale.ROOT));
        String key = scope.key();
        long now = clock.millis();
        Revocation.Scope s = scope.scope();
        Revocation revocation = new Revocation(Revocation.SCHEMA_VERSION, s,
                s == Revocation.Scope.IP ? null : scope.issuer, scope.value(), act,
                s == Revocation.Scope.SUBJECT ? now : null, now + lifetime.toMillis(), reason,
                "operator:" + System.getProperty("user.name", "unknown"), now);
        RecordMetadata written = RevocationPublisher.publish(kafka.clientProperties(), key, revocation);
        spec.commandLine().getOut().printf("revoked %s (%s) until %s — partition %d offset %d%n", key, act.wire(),
                java.time.Instant.ofEpochMilli(revocation.expiresAt()), written.partition(), written.offset());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
