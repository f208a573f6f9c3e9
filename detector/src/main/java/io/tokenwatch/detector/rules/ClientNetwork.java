package io.tokenwatch.detector.rules;

/**
 * Groups client addresses into networks, so that two requests from one office or one mobile carrier
 * cell count as one place: IPv4 by /24, IPv6 by /48. Stateless and thread-safe.
 */
public final class ClientNetwork {

    private ClientNetwork() {
    }

    /** The network of an IP literal, e.g. {@code 203.0.113.0/24}; an unparseable value is its own network. */
    public static String of(String ip) {
        if (ip.indexOf(':') >= 0) {
            return ipv6Prefix48(ip);
        }
        int last = ip.lastIndexOf('.');
        return last < 0 ? ip : ip.substring(0, last) + ".0/24";
    }

    private static String ipv6Prefix48(String ip) {
        String[] groups = expandIpv6(ip);
        if (groups == null) {
            return ip;
        }
        return groups[0] + ":" + groups[1] + ":" + groups[2] + "::/48";
    }

    /** Expands {@code ::} so the first three groups can be read; null if not plain IPv6. */
    private static String[] expandIpv6(String ip) {
        if (ip.indexOf('.') >= 0 || ip.indexOf('%') >= 0) {
            return null;
        }
        String[] out = new String[8];
        int gap = ip.indexOf("::");
        String[] head = gap < 0 ? ip.split(":") : (gap == 0 ? new String[0] : ip.substring(0, gap).split(":"));
        String[] tail = gap < 0 ? new String[0]
                : (gap + 2 >= ip.length() ? new String[0] : ip.substring(gap + 2).split(":"));
        if (head.length + tail.length > 8) {
            return null;
        }
        java.util.Arrays.fill(out, "0");
        for (int i = 0; i < head.length; i++) {
            out[i] = normalise(head[i]);
        }
        for (int i = 0; i < tail.length; i++) {
            out[8 - tail.length + i] = normalise(tail[i]);
        }
        return out;
    }

    private static String normalise(String group) {
        String g = group.toLowerCase(java.util.Locale.ROOT).replaceFirst("^0+(?=.)", "");
        return g.isEmpty() ? "0" : g;
    }
}
