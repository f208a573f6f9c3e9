package io.tokenwatch.filter.validation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * HMAC secrets known to have leaked: 103,979 values seen in public code and documentation
 * (wallarm/jwt-secrets @ 99e2360b, MIT; the licence ships next to the list as
 * {@code weak-hmac-secrets.LICENSE}). Anyone can try every one of them against a captured token
 * offline, so a configured secret found here protects nothing (RFC 8725 §2.2, §3.5).
 *
 * <p>The list is read from the class path on first use and kept as a sorted array of 64-bit
 * SHA-256 prefixes (about 0.8 MB rather than the ~10 MB the strings would take). A random secret
 * collides with some prefix with probability about 10⁵/2⁶⁴; none of the secrets themselves is kept.
 *
 * <p>Thread-safe.
 */
public final class WeakSecrets {

    static final String RESOURCE = "weak-hmac-secrets.txt.gz";

    /** Sorted SHA-256 prefixes of the lines; null until first use. */
    private static volatile long[] prefixes;

    private WeakSecrets() {
    }

    /** True when the list holds exactly these bytes as one of its lines. */
    public static boolean contains(byte[] candidate) {
        return Arrays.binarySearch(prefixes(), prefix(sha256(), candidate, 0, candidate.length)) >= 0;
    }

    /**
     * True when {@code secret} is on the list as it is, or as its base64, base64url or hex text: a
     * secret written down as text and decoded before use is just as public as the text.
     */
    public static boolean isLeaked(byte[] secret) {
        if (contains(secret)) {
            return true;
        }
        Base64.Encoder std = Base64.getEncoder();
        Base64.Encoder url = Base64.getUrlEncoder();
        List<byte[]> spellings = List.of(std.encode(secret), std.withoutPadding().encode(secret),
                url.encode(secret), url.withoutPadding().encode(secret),
                ascii(HexFormat.of().formatHex(secret)), ascii(HexFormat.of().withUpperCase().formatHex(secret)));
        try {
            return spellings.stream().anyMatch(WeakSecrets::contains);
        } finally {
            // Copies of the secret; the hex Strings made on the way cannot be wiped.
            spellings.forEach(spelling -> Arrays.fill(spelling, (byte) 0));
        }
    }

    /** Number of distinct lines loaded, for diagnostics. */
    static int size() {
        return prefixes().length;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static long prefix(MessageDigest sha256, byte[] bytes, int offset, int length) {
        sha256.update(bytes, offset, length);
        return ByteBuffer.wrap(sha256.digest()).getLong();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /**
     * The list, read on first use and kept. A failure to read it is an {@link IllegalStateException}
     * with a clear message, and is tried again on the next call rather than remembered.
     */
    private static long[] prefixes() {
        long[] loaded = prefixes;
        if (loaded == null) {
            synchronized (WeakSecrets.class) {
                loaded = prefixes;
                if (loaded == null) {
                    loaded = load();
                    prefixes = loaded;
                }
            }
        }
        return loaded;
    }

    private static long[] load() {
        byte[] text;
        try (InputStream in = WeakSecrets.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the leaked HMAC secret list " + RESOURCE
                        + " is missing from the class path; the filter cannot check its secrets");
            }
            try (InputStream unzipped = new GZIPInputStream(in)) {
                text = unzipped.readAllBytes();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the leaked HMAC secret list " + RESOURCE, e);
        }
        MessageDigest sha256 = sha256();
        long[] found = new long[128 * 1024];
        int count = 0;
        int start = 0;
        while (start < text.length) {
            int end = start;
            while (end < text.length && text[end] != '\n') {
                end++;
            }
            // The upstream file ends its lines with CRLF; the CR belongs to the line ending.
            int lineEnd = end > start && text[end - 1] == '\r' ? end - 1 : end;
            if (count == found.length) {
                found = Arrays.copyOf(found, count * 2);
            }
            found[count++] = prefix(sha256, text, start, lineEnd - start);
            start = end + 1;
        }
        long[] sorted = Arrays.copyOf(found, count);
        Arrays.sort(sorted);
        return Arrays.stream(sorted).distinct().toArray();
    }
}
