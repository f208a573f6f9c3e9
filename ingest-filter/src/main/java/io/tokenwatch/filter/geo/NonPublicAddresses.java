package io.tokenwatch.filter.geo;

import io.tokenwatch.filter.clientip.Cidr;
import io.tokenwatch.filter.clientip.IpAddress;

import java.util.List;

/**
 * Addresses that are not on the public Internet, so no geolocation database knows where they are:
 * private, shared, loopback, link-local, documentation, benchmarking, multicast and reserved ranges of
 * the IANA special-purpose registries (RFC 6890 and the RFCs each entry cites). A database lookup for
 * one of them is skipped; a {@link CidrTableGeoResolver} may still place them. Immutable, thread-safe.
 */
final class NonPublicAddresses {

    private static final List<Cidr> NETWORKS = Cidr.parseAll(List.of(
            "0.0.0.0/8",          // RFC 791 "this network"
            "10.0.0.0/8",         // RFC 1918
            "100.64.0.0/10",      // RFC 6598 shared (carrier-grade NAT)
            "127.0.0.0/8",        // RFC 1122 loopback
            "169.254.0.0/16",     // RFC 3927 link-local
            "172.16.0.0/12",      // RFC 1918
            "192.0.0.0/24",       // RFC 6890 IETF protocol assignments
            "192.0.2.0/24",       // RFC 5737 TEST-NET-1
            "192.168.0.0/16",     // RFC 1918
            "198.18.0.0/15",      // RFC 2544 benchmarking
            "198.51.100.0/24",    // RFC 5737 TEST-NET-2
            "203.0.113.0/24",     // RFC 5737 TEST-NET-3
            "224.0.0.0/4",        // RFC 5771 multicast
            "240.0.0.0/4",        // RFC 1112 reserved, and the broadcast address
            "::/128",             // RFC 4291 unspecified
            "::1/128",            // RFC 4291 loopback
            "100::/64",           // RFC 6666 discard
            "2001:db8::/32",      // RFC 3849 documentation
            "fc00::/7",           // RFC 4193 unique local
            "fe80::/10",          // RFC 4291 link-local
            "ff00::/8"));         // RFC 4291 multicast

    private NonPublicAddresses() {
    }

    static boolean contains(IpAddress address) {
        for (Cidr network : NETWORKS) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
