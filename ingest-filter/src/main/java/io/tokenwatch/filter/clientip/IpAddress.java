package io.tokenwatch.filter.clientip;

import io.tokenwatch.schemas.Keys;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address parsed from its text form, without any name resolution: only literals are
 * accepted, and {@link java.net.InetAddress} is never consulted, so a host name in a header can never
 * trigger a DNS lookup.
 *
 * <p>IPv4-mapped IPv6 addresses ({@code ::ffff:192.0.2.1}, what a dual-stack socket reports for an
 * IPv4 client) are the same client as the IPv4 address and are normalized to it. {@link #toString()}
 * is the canonical text form (dotted quad, or RFC 5952 for IPv6), so one address has one key however
 * a proxy or socket wrote it.
 *
 * <p>Immutable and thread-safe.
 */
public final class IpAddress {

    private final byte[] bytes;
    private final String text;

    private IpAddress(byte[] bytes) {
        this.bytes = bytes;
        this.text = bytes.length == 4 ? formatIpv4(bytes) : formatIpv6(bytes);
    }

    /**
     * Parses an IPv4 dotted quad or an IPv6 literal (RFC 4291 §2.2). Rejects host names, CIDRs, zone
     * ids, ports, brackets and IPv4 octets with leading zeros (their meaning differs between parsers).
     *
     * @throws IllegalArgumentException if {@code literal} is not an address literal
     */
    public static IpAddress parse(String literal) {
        if (literal == null || literal.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not an IP address: " + literal);
        }
        // One strict grammar for the whole system: the schema's own check decides what a literal is.
        Keys.requireIpOrCidr(literal);
        byte[] raw = literal.indexOf(':') < 0 ? parseIpv4(literal) : parseIpv6(literal);
        return new IpAddress(unmapIpv4(raw));
    }

    /** {@link #parse(String)} that answers empty instead of throwing. */
    public static Optional<IpAddress> tryParse(String literal) {
        try {
            return Optional.of(parse(literal));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static IpAddress ofBytes(byte[] bytes) {
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + bytes.length);
        }
        return new IpAddress(bytes.clone());
    }

    /**
     * This address as an {@link InetAddress}, for libraries that take one (a GeoIP database). Built
     * from the bytes, so no name is ever looked up.
     */
    public InetAddress toInetAddress() {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    public boolean isIpv4() {
        return bytes.length == 4;
    }

    /** Number of bits: 32 or 128. */
    public int bitLength() {
        return bytes.length * 8;
    }

    /** This address with every bit after the first {@code prefixLength} cleared. */
    public IpAddress mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > bitLength()) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range for " + this);
        }
        if (prefixLength == bitLength()) {
            return this;
        }
        return new IpAddress(masked(bytes, prefixLength));
    }

    /** True if the first {@code prefixLength} bits of both addresses are equal (same family only). */
    boolean samePrefix(IpAddress other, int prefixLength) {
        if (other.bytes.length != bytes.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (bytes[i] != other.bytes[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (bytes[full] & mask) == (other.bytes[full] & mask);
    }

    boolean hostBitsZero(int prefixLength) {
        return Arrays.equals(bytes, masked(bytes, prefixLength));
    }

    /** The canonical text form. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    private static byte[] masked(byte[] bytes, int prefixLength) {
        byte[] out = bytes.clone();
        for (int bit = prefixLength; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    private static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            out[i] = (byte) Integer.parseInt(parts[i]);
        }
        return out;
    }

    /** Converts an IPv6 literal already checked by {@link Keys#requireIpOrCidr(String)}. */
    private static byte[] parseIpv6(String text) {
        int elided = text.indexOf("::");
        int[] head = elided < 0 ? groups(text) : groups(text.substring(0, elided));
        int[] tail = elided < 0 ? new int[0] : groups(text.substring(elided + 2));
        int[] all = new int[8];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, 8 - tail.length, tail.length);
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (all[i] >>> 8);
            out[2 * i + 1] = (byte) all[i];
        }
        return out;
    }

    /** The 16-bit groups of a colon-separated run; a trailing dotted quad counts as two groups. */
    private static int[] groups(String run) {
        if (run.isEmpty()) {
            return new int[0];
        }
        String[] parts = run.split(":", -1);
        String last = parts[parts.length - 1];
        boolean quad = last.indexOf('.') >= 0;
        int[] out = new int[parts.length + (quad ? 1 : 0)];
        for (int i = 0; i < parts.length - (quad ? 1 : 0); i++) {
            out[i] = Integer.parseInt(parts[i], 16);
        }
        if (quad) {
            byte[] v4 = parseIpv4(last);
            out[parts.length - 1] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
            out[parts.length] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
        }
        return out;
    }

    /** RFC 4291 §2.5.5.2: {@code ::ffff:0:0/96} carries an IPv4 address. */
    private static byte[] unmapIpv4(byte[] raw) {
        if (raw.length != 16) {
            return raw;
        }
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return raw;
            }
        }
        if (raw[10] != (byte) 0xff || raw[11] != (byte) 0xff) {
            return raw;
        }
        return Arrays.copyOfRange(raw, 12, 16);
    }

    private static String formatIpv4(byte[] b) {
        return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
    }

    /** RFC 5952 §4: lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}. */
    private static String formatIpv6(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            // RFC 5952 §4.2.3: the first of equally long runs is shortened; a single zero group never is.
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(g[i]));
        }
        return out.toString();
    }
}
