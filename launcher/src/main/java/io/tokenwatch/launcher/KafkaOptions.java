package io.tokenwatch.launcher;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Connection options shared by every command that talks to an existing Kafka cluster: bootstrap
 * servers (or {@code KAFKA_BOOTSTRAP_SERVERS}) and a client properties file for TLS/SASL settings,
 * passed through to every client unchanged.
 */
final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}). "
                    + "detector, revoke, lift, alerts and status give up after 10 s if Kafka does not answer; "
                    + "the gateway keeps running, not ready, until it does.")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Client properties (security.protocol, ssl.*, sasl.*) applied to every Kafka client.")
    Path clientConfig;

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Client properties: the file's settings, then the bootstrap servers. */
    Properties clientProperties() {
        Properties props = new Properties();
        if (clientConfig != null) {
            if (!Files.isReadable(clientConfig)) {
                throw new IllegalArgumentException("cannot read Kafka client config " + clientConfig);
            }
            try (InputStream in = Files.newInputStream(clientConfig)) {
                props.load(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read Kafka client config " + clientConfig + ": "
                        + e.getMessage(), e);
            }
        }
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }
}
