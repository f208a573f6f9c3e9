package io.tokenwatch.benchmarks;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.Jws;
import io.tokenwatch.filter.core.FilterDecision;
import io.tokenwatch.filter.core.FilterRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

import java.util.concurrent.TimeUnit;

/**
 * DESIGN.md §5, filter rows: the cost of one request through the tokenwatch filter, against a bare
 * jjwt verification of the same token (the yardstick DESIGN.md names; the filter has its own one-pass
 * verifier on the JCA primitives and Tink's Ed25519) and against Spring Security's
 * {@code NimbusJwtDecoder}, on the same tokens in the same run.
 *
 * <ul>
 *   <li>{@link #bareJjwt}: jjwt's parse-and-verify alone, parser built once: the yardstick.</li>
 *   <li>{@link #pipelineCold}: {@code TokenFilter.check} — credential parsing, header rules, signature,
 *       claim checks, revocation lookups against {@value FilterFixture#UNRELATED_REVOCATIONS} entries,
 *       the subject's rate-limit bucket charged, security and rate-limit headers, usage event built
 *       and enqueued — for a token not seen in the last {@value #TOKENS} requests. The filter is built
 *       without a verified-token cache: a cache smaller than the token set would still keep part of
 *       a cyclic workload (Caffeine's admission policy is good at loops), and signing more tokens than
 *       the default cache holds (100,000) would take minutes per trial for RSA.</li>
 *   <li>{@link #pipelineCached}: the same filter with a default-size {@code VerifiedTokenCache} in its
 *       validator, given one token over and over: the cache-hit path. Revocation, rate limit, headers
 *       and the event still run on every request.</li>
 *   <li>{@link #nimbus}: Spring's decoder with the same iss/aud/exp checks, same tokens as cold.</li>
 * </ul>
 *
 * <p>Settings suit a small shared machine; override with JMH's {@code -f -wi -i -w -r} for a quiet one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// No SLF4J provider on purpose: the filter's debug logging costs what a disabled level costs in
// production; the property only silences SLF4J's "no providers" notice in every fork.
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dslf4j.internal.verbosity=ERROR"})
// The pipeline is a lot of code for C2 to compile, and on a busy 2-core machine the compiler threads
// wait their turn: with 3 × 1 s it was still getting faster during measurement.
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class FilterBenchmark {

    /** Distinct tokens per algorithm; a power of two so the cursor wraps with a mask. */
    static final int TOKENS = 1024;

    @Param({"HS256", "RS256", "PS256", "ES256", "EdDSA"})
    public SigningAlgorithm alg;

    FilterFixture fixture;
    private JwtDecoder nimbusDecoder;
    private String hotToken;
    private String hotClientIp;

    @Setup(Level.Trial)
    public void setUp() {
        fixture = FilterFixture.create(alg, TOKENS);
        fixture.requireEveryPathAccepts();
        nimbusDecoder = fixture.nimbus().orElse(null);
        hotToken = fixture.token(0);
        hotClientIp = fixture.clientIp(0);
        System.out.printf("%n# fixture: %s, %d tokens of %d bytes, %d unrelated revocations, Nimbus %s%n",
                alg, fixture.size(), fixture.token(0).length(), fixture.revocationCount(),
                nimbusDecoder == null ? "unavailable (no Tink)" : "ready");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.printf("%n# usage events: %d drained, %d dropped; verified-token cache: %d hits, %d misses%n",
                fixture.sink().drainedCount(), fixture.sink().droppedCount(),
                fixture.cache().hitCount(), fixture.cache().missCount());
        fixture.close();
    }

    /** Each benchmark thread walks the token set on its own. */
    @State(Scope.Thread)
    public static class Cursor {
        private int next;

        int advance() {
            int i = next;
            next = (i + 1) & (TOKENS - 1);
            return i;
        }
    }

    @Benchmark
    public Jws<Claims> bareJjwt(Cursor cursor) {
        return fixture.bareJjwt().parseSignedClaims(fixture.token(cursor.advance()));
    }

    @Benchmark
    public FilterDecision pipelineCold(Cursor cursor) {
        int i = cursor.advance();
        return fixture.coldFilter().check(FilterRequest.bearer("GET", FilterFixture.ROUTE, fixture.token(i),
                fixture.clientIp(i)));
    }

    @Benchmark
    public FilterDecision pipelineCached() {
        return fixture.cachingFilter().check(FilterRequest.bearer("GET", FilterFixture.ROUTE, hotToken, hotClientIp));
    }

    @Benchmark
    public Jwt nimbus(Cursor cursor) {
        if (nimbusDecoder == null) {
            // Fails this one run (JMH goes on with the rest); RatioReport then shows n/a.
            throw new UnsupportedOperationException("no Nimbus verifier for " + alg + " on this class path");
        }
        return nimbusDecoder.decode(fixture.token(cursor.advance()));
    }
}
