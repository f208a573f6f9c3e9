package io.tokenwatch.launcher;

import io.tokenwatch.filter.gateway.Gateway;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tokenwatch gateway}: the sidecar reverse proxy. Every request is checked by the filter and,
 * if accepted, forwarded to {@code --upstream} with the verified subject in a header; runs until
 * interrupted. A broker that cannot be reached is not an error: readiness stays DOWN (and requests
 * get 503) until the revocations are caught up. Options become {@code tokenwatch.*} properties;
 * {@code --set key=value} passes any other (e.g. {@code micronaut.server.ssl.*}).
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Run the JWT-checking reverse proxy in front of a service in any language.")
final class GatewayCommand implements Callable<Integer> {

    @Mixin
    GatewayOptions gateway;

    @Mixin
    KafkaOptions kafka;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> properties = properties();
        Ports.requireFree(gateway.host, gateway.port, "--port");
        Gateway running = Gateway.start(properties);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "tokenwatch-gateway-shutdown"));
        var out = spec.commandLine().getOut();
        out.printf("gateway listening on port %d -> %s; readiness DOWN until revocations are caught up from %s;"
                + " Ctrl-C to stop%n", running.port(), gateway.upstream, kafka.bootstrapServers());
        out.flush();
        Thread readiness = new Thread(() -> {
            try {
                while (!running.awaitReady(Duration.ofSeconds(30))) {
                    out.printf("still waiting for revocations from %s (requests get 503)%n", kafka.bootstrapServers());
                    out.flush();
                }
                out.println("revocations caught up: gateway ready");
                out.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // The context is closing.
            }
        }, "tokenwatch-gateway-readiness");
        readiness.setDaemon(true);
        readiness.start();
        stopped.await();
        return 0;
    }

    /** The Micronaut properties these options stand for. */
    Map<String, Object> properties() {
        return gateway.properties(kafka.bootstrapServers(), kafka.clientProperties());
    }
}
