package io.tokenwatch.launcher;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch healthcheck URL}: exits 0 when the URL answers 2xx within 5 s, 1 otherwise. For
 * hosts without curl; it starts a JVM, so frequent container health checks use curl instead
 * (docker-compose.yml, about a hundredth of the CPU per check).
 */
@Command(name = "healthcheck", mixinStandardHelpOptions = true, description = "Exit 0 if URL answers 2xx.")
final class HealthcheckCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "URL", description = "The health endpoint, e.g. http://localhost:8080/health")
    URI url;

    @Override
    public Integer call() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() / 100 == 2 ? 0 : 1;
        } catch (java.io.IOException e) {
            return 1;
        }
    }
}
