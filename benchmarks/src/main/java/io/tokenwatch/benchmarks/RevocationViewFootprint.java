package io.tokenwatch.benchmarks;

import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.schemas.Revocation;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Measures the filter's memory per revoked token in the revocation view (DESIGN.md §5: ≤ 150 bytes):
 * the heap retained by a view holding N {@code jti} revocations, after full collections, minus the
 * heap with an empty view, divided by N. Side by side, the same N keys held the plain way (a
 * {@code ConcurrentHashMap} from the canonical key string to its expiry, what the view stored before
 * it kept fingerprints) give the comparison.
 *
 * <p>Tokens look like real ones: an {@code https} issuer URL and a random UUID {@code jti}.
 *
 * <pre>
 * ./mvnw -q -B -ntp -pl benchmarks -am package -Dmaven.test.skip=true
 * java -cp benchmarks/target/benchmarks.jar io.tokenwatch.benchmarks.RevocationViewFootprint [N...]
 * </pre>
 */
public final class RevocationViewFootprint {

    private static final String ISSUER = "https://login.example.com/tenant-4f1c/v2.0";
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private RevocationViewFootprint() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<Integer> sizes = new ArrayList<>();
        for (String arg : args) {
            sizes.add(Integer.parseInt(arg));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(100_000, 1_000_000);
        }
        System.out.println("| revoked tokens | view bytes / token | plain map bytes / token | view / plain | target |");
        System.out.println("|---:|---:|---:|---:|---|");
        for (int n : sizes) {
            // The revocation records are built first and kept alive through both measurements, so
            // only what each structure retains is counted, not the records it was fed.
            List<Revocation> revocations = revocations(n);
            double view = perEntry(n, () -> fillView(revocations));
            double plain = perEntry(n, () -> fillPlainMap(revocations));
            System.out.printf(Locale.ROOT, "| %,d | %.1f | %.1f | %.2f | ≤ 150 %s |%n", n, view, plain, view / plain,
                    view <= 150 ? "✓" : "✗");
            Reference.reachabilityFence(revocations);
        }
    }

    private static List<Revocation> revocations(int n) {
        long now = System.currentTimeMillis();
        List<Revocation> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(Revocation.blockToken(ISSUER, UUID.randomUUID().toString(), now + 3_600_000, "replay",
                    "footprint", now));
        }
        return list;
    }

    private static Object fillView(List<Revocation> revocations) {
        RevocationView view = new RevocationView(Clock.systemUTC());
        for (Revocation r : revocations) {
            view.apply(r.key(), r);
        }
        if (view.size() != revocations.size()) {
            throw new IllegalStateException("view holds " + view.size() + " of " + revocations.size());
        }
        return view;
    }

    private static Object fillPlainMap(List<Revocation> revocations) {
        ConcurrentMap<String, Long> map = new ConcurrentHashMap<>();
        for (Revocation r : revocations) {
            map.put(r.key(), r.expiresAt());
        }
        return map;
    }

    /** Retained heap of what {@code fill} builds, per entry. */
    private static double perEntry(int n, java.util.function.Supplier<Object> fill) throws InterruptedException {
        long before = settledHeap();
        Object held = fill.get();
        long after = settledHeap();
        Reference.reachabilityFence(held);
        return (after - before) / (double) n;
    }

    private static long settledHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
