package io.tokenwatch.launcher;

import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * {@code tokenwatch lift}: recovery. Publishes a tombstone for the key, which removes the entry from
 * every filter's view and, after compaction, from the topic.
 */
@Command(name = "lift", mixinStandardHelpOptions = true,
        description = "Lift a revocation or block: the same --jti/--sub/--ip (and --iss) it was made with.")
final class LiftCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    ScopeOptions scope;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String key = scope.key();
        RecordMetadata written = RevocationPublisher.publish(kafka.clientProperties(), key, null);
        spec.commandLine().getOut().printf("lifted %s — partition %d offset %d%n", key, written.partition(),
                written.offset());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
