package io.tokenwatch.filter.jwks;

import io.tokenwatch.filter.validation.JwkKeys;
import io.tokenwatch.filter.validation.KeySet;
import io.tokenwatch.filter.validation.KeySource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * An issuer's verification keys fetched from its JWKS URL (RFC 7517 §5), for a
 * {@link io.tokenwatch.filter.validation.KeyRing#of(KeySource) KeyRing}.
 *
 * <ul>
 *   <li><b>Where from</b>: only the configured URL, never one named by a token ({@code jku}, {@code x5u}).
 *       {@code https} is required (RFC 8414 §2: {@code jwks_uri} MUST use https) except for loopback hosts
 *       or when plain HTTP is explicitly allowed. Redirects are not followed.</li>
 *   <li><b>How</b>: {@link HttpClient} with a connect timeout and a bound on the whole exchange, a response
 *       size cap (default 512 KiB), status 200 only. The body is read by {@link JwkKeys#parseFetched}: each
 *       key bound to one algorithm among the configured ones (a JWK without {@code alg} takes the default
 *       algorithm), weak or unusable keys skipped with a logged reason. A set without a usable key counts
 *       as a failed fetch.</li>
 *   <li><b>When</b>: once at {@link #start()}, then in the background every refresh interval (default
 *       5 min). A {@code kid} the current set does not hold triggers a refresh, at most one in flight and
 *       at most one per minimum refresh interval (default 30 s), so a flood of tokens with made-up kids
 *       costs the identity provider one request per interval. Callers that find a refresh in flight share
 *       it and wait at most the wait bound (default: the timeout, 2 s).</li>
 *   <li><b>When it fails</b> (5xx, timeout, unreadable JSON, no usable key): the last good set stays in
 *       force, the failure is logged and counted, and the next attempt backs off: 1 s, doubling, at most
 *       the minimum refresh interval. Until a first set arrives, {@link #keys()} is empty and the ring
 *       rejects tokens with {@code keys_unavailable}.</li>
 * </ul>
 * Time decisions read the injected {@link Clock}; a daemon scheduler thread polls it (every second by
 * default) and runs the fetches. {@link #close()} stops it.
 *
 * <p>Thread-safe: the current set is an immutable snapshot behind a volatile field; the refresh state
 * is guarded by one lock, never held during I/O.
 */
public final class JwksKeySource implements KeySource, AutoCloseable {

    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_BYTES = 512 * 1024;
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(JwksKeySource.class);

    private final URI uri;
    private final Set<String> algorithms;
    private final String defaultAlgorithm;
    private final Duration refreshInterval;
    private final Duration minRefreshInterval;
    private final Duration timeout;
    private final Duration waitBound;
    private final int maxBytes;
    private final Clock clock;
    private final Duration pollPeriod;
    private final HttpClient client;
    private final ScheduledExecutorService scheduler;

    /** The scheduler's thread once it exists, for tests. */
    private volatile Thread schedulerThread;
    private volatile KeySet current;
    private volatile Instant lastSuccess;
    private volatile String lastFailure;

    private final Object lock = new Object();
    /** The fetch running now, or null. Guarded by {@link #lock}. */
    private CompletableFuture<KeySet> inFlight;
    /** When the last fetch started, or null before the first. Guarded by {@link #lock}. */
    private Instant lastAttempt;
    /** Failed fetches since the last good one. Guarded by {@link #lock}. */
    private int consecutiveFailures;
    /** The skip reasons of the last fetch, to log a change once rather than every refresh. Guarded by {@link #lock}. */
    private List<String> lastSkipped = List.of();
    private boolean started;
    private boolean closed;

    private final LongAdder successes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();

    private JwksKeySource(Builder b) {
        this.uri = requireFetchable(b.uri, b.allowHttp);
        this.algorithms = Collections.unmodifiableSet(new TreeSet<>(requireAlgorithms(b.algorithms)));
        if (b.defaultAlgorithm != null && !algorithms.contains(b.defaultAlgorithm)) {
            throw new IllegalArgumentException("default algorithm " + b.defaultAlgorithm
                    + " is not among the configured algorithms " + algorithms);
        }
        // With one configured algorithm there is nothing to choose: a JWK without alg is bound to it.
        this.defaultAlgorithm = b.defaultAlgorithm != null ? b.defaultAlgorithm
                : algorithms.size() == 1 ? algorithms.iterator().next() : null;
        this.refreshInterval = positive(b.refreshInterval, "refresh interval");
        this.minRefreshInterval = positive(b.minRefreshInterval, "minimum refresh interval");
        if (refreshInterval.compareTo(minRefreshInterval) < 0) {
            throw new IllegalArgumentException("refresh interval " + refreshInterval
                    + " is shorter than the minimum refresh interval " + minRefreshInterval);
        }
        this.timeout = positive(b.timeout, "timeout");
        this.waitBound = b.waitBound == null ? timeout : b.waitBound;
        if (waitBound.isNegative()) {
            throw new IllegalArgumentException("wait bound must not be negative");
        }
        if (b.maxBytes < 1024) {
            throw new IllegalArgumentException("response size cap must be at least 1024 bytes");
        }
        this.maxBytes = b.maxBytes;
        this.clock = Objects.requireNonNull(b.clock, "clock");
        this.pollPeriod = positive(b.pollPeriod, "poll period");
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                // A redirect could lead anywhere, plain HTTP included; the configured URL is the only one.
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tokenwatch-jwks-refresh");
            // Never keeps the JVM alive; close() stops it sooner.
            thread.setDaemon(true);
            schedulerThread = thread;
            return thread;
        });
    }

    /**
     * A source for {@code uri} whose keys may be bound to {@code algorithms} only. The allow-list is
     * explicit: what a remote set may contain must not decide which algorithms the filter accepts.
     */
    public static Builder builder(URI uri, Set<String> algorithms) {
        return new Builder(uri, algorithms);
    }

    /** Starts the first fetch and the background refresh; returns this source. Idempotent. */
    public JwksKeySource start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (started) {
                return this;
            }
            started = true;
        }
        scheduler.scheduleWithFixedDelay(this::refreshIfDue, 0, pollPeriod.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    @Override
    public Set<String> algorithms() {
        return algorithms;
    }

    @Override
    public Optional<KeySet> keys() {
        return Optional.ofNullable(current);
    }

    @Override
    public Optional<KeySet> refreshFor(String kid) {
        CompletableFuture<KeySet> refresh;
        synchronized (lock) {
            if (closed) {
                return keys();
            }
            refresh = inFlight;
            if (refresh == null) {
                Instant now = clock.instant();
                if (lastAttempt != null && now.isBefore(earliestOnDemandFetch())) {
                    rateLimited.increment();
                    return keys();
                }
                refresh = startFetch(now);
            }
        }
        awaitBounded(refresh);
        return keys();
    }

    /** Runs on the scheduler thread: starts a fetch when the interval (or the back-off) has passed. */
    void refreshIfDue() {
        try {
            synchronized (lock) {
                if (closed || inFlight != null) {
                    return;
                }
                Instant now = clock.instant();
                if (lastAttempt == null || !now.isBefore(nextScheduledFetch())) {
                    startFetch(now);
                }
            }
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again; the refresh must outlive any surprise.
            LOG.error("JWKS refresh scheduling failed for {}: {}", uri, e.toString());
        }
    }

    /** Guarded by {@link #lock}. */
    private Instant nextScheduledFetch() {
        if (current == null || consecutiveFailures > 0) {
            return lastAttempt.plus(backoff());
        }
        return lastAttempt.plus(refreshInterval);
    }

    /** Guarded by {@link #lock}. An unknown kid never fetches more often than the minimum interval. */
    private Instant earliestOnDemandFetch() {
        // Before any key arrived, waiting the full interval would keep the filter unable to check anything.
        return lastAttempt.plus(current == null ? backoff() : minRefreshInterval);
    }

    /** Guarded by {@link #lock}: 1 s after the first failure, doubling, at most the minimum refresh interval. */
    private Duration backoff() {
        int doublings = Math.min(Math.max(consecutiveFailures - 1, 0), 16);
        Duration delay = FIRST_RETRY.multipliedBy(1L << doublings);
        return delay.compareTo(minRefreshInterval) > 0 ? minRefreshInterval : delay;
    }

    /** Guarded by {@link #lock}. */
    private CompletableFuture<KeySet> startFetch(Instant now) {
        CompletableFuture<KeySet> fetch = new CompletableFuture<>();
        lastAttempt = now;
        inFlight = fetch;
        try {
            scheduler.execute(() -> runFetch(fetch));
        } catch (RejectedExecutionException e) {
            inFlight = null;
            fetch.completeExceptionally(e);
        }
        return fetch;
    }

    private void runFetch(CompletableFuture<KeySet> fetch) {
        KeySet fetched = null;
        Exception failure = null;
        try {
            fetched = fetchOnce();
        } catch (IOException | RuntimeException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
        synchronized (lock) {
            inFlight = null;
            if (fetched != null) {
                current = fetched;
                lastSuccess = clock.instant();
                lastFailure = null;
                consecutiveFailures = 0;
            } else {
                consecutiveFailures++;
                lastFailure = describe(failure);
            }
        }
        if (fetched != null) {
            successes.increment();
            LOG.debug("JWKS {}: {} key(s) loaded", uri, fetched.size());
            fetch.complete(fetched);
        } else if (isClosed()) {
            LOG.debug("JWKS fetch from {} abandoned: the source is closing", uri);
            fetch.completeExceptionally(failure);
        } else {
            failures.increment();
            LOG.warn("JWKS fetch from {} failed ({}); {}", uri, lastFailure,
                    current == null ? "no keys yet: tokens are rejected as keys_unavailable"
                            : "keeping the last good key set of " + current.size() + " key(s)");
            fetch.completeExceptionally(failure);
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    private KeySet fetchOnce() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        CompletableFuture<HttpResponse<byte[]>> exchange = client.sendAsync(request, CappedBody.handler(maxBytes));
        HttpResponse<byte[]> response;
        try {
            // The request timeout covers the wait for headers only; this bounds the body too.
            response = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw new IOException("no complete answer within " + timeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
        }
        if (response.statusCode() != 200) {
            throw new IOException("HTTP status " + response.statusCode());
        }
        if (response.body() == null) {
            throw new IOException("declared Content-Length above the " + maxBytes + " byte cap");
        }
        // RFC 8259 §8.1: JSON exchanged between systems is UTF-8.
        String json = new String(response.body(), StandardCharsets.UTF_8);
        JwkKeys.Fetched parsed = JwkKeys.parseFetched(json, defaultAlgorithm, algorithms);
        logSkipped(parsed.skipped());
        if (parsed.keys().isEmpty()) {
            throw new IllegalArgumentException("the set holds no usable signature key");
        }
        return new KeySet(parsed.keys());
    }

    private void logSkipped(List<String> skipped) {
        boolean changed;
        synchronized (lock) {
            changed = !skipped.equals(lastSkipped);
            lastSkipped = skipped;
        }
        for (String reason : skipped) {
            if (changed) {
                LOG.warn("JWKS {}: key skipped: {}", uri, reason);
            } else {
                LOG.debug("JWKS {}: key skipped: {}", uri, reason);
            }
        }
    }

    private void awaitBounded(CompletableFuture<KeySet> refresh) {
        try {
            refresh.get(waitBound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Failed or still running: the caller goes on with what is there; the failure was logged.
        }
    }

    private static String describe(Exception e) {
        if (e instanceof java.net.http.HttpTimeoutException || e instanceof java.net.http.HttpConnectTimeoutException) {
            return "timed out";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    /** Stops the background refresh; waiting callers get what is there. Idempotent. */
    @Override
    public void close() {
        CompletableFuture<KeySet> running;
        synchronized (lock) {
            closed = true;
            running = inFlight;
            inFlight = null;
        }
        scheduler.shutdownNow();
        if (running != null) {
            running.completeExceptionally(new IllegalStateException("closed"));
        }
    }

    /** The scheduler's thread, empty before it was created. */
    Optional<Thread> schedulerThread() {
        return Optional.ofNullable(schedulerThread);
    }

    /** The configured URL. */
    public URI uri() {
        return uri;
    }

    /** True once a key set was obtained; it stays true, the last good set being kept on failures. */
    public boolean isLoaded() {
        return current != null;
    }

    /** Keys in the current set, 0 before the first. */
    public int keyCount() {
        KeySet set = current;
        return set == null ? 0 : set.size();
    }

    /** Fetches that produced a usable key set. */
    public long successCount() {
        return successes.sum();
    }

    /** Fetches that failed (error status, timeout, unreadable body, no usable key). */
    public long failureCount() {
        return failures.sum();
    }

    /** Unknown-kid refreshes refused by the rate limit. */
    public long rateLimitedCount() {
        return rateLimited.sum();
    }

    /** When the current set was obtained. */
    public Optional<Instant> lastSuccess() {
        return Optional.ofNullable(lastSuccess);
    }

    /** How old the current set is, by this source's clock; empty before the first. */
    public Optional<Duration> age() {
        Instant at = lastSuccess;
        return at == null ? Optional.empty() : Optional.of(Duration.between(at, clock.instant()));
    }

    /** Why the last fetch failed, empty when it succeeded. Never key material. */
    public Optional<String> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    private static URI requireFetchable(URI uri, boolean allowHttp) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.getHost() == null) {
            throw new IllegalArgumentException("JWKS URL must be an absolute http(s) URL with a host: " + uri);
        }
        if (uri.getRawUserInfo() != null) {
            // Credentials in a URL end up in logs; the URL is logged on every failure.
            throw new IllegalArgumentException("JWKS URL must not carry user info");
        }
        if (scheme.equals("https")) {
            return uri;
        }
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("JWKS URL must be https: " + uri);
        }
        // RFC 8414 §2: jwks_uri MUST use https. Keys fetched in the clear can be swapped by anyone on
        // the path; only the loopback interface, or an explicit opt-in, is spared.
        if (!allowHttp && !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException("JWKS URL must be https (RFC 8414 §2), plain http only on a loopback"
                    + " host unless explicitly allowed: " + uri);
        }
        return uri;
    }

    /** localhost or a loopback address literal; other names are not resolved here, so they do not count. */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+") && !literal.matches("[0-9A-Fa-f:.]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Set<String> requireAlgorithms(Set<String> algorithms) {
        if (algorithms == null || algorithms.isEmpty()) {
            throw new IllegalArgumentException("a JWKS source needs its algorithms configured explicitly:"
                    + " a fetched set must not decide which algorithms are accepted (RFC 8725 §3.1)");
        }
        for (String alg : algorithms) {
            if (alg.startsWith("HS")) {
                throw new IllegalArgumentException(alg + " verifies with a shared secret, which is never taken"
                        + " from a URL; configure the secret itself");
            }
        }
        return algorithms;
    }

    private static Duration positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return value;
    }

    /** Builds a {@link JwksKeySource}; every setting but URL and algorithms has a default. Not thread-safe. */
    public static final class Builder {

        private final URI uri;
        private final Set<String> algorithms;
        private String defaultAlgorithm;
        private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
        private Duration minRefreshInterval = DEFAULT_MIN_REFRESH_INTERVAL;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration waitBound;
        private int maxBytes = DEFAULT_MAX_BYTES;
        private boolean allowHttp;
        private Clock clock = Clock.systemUTC();
        private Duration pollPeriod = Duration.ofSeconds(1);

        private Builder(URI uri, Set<String> algorithms) {
            this.uri = uri;
            this.algorithms = algorithms == null ? Set.of() : Set.copyOf(algorithms);
        }

        /**
         * The algorithm of JWKs that name none; default the configured algorithm when there is only one,
         * else none (such keys are skipped).
         */
        public Builder defaultAlgorithm(String alg) {
            this.defaultAlgorithm = alg;
            return this;
        }

        /** How often the set is fetched in the background; default 5 min. */
        public Builder refreshInterval(Duration interval) {
            this.refreshInterval = interval;
            return this;
        }

        /** The shortest gap between fetches an unknown kid can cause; default 30 s. */
        public Builder minRefreshInterval(Duration interval) {
            this.minRefreshInterval = interval;
            return this;
        }

        /** Connect timeout, and bound on the whole exchange; default 2 s. Also the default wait bound. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** How long a request with an unknown kid waits for the shared refresh; default the timeout. */
        public Builder waitBound(Duration wait) {
            this.waitBound = wait;
            return this;
        }

        /** The largest response accepted; default 512 KiB. */
        public Builder maxBytes(int bytes) {
            this.maxBytes = bytes;
            return this;
        }

        /** Allows plain http on any host (loopback is always allowed); default false. */
        public Builder allowHttp(boolean allow) {
            this.allowHttp = allow;
            return this;
        }

        /** The time source of every refresh decision; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** How often the scheduler looks at the clock; default 1 s. */
        public Builder pollPeriod(Duration period) {
            this.pollPeriod = period;
            return this;
        }

        /** The source, not yet fetching: call {@link JwksKeySource#start()}. */
        public JwksKeySource build() {
            return new JwksKeySource(this);
        }
    }
}
