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
