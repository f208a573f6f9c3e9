package io.tokenwatch.launcher;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails fast, in one line that names the bootstrap servers, when the configured Kafka cluster does
 * not answer within {@link #TIMEOUT}. Every command that needs Kafka calls it before anything else:
 * the Kafka clients themselves retry an unreachable cluster for minutes (Kafka Streams' global
 * thread about six) and then fail with a message that names neither the servers nor the cause.
 * Stateless; thread-safe.
 */
final class KafkaReachability {

    /** How long a command waits for Kafka to answer before it gives up; stated in the options' help. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private KafkaReachability() {
    }

    /** Returns once the cluster answers a describe-cluster request, or throws the one-line error. */
    static void require(Properties client) {
        Properties props = new Properties();
        props.putAll(client);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT.toMillis()));
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT.toMillis()));
        String servers = client.getProperty("bootstrap.servers");
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis())).clusterId()
                    .get(TIMEOUT.toSeconds() + 2, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + servers + " within " + TIMEOUT.toSeconds()
                    + " s (--bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS)", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            // Admin.create refuses a bootstrap list it cannot resolve at all (e.g. an unknown host name).
            throw new IllegalStateException("cannot reach Kafka at " + servers + ": " + e.getMessage()
                    + " (--bootstrap-servers or KAFKA_BOOTSTRAP_SERVERS)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reaching Kafka at " + servers, e);
        }
    }
}
