package io.tokenwatch.detector.rules;

import java.util.Arrays;

/**
 * Value of the issuer-lifetime store: what one issuer's tokens look like, learned from the tokens this
 * task has seen (each counted once, at its first sighting): how long they live ({@code exp − iat}) and
 * how old they are when first used (request time − {@code iat}), as two histograms over
 * {@link #BUCKETS} geometric buckets (×1.5 from 90 s up, about 30 days at the top).
 *
 * <p>A histogram rather than a quantile sketch library: the rule asks one question (is this value far
 * above the issuer's 99th percentile), a factor of 1.5 per bucket answers it well enough, and the
 * state stays a fixed 60 numbers per issuer whatever the traffic. Counts are halved whenever the total
 * passes {@link #HALVE_AT}, so the histogram follows an issuer that changes its policy and never
 * overflows. Mutable on purpose (the processor updates one in memory per request and writes it to
 * its store once a minute); not thread-safe.
 *
 * @param lifetimes tokens per lifetime bucket
 * @param ages      tokens per age-at-first-use bucket
 * @param tokens    tokens counted (after halvings)
 */
public record IssuerLifetimes(long[] lifetimes, long[] ages, long tokens) {

    static final int BUCKETS = 30;
    static final long HALVE_AT = 200_000;
    private static final double FIRST_EDGE_SECONDS = 90;
    private static final double GROWTH = 1.5;

    public IssuerLifetimes {
        lifetimes = lifetimes == null || lifetimes.length != BUCKETS ? new long[BUCKETS] : lifetimes;
        ages = ages == null || ages.length != BUCKETS ? new long[BUCKETS] : ages;
    }

    static IssuerLifetimes empty() {
        return new IssuerLifetimes(new long[BUCKETS], new long[BUCKETS], 0);
    }

    /** Counts one token; returns the histogram with it (this one, or a halved copy). */
    IssuerLifetimes with(long lifetimeMillis, long ageMillis) {
        IssuerLifetimes h = tokens + 1 >= HALVE_AT ? halved() : this;
        h.lifetimes[bucket(lifetimeMillis)]++;
        h.ages[bucket(ageMillis)]++;
        return new IssuerLifetimes(h.lifetimes, h.ages, h.tokens + 1);
    }

    private IssuerLifetimes halved() {
        long[] l = Arrays.stream(lifetimes).map(c -> c / 2).toArray();
        long[] a = Arrays.stream(ages).map(c -> c / 2).toArray();
        return new IssuerLifetimes(l, a, Arrays.stream(l).sum());
    }

    /** Upper edge, in ms, of the bucket holding the {@code q} quantile of lifetimes. */
    long lifetimeQuantileMillis(double q) {
        return quantile(lifetimes, q);
    }

    /** Upper edge, in ms, of the bucket holding the {@code q} quantile of ages at first use. */
    long ageQuantileMillis(double q) {
        return quantile(ages, q);
    }

    private long quantile(long[] counts, double q) {
        long total = Arrays.stream(counts).sum();
        long needed = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= needed && seen > 0) {
                return upperEdgeMillis(i);
            }
        }
        return upperEdgeMillis(BUCKETS - 1);
    }

    static int bucket(long millis) {
        double seconds = Math.max(0, millis) / 1000.0;
        if (seconds < FIRST_EDGE_SECONDS) {
            return 0;
        }
        int i = 1 + (int) Math.floor(Math.log(seconds / FIRST_EDGE_SECONDS) / Math.log(GROWTH));
        return Math.min(i, BUCKETS - 1);
    }

    static long upperEdgeMillis(int bucket) {
        return (long) (FIRST_EDGE_SECONDS * Math.pow(GROWTH, bucket) * 1000);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IssuerLifetimes other && tokens == other.tokens
                && Arrays.equals(lifetimes, other.lifetimes) && Arrays.equals(ages, other.ages);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(lifetimes) + Arrays.hashCode(ages)) + Long.hashCode(tokens);
    }

    @Override
    public String toString() {
        return "IssuerLifetimes[tokens=" + tokens + "]";
    }
}
