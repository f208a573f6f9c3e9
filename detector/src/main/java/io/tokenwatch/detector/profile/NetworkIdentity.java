package io.tokenwatch.detector.profile;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.Locale;
import java.util.Objects;

/**
 * The one definition of "client network" that the profile rules and the token-replay rule share, so
 * that both count the same thing (issue 10, cause 2).
 *
 * <ul>
 *   <li>With an ASN, the network is the ASN ({@code AS3320}) — except on a home line (cable/DSL,
 *       dial-up), where the ASN and the /24 (or /48) are kept apart ({@code AS3320 198.51.100.0/24}):
 *       a home router keeps its address for days, so two homes of one ISP in one city are two
 *       networks (how same-city theft shows).</li>
 *   <li>Mobile (cellular, satellite), corporate, hosting and anonymizer networks are never split by
 *       prefix: a phone moves across its carrier's carrier-grade NAT pool, a company and a cloud
 *       service leave through several egress addresses, and none of that is a second holder.</li>
 *   <li>Without an ASN (no resolver), the /24 (IPv4) or /48 (IPv6) of the address.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * @param id   the network's name as counted
 * @param kind what sort of network it is, which decides how far its geolocation is trusted
 */
public record NetworkIdentity(String id, Kind kind) {

    /** What sort of network an address belongs to, from the resolver's connection type and anonymizer data. */
    public enum Kind {
        /** A home line (cable, DSL, fibre, dial-up): located to a city, one address for days. */
        HOME,
        /** A company's network: located to a city, several egress addresses. */
        OFFICE,
        /** Cellular or satellite: carrier-grade NAT located at a gateway or the country centroid. */
        MOBILE,
        /** Hosting, VPN, proxy or Tor: the exit's location says nothing about the person. */
        ANONYMOUS,
        /** The resolver did not say. */
        UNKNOWN
    }

    public NetworkIdentity {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * Whether one holder switching to or from this kind of network now and then is ordinary: phones
     * flap between Wi-Fi and mobile data, VPNs and proxies are switched on and off, corporate VPNs
     * and egress pools alternate. Only a home line is steady enough that one return to it (A, B, A)
     * already means two holders.
     */
    public boolean isWobbly() {
        return kind != Kind.HOME;
    }

    /** The network of a request, by its client address and whatever the geo resolver said about it. */
    public static NetworkIdentity of(TokenUsageEvent.RequestFacts request) {
        return of(request.clientIp(), request.geo());
    }

    /** The network of {@code ip}, located (or not) as {@code geo} says. */
    public static NetworkIdentity of(String ip, TokenUsageEvent.Geo geo) {
        String prefix = prefix(ip);
        Kind kind = kindOf(geo);
        if (geo == null || geo.asn() == null) {
            return new NetworkIdentity(prefix, kind);
        }
        String asn = "AS" + geo.asn();
        return new NetworkIdentity(kind == Kind.HOME ? asn + " " + prefix : asn, kind);
    }

    static Kind kindOf(TokenUsageEvent.Geo geo) {
        if (geo == null) {
            return Kind.UNKNOWN;
        }
        if (geo.anonymizer() != null) {
            return Kind.ANONYMOUS;
        }
        if (geo.connectionType() == null) {
            return Kind.UNKNOWN;
        }
        return switch (geo.connectionType()) {
            case CELLULAR, SATELLITE -> Kind.MOBILE;
            case CABLE_DSL, DIALUP -> Kind.HOME;
            case CORPORATE -> Kind.OFFICE;
        };
    }

    /** IPv4 by /24, IPv6 by /48; an unparseable value is its own network. */
    public static String prefix(String ip) {
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
        String g = group.toLowerCase(Locale.ROOT).replaceFirst("^0+(?=.)", "");
        return g.isEmpty() ? "0" : g;
    }
}
