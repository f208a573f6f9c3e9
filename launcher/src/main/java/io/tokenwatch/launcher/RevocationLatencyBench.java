package io.tokenwatch.launcher;

import io.tokenwatch.filter.core.FilterDecision;
import io.tokenwatch.filter.core.FilterRequest;
import io.tokenwatch.filter.core.TokenFilter;
import io.tokenwatch.filter.revocation.RevocationListener;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.KeyBinding;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.TokenClaims;
import io.tokenwatch.filter.validation.TokenValidator;
import io.tokenwatch.schemas.Outcome;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code tokenwatch bench-revocation}: the time-to-revoke figure of DESIGN.md §5, measured on the
 * embedded broker. For each incident a fresh token is used at three filters from three networks and
 * then back at the first network (that fourth use is the anomalous request that makes the
 * revocation due: three networks alone only alert); the clock runs from that use until every
 * filter's revocation view refuses the token. Prints percentiles per processing guarantee, both run
 * side by side in one process.
 */
@Command(name = "bench-revocation", mixinStandardHelpOptions = true,
        description = "Measure time to revoke: anomalous request → the token rejected at every filter.")
final class RevocationLatencyBench implements Callable<Integer> {

    @Option(names = "--incidents", defaultValue = "100", description = "Incidents per guarantee (default: ${DEFAULT-VALUE}).")
    int incidents;

    @Option(names = "--filters", defaultValue = "3", description = "Filters watching the topic (default: ${DEFAULT-VALUE}).")
    int filters;

    @Option(names = "--guarantees", split = ",", defaultValue = StreamsConfig.EXACTLY_ONCE_V2 + ","
            + StreamsConfig.AT_LEAST_ONCE, description = "Guarantees to compare (default: ${DEFAULT-VALUE}).")
    List<String> guarantees;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (incidents < 1 || filters < 1 || filters > 16) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--incidents >= 1 and 1 <= --filters <= 16");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("time to revoke: the revoking use at a filter → token refused by all %d filters, %d incidents each%n",
                filters, incidents);
        out.printf("%-16s %8s %8s %8s %8s %8s%n", "guarantee", "p50 ms", "p90 ms", "p99 ms", "max ms", "missed");
        out.flush();
        boolean allSeen = true;
        for (String guarantee : guarantees) {
            List<Long> millis = new ArrayList<>();
            int missed = run(guarantee, millis);
            allSeen &= missed == 0;
            List<Long> sorted = millis.stream().sorted().toList();
            out.printf("%-16s %8d %8d %8d %8d %8d%n", guarantee, percentile(sorted, 50), percentile(sorted, 90),
                    percentile(sorted, 99), sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1), missed);
            out.flush();
        }
        return allSeen ? 0 : 1;
    }

    private int run(String guarantee, List<Long> millis) throws InterruptedException {
        DemoIssuer issuer = new DemoIssuer(Clock.systemUTC());
        int missed = 0;
        try (EmbeddedSystem system = EmbeddedSystem.start(issuer.publicKey(), DemoIssuer.KEY_ID, guarantee)) {
            List<TokenFilter> all = new ArrayList<>(List.of(system.filter()));
            List<RevocationView> views = new ArrayList<>(List.of(system.revocationView()));
            List<RevocationListener> extra = new ArrayList<>();
            Properties client = new Properties();
            client.put("bootstrap.servers", system.bootstrapServers());
            IssuerPolicy policy = IssuerPolicy.of(EmbeddedSystem.ISSUER, Set.of(EmbeddedSystem.AUDIENCE),
                    new KeyRing(List.of(KeyBinding.publicKey(DemoIssuer.KEY_ID, "ES256", issuer.publicKey()))));
            try {
                for (int i = 1; i < filters; i++) {
                    RevocationView view = new RevocationView(Clock.systemUTC());
                    RevocationListener listener = new RevocationListener(view, client).start();
                    extra.add(listener);
                    if (!listener.awaitReady(Duration.ofSeconds(30))) {
                        throw new IllegalStateException("filter " + (i + 1) + " did not catch up");
                    }
                    views.add(view);
                    all.add(new TokenFilter(new TokenFilter.Settings("bench-filter-" + (i + 1), "bench", "bench"),
                            new TokenValidator(policy, Clock.systemUTC()), view, system.usagePublisher(),
                            Clock.systemUTC()));
                }
                for (int n = 0; n < incidents; n++) {
                    Long took = incident(n, issuer, all, views);
                    if (took == null) {
                        missed++;
                    } else {
                        millis.add(took);
                    }
                }
            } finally {
                extra.forEach(RevocationListener::close);
            }
        }
        return missed;
    }

    /** One replay incident; the milliseconds until every view refuses the token, or null on time-out. */
    private static Long incident(int n, DemoIssuer issuer, List<TokenFilter> filters, List<RevocationView> views)
            throws InterruptedException {
        String token = issuer.mint("bench-user-" + n, UUID.randomUUID().toString(), Duration.ofMinutes(15));
        int a = n % 200 + 1;
        // Three networks and back to the first: the replay rule alerts on three and revokes on the
        // return, its second sign; the clock starts at the use that makes the revocation due.
        String[] ips = {"198.51.100." + a, "203.0.113." + a, "192.0.2." + a, "198.51.100." + a};
        TokenClaims claims = null;
        long third = 0;
        for (int use = 0; use < ips.length; use++) {
            if (use == ips.length - 1) {
                third = System.nanoTime();
            }
            FilterDecision decision = filters.get(use % filters.size())
                    .check(FilterRequest.bearer("GET", "/api/{id}", token, ips[use]));
            if (decision.outcome() != Outcome.ACCEPTED) {
                return null;
            }
            claims = decision.claims().orElseThrow();
        }
        long deadline = third + Duration.ofSeconds(10).toNanos();
        for (RevocationView view : views) {
            while (view.check(claims, ips[0]).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    return null;
                }
                // Park rather than spin: on a small machine a spinning poller would slow the detector it waits for.
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        }
        return Duration.ofNanos(System.nanoTime() - third).toMillis();
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }
}
