package io.tokenwatch.filter.clientip;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}); a bare address
 * is the network of that one address ({@code /32} or {@code /128}). Parsed from literals only, never
 * resolved (see {@link IpAddress}).
 *
 * <p>A network with host bits set ({@code 10.0.0.1/8}) is refused rather than silently widened or
 * narrowed: these networks decide whom the filter believes about client addresses, and a typo there
 * should fail at start, not quietly trust the wrong hosts. An IPv4 network matches IPv4-mapped IPv6
 * addresses of its range, since {@link IpAddress} normalizes those to IPv4.
 *
 * <p>Immutable and thread-safe.
 */
public final class Cidr {

    private final IpAddress network;
    private final int prefixLength;

    private Cidr(IpAddress network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * @throws IllegalArgumentException if {@code text} is not {@code <address>[/<prefix>]} with host bits zero
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "cidr");
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        IpAddress address = IpAddress.parse(slash < 0 ? trimmed : trimmed.substring(0, slash));
        int prefix = slash < 0 ? address.bitLength() : parsePrefix(trimmed.substring(slash + 1), text);
        if (prefix > address.bitLength()) {
            throw new IllegalArgumentException("CIDR prefix out of range: " + text);
        }
        if (!address.hostBitsZero(prefix)) {
            throw new IllegalArgumentException("CIDR has host bits set (did you mean " + address.mask(prefix)
                    + "/" + prefix + "?): " + text);
        }
        return new Cidr(address, prefix);
    }

    /** Every network in {@code texts}, parsed with {@link #parse(String)}. */
    public static List<Cidr> parseAll(Collection<String> texts) {
        return texts.stream().map(Cidr::parse).toList();
    }

    /** True if {@code address} lies in this network; addresses of the other family never do. */
    public boolean contains(IpAddress address) {
        return address != null && network.samePrefix(address, prefixLength);
    }

    /** {@link #contains(IpAddress)} for a literal; anything that is not an address literal is not contained. */
    public boolean contains(String address) {
        Optional<IpAddress> parsed = IpAddress.tryParse(address);
        return parsed.isPresent() && contains(parsed.get());
    }

    public IpAddress network() {
        return network;
    }

    public int prefixLength() {
        return prefixLength;
    }

    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && prefixLength == other.prefixLength && network.equals(other.network);
    }

    @Override
    public int hashCode() {
        return network.hashCode() * 31 + prefixLength;
    }

    private static int parsePrefix(String digits, String text) {
        if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad CIDR prefix: " + text);
        }
        return Integer.parseInt(digits);
    }
}
