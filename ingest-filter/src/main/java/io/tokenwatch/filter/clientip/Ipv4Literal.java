package io.tokenwatch.filter.clientip;

/**
 * The one IPv4 spelling that needs no parsing: a canonical dotted quad (four decimal octets of at
 * most 255, no leading zeros, nothing else). It is exactly the IPv4 form {@code Keys.requireIpOrCidr}
 * accepts and the text {@link IpAddress#toString()} gives back for it, so a caller holding one can use
 * the text as is and skip the general parser, which costs more than the rest of a cached request's
 * address handling. Anything else, IPv6 included, goes to {@link IpAddress#parse}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Ipv4Literal {

    private Ipv4Literal() {
    }

    /** True when {@code text} is a canonical dotted quad such as {@code 192.0.2.1}. */
    public static boolean isCanonical(String text) {
        int length = text.length();
        if (length < 7 || length > 15) {
            return false;
        }
        int octets = 0;
        int i = 0;
        while (i < length) {
            int start = i;
            int value = 0;
            while (i < length && i - start < 3) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                value = value * 10 + (c - '0');
                i++;
            }
            int digits = i - start;
            // RFC 3986 §3.2.2 dec-octet: 0-255, no leading zeros.
            if (digits == 0 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return false;
            }
            octets++;
            if (i == length) {
                break;
            }
            if (text.charAt(i) != '.' || octets == 4) {
                return false;
            }
            i++;
            if (i == length) {
                return false;
            }
        }
        return octets == 4;
    }
}
