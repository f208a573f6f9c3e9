package io.tokenwatch.filter.validation;

import java.util.Base64;

/**
 * Strict base64url as JOSE writes it (RFC 7515 §2, RFC 4648 §5): the URL-safe alphabet only, no
 * padding, no whitespace, and zero pad bits. Lenient decoders accept several spellings of the same
 * bytes (jjwt skips characters outside the alphabet, {@code java.util.Base64} accepts padding and
 * ignores pad bits); a signature covers the spelling, not the bytes, so only one is accepted here.
 *
 * <p>Stateless and thread-safe.
 */
final class Base64Url {

    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** Base64url value of each ASCII code, -1 for characters outside the alphabet. */
    private static final byte[] VALUES = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            VALUES[c] = (byte) valueOf((char) c);
        }
    }

    private Base64Url() {
    }

    /** True when {@code text[from, to)} is canonical unpadded base64url; the empty range is. */
    static boolean isCanonical(CharSequence text, int from, int to) {
        int length = to - from;
        // RFC 4648 §4: a single trailing character cannot carry a whole octet.
        if (length % 4 == 1) {
            return false;
        }
        int last = 0;
        for (int i = from; i < to; i++) {
            last = valueOf(text.charAt(i));
            if (last < 0) {
                // RFC 7515 §2: no line breaks, whitespace, padding or other additional characters.
                return false;
            }
        }
        // RFC 4648 §3.5: pad bits MUST be zero; a non-zero pad bit is a second spelling of the bytes.
        int padBits = switch (length % 4) {
            case 2 -> 0b1111;
            case 3 -> 0b11;
            default -> 0;
        };
        return (last & padBits) == 0;
    }

    /** Decodes canonical unpadded base64url, or throws {@link IllegalArgumentException} naming {@code what}. */
    static byte[] decode(String text, String what) {
        if (!isCanonical(text, 0, text.length())) {
            throw new IllegalArgumentException(what + " is not unpadded base64url (RFC 7515 §2)");
        }
        return DECODER.decode(text);
    }

    /**
     * Decodes {@code ascii[from, to)}, which must be canonical unpadded base64url, in one pass: the
     * check of {@link #isCanonical} and the decoding together. Returns {@code null} when the range is
     * not canonical (a character outside the alphabet, a dangling character, a non-zero pad bit).
     */
    static byte[] decode(byte[] ascii, int from, int to) {
        int length = to - from;
        int tail = length % 4;
        // RFC 4648 §4: a single trailing character cannot carry a whole octet.
        if (tail == 1) {
            return null;
        }
        byte[] out = new byte[length / 4 * 3 + (tail == 0 ? 0 : tail - 1)];
        int o = 0;
        int i = from;
        int whole = to - tail;
        while (i < whole) {
            int a = valueOf(ascii[i]);
            int b = valueOf(ascii[i + 1]);
            int c = valueOf(ascii[i + 2]);
            int d = valueOf(ascii[i + 3]);
            // RFC 7515 §2: no line breaks, whitespace, padding or other additional characters.
            if ((a | b | c | d) < 0) {
                return null;
            }
            int bits = a << 18 | b << 12 | c << 6 | d;
            out[o] = (byte) (bits >> 16);
            out[o + 1] = (byte) (bits >> 8);
            out[o + 2] = (byte) bits;
            o += 3;
            i += 4;
        }
        if (tail == 2) {
            int a = valueOf(ascii[i]);
            int b = valueOf(ascii[i + 1]);
            // RFC 4648 §3.5: pad bits MUST be zero; a non-zero pad bit is a second spelling of the bytes.
            if ((a | b) < 0 || (b & 0b1111) != 0) {
                return null;
            }
            out[o] = (byte) (a << 2 | b >> 4);
        } else if (tail == 3) {
            int a = valueOf(ascii[i]);
            int b = valueOf(ascii[i + 1]);
            int c = valueOf(ascii[i + 2]);
            if ((a | b | c) < 0 || (c & 0b11) != 0) {
                return null;
            }
            int bits = a << 12 | b << 6 | c;
            out[o] = (byte) (bits >> 10);
            out[o + 1] = (byte) (bits >> 2);
        }
        return out;
    }

    private static int valueOf(byte b) {
        return b < 0 ? -1 : VALUES[b];
    }

    private static int valueOf(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '-') {
            return 62;
        }
        if (c == '_') {
            return 63;
        }
        return -1;
    }
}
