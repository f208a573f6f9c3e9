package io.tokenwatch.launcher;

import io.tokenwatch.schemas.Suppression;
import io.tokenwatch.schemas.Topics;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

/**
 * {@code tokenwatch unsuppress}: lifts a suppression before it expires by publishing a tombstone under
 * its key; every detector alerts on the rule's findings about the subject again.
 */
@Command(name = "unsuppress", mixinStandardHelpOptions = true,
        description = "Lift a suppression: the same --rule, --iss and --sub it was made with.")
final class UnsuppressCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    SuppressionOptions target;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String key = target.key();
        RecordMetadata written = RevocationPublisher.publish(kafka.clientProperties(), Topics.SUPPRESSIONS, key,
                (Suppression) null);
        spec.commandLine().getOut().printf("unsuppressed %s — partition %d offset %d%n", key, written.partition(),
                written.offset());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
