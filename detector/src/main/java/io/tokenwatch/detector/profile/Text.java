package io.tokenwatch.detector.profile;

import java.nio.charset.StandardCharsets;

/** Small text helpers for bounded profile state. Stateless and thread-safe. */
final class Text {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Text() {
    }

    /** {@code value} cut to at most {@code maxBytes} UTF-8 bytes, never inside a character. */
    static String truncateUtf8(String value, int maxBytes) {
        if (value.length() * 3 <= maxBytes || value.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return value;
        }
        int bytes = 0;
        int i = 0;
        while (i < value.length()) {
            int cp = value.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return value.substring(0, i);
    }

    /**
     * 64-bit FNV-1a of the UTF-8 bytes: a fixed-size stand-in for open-ended identifiers (device ids,
     * networks, token ids), so a profile's size does not depend on what a service sends. It bounds
     * size; it is not a privacy measure (an unkeyed hash of a guessable value can be reversed).
     */
    static long hash64(String value) {
        long hash = FNV_OFFSET;
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= FNV_PRIME;
        }
        return hash;
    }
}
