package io.tokenwatch.filter.revocation;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The {@code jti} entries of the revocation view, stored compactly: each revoked token is a 128-bit
 * fingerprint of its canonical key ({@code jti|<iss>|<jti>}, DESIGN.md §3) and its {@code expires_at},
 * about 80 bytes on a 64-bit JVM with compressed pointers whatever the length of issuer and
 * {@code jti} (the key strings themselves would cost 100 bytes and more). DESIGN.md §5 budgets
 * 150 bytes per revoked token; {@code RevocationViewFootprint} in {@code benchmarks} measures it.
 *
 * <p>The fingerprint is a seeded, non-cryptographic 128-bit hash (two independent 64-bit
 * multiply-xor streams over the key's UTF-16 code units, each finished with the MurmurHash3 64-bit
 * finalizer). A collision can only make the view refuse a token that was not revoked, never accept
 * one that was: the same key always yields the same fingerprint. Two keys collide with probability
 * about 2<sup>-128</sup>, and the seed is drawn per view from {@link SecureRandom}, so collisions
 * cannot be precomputed either (not that a caller could choose them: {@code jti} values are signed by
 * the issuer).
 *
 * <p>Lookups hash the issuer and {@code jti} in place, without building the key string.
 *
 * <p>Thread-safe: a {@link ConcurrentHashMap} of immutable entries.
 */
final class RevokedTokens {

    private static final long M1 = 0x9E3779B97F4A7C15L;
    private static final long M2 = 0xC2B2AE3D27D4EB4FL;
    private static final String PREFIX = "jti|";

    private final ConcurrentMap<Entry, Entry> entries = new ConcurrentHashMap<>();
    private final long seed1;
    private final long seed2;

    RevokedTokens() {
        SecureRandom random = new SecureRandom();
        this.seed1 = random.nextLong();
        this.seed2 = random.nextLong();
    }

    /** True if {@code key} is a {@code jti} scope key, the only keys this table holds. */
    static boolean isTokenKey(String key) {
        return key.startsWith(PREFIX);
    }

    /** Revokes the token with canonical key {@code key} until {@code expiresAt} (epoch ms). */
    void put(String key, long expiresAt) {
        Entry entry = fingerprint(key, expiresAt);
        entries.put(entry, entry);
    }

    /** Lifts the token with canonical key {@code key}; true if it was revoked. */
    boolean remove(String key) {
        return entries.remove(fingerprint(key, 0)) != null;
    }

    /** The {@code expires_at} of the revoked token {@code issuer}/{@code jti}, or {@code null}. */
    Long expiresAt(String issuer, String jti) {
        Hasher h = new Hasher(seed1, seed2);
        h.add(PREFIX);
        h.add(issuer);
        h.add('|');
        h.add(jti);
        Entry found = entries.get(h.finish(0));
        return found == null ? null : found.expiresAt;
    }

    int size() {
        return entries.size();
    }

    private Entry fingerprint(String key, long expiresAt) {
        Hasher h = new Hasher(seed1, seed2);
        h.add(key);
        return h.finish(expiresAt);
    }

    /** Two 64-bit streams over UTF-16 code units; {@link #finish} mixes in the length. */
    private static final class Hasher {
        private long a;
        private long b;
        private long length;

        Hasher(long seed1, long seed2) {
            this.a = seed1;
            this.b = seed2;
        }

        void add(String s) {
            for (int i = 0; i < s.length(); i++) {
                add(s.charAt(i));
            }
        }

        void add(char c) {
            a = (a ^ c) * M1;
            b = Long.rotateLeft(b + c, 31) * M2;
            length++;
        }

        Entry finish(long expiresAt) {
            return new Entry(fmix64(a ^ length), fmix64(b + length * M1), expiresAt);
        }

        /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
        private static long fmix64(long k) {
            k ^= k >>> 33;
            k *= 0xFF51AFD7ED558CCDL;
            k ^= k >>> 33;
            k *= 0xC4CEB9FE1A85EC53L;
            k ^= k >>> 33;
            return k;
        }
    }

    /** A fingerprint and its expiry; equal by fingerprint only, so a probe finds the stored entry. */
    private static final class Entry {
        private final long hi;
        private final long lo;
        private final long expiresAt;

        Entry(long hi, long lo, long expiresAt) {
            this.hi = hi;
            this.lo = lo;
            this.expiresAt = expiresAt;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry other && other.hi == hi && other.lo == lo;
        }

        @Override
        public int hashCode() {
            return (int) (hi ^ (hi >>> 32));
        }
    }
}
