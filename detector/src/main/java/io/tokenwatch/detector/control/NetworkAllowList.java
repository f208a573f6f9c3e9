package io.tokenwatch.detector.control;

import io.tokenwatch.schemas.Keys;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Networks an operator vouches for: VPN ranges and office NAT as CIDRs or single addresses, and whole
 * autonomous systems by number ({@code AS64500}, e.g. a cloud provider a service account egresses
 * from). Entries are written {@code 10.20.0.0/16}, {@code 198.51.100.7}, {@code 2001:db8::/32} or
 * {@code AS64500}.
 *
 * <p>The prefix match is written here (a byte comparison of two addresses) rather than taken from a
 * library: the detector's dependencies offer none, and the filter's trusted-proxy matcher lives in a
 * module the detector must not depend on (DESIGN.md §2). Addresses are checked as literals by
 * {@link Keys#requireIpOrCidr} before {@link InetAddress#getByName} sees them, so no name is ever
 * resolved. Immutable and thread-safe.
 */
public final class NetworkAllowList {

    private static final Pattern ASN = Pattern.compile("(?i)AS(\\d{1,10})");

    private final List<Cidr> cidrs;
    private final Set<Long> asns;
    private final List<String> entries;

    private NetworkAllowList(List<Cidr> cidrs, Set<Long> asns, List<String> entries) {
        this.cidrs = List.copyOf(cidrs);
        this.asns = Set.copyOf(asns);
        this.entries = List.copyOf(entries);
    }

    /** Nothing allow-listed. */
    public static NetworkAllowList none() {
        return new NetworkAllowList(List.of(), Set.of(), List.of());
    }

    /** Parses entries; the error names the one that is not a CIDR, an address or {@code AS<number>}. */
    public static NetworkAllowList of(List<String> entries) {
        List<Cidr> cidrs = new ArrayList<>();
        Set<Long> asns = new TreeSet<>();
        List<String> kept = new ArrayList<>();
        for (String raw : entries) {
            String entry = Objects.requireNonNull(raw, "network entry").trim();
            var asn = ASN.matcher(entry);
            if (asn.matches()) {
                long number = Long.parseLong(asn.group(1));
                if (number > 0xFFFF_FFFFL) {
                    throw new IllegalArgumentException("allow-listed network '" + entry + "': AS numbers are 32-bit");
                }
                asns.add(number);
                kept.add("AS" + number);
            } else {
                try {
                    cidrs.add(Cidr.parse(entry));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("allow-listed network '" + entry
                            + "' is not a CIDR, an IP address or AS<number>: " + e.getMessage(), e);
                }
                kept.add(entry.toLowerCase(Locale.ROOT));
            }
        }
        return new NetworkAllowList(cidrs, asns, kept);
    }

    /** The entries as written (normalised), for logs and the start-up line. */
    public List<String> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** True when {@code ip} (a literal; anything else never matches) lies in an allow-listed CIDR. */
    public boolean containsAddress(String ip) {
        if (ip == null || cidrs.isEmpty()) {
            return false;
        }
        byte[] address = Cidr.bytes(ip);
        if (address == null) {
            return false;
        }
        for (Cidr cidr : cidrs) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code cidrOrIp} as a whole lies in an allow-listed CIDR (an address, or a network inside one). */
    public boolean containsNetwork(String cidrOrIp) {
        int slash = cidrOrIp.indexOf('/');
        if (slash < 0) {
            return containsAddress(cidrOrIp);
        }
        Cidr inner;
        try {
            inner = Cidr.parse(cidrOrIp);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (Cidr cidr : cidrs) {
            if (cidr.prefix <= inner.prefix && cidr.contains(inner.network)) {
                return true;
            }
        }
        return false;
    }

    /** True when the autonomous system {@code asn} is allow-listed. */
    public boolean containsAsn(Long asn) {
        return asn != null && asns.contains(asn);
    }

    /** One CIDR: network address bytes and prefix length. */
    private record Cidr(byte[] network, int prefix) {

        static Cidr parse(String text) {
            Keys.requireIpOrCidr(text);
            int slash = text.indexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            byte[] bytes = bytes(address);
            if (bytes == null) {
                throw new IllegalArgumentException("not an IP literal");
            }
            int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
            return new Cidr(bytes, prefix);
        }

        /** The address bytes of a literal, or null: checked first, so getByName never resolves a name. */
        static byte[] bytes(String literal) {
            try {
                Keys.requireIpOrCidr(literal);
                if (literal.indexOf('/') >= 0) {
                    return null;
                }
                return InetAddress.getByName(literal).getAddress();
            } catch (IllegalArgumentException | UnknownHostException e) {
                return null;
            }
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                // An IPv4 address never lies in an IPv6 range and vice versa (mapped forms are not unwrapped).
                return false;
            }
            int whole = prefix / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }
}
