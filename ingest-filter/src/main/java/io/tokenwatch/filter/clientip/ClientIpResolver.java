package io.tokenwatch.filter.clientip;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the client address of a request: the socket peer, unless the peer is a configured trusted
 * proxy; only then is {@code X-Forwarded-For} read, right to left (DESIGN.md §4). Adapters call this
 * and pass the result as {@code FilterRequest.clientIp}.
 *
 * <h2>The rule</h2>
 * Every proxy appends the address it received the connection from to the right of
 * {@code X-Forwarded-For}. So an entry is only as believable as the hop that wrote it, and the hop
 * that wrote an entry is its right neighbour (for the rightmost entry, the socket peer). The walk:
 * <ol>
 *   <li>Start at the socket peer. If it is not trusted, it is the client and {@code X-Forwarded-For}
 *       is ignored entirely: a client talking to us directly can write anything there.</li>
 *   <li>While the current hop is trusted, step to the entry on its left (the one it wrote). The first
 *       address that is not a trusted proxy is the client. Entries further left were written by the
 *       client or by hosts we do not trust, and are never read.</li>
 *   <li>An entry that is not an address ({@code unknown}, a host name, an obfuscated id, garbage)
 *       stops the walk, and the client is its right neighbour: the last trusted hop, the proxy that
 *       wrote the garbage. Skipping over it would mean believing whatever stands to its left, which
 *       nobody we trust vouched for.</li>
 *   <li>If the entries run out while every hop was trusted (a request from inside the trusted
 *       network), the client is the leftmost entry, which a trusted proxy wrote.</li>
 *   <li>At most {@code maxHops} entries are examined; a longer run of trusted hops ends as in 4.</li>
 * </ol>
 * Several {@code X-Forwarded-For} header lines are one list, concatenated in order (RFC 9110 §5.3).
 * Empty list elements are ignored (RFC 9110 §5.6.1). An entry may carry a port
 * ({@code 192.0.2.1:5678}, {@code [2001:db8::1]:443}) and IPv6 may be bracketed; the port is dropped.
 *
 * <p>Consequence: a client that rotates {@code X-Forwarded-For} gains nothing. Talking to us directly,
 * its header is ignored; through a trusted proxy, the proxy appends the real address to the right of
 * whatever the client wrote, and the walk stops there.
 *
 * <p>The answer is the canonical text of the address ({@link IpAddress#toString()}), so one client
 * has one rate-limit bucket and one revocation key however proxies spell its address.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientIpResolver {

    /** Default cap on the entries examined per request. */
    public static final int DEFAULT_MAX_HOPS = 16;

    private final List<Cidr> trustedProxies;
    private final int maxHops;

    /** @param trustedProxies networks of the proxies whose {@code X-Forwarded-For} entries are believed */
    public ClientIpResolver(List<Cidr> trustedProxies) {
        this(trustedProxies, DEFAULT_MAX_HOPS);
    }

    /** @param maxHops the most {@code X-Forwarded-For} entries examined per request, at least 1 */
    public ClientIpResolver(List<Cidr> trustedProxies, int maxHops) {
        this.trustedProxies = List.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
        if (maxHops < 1) {
            throw new IllegalArgumentException("maxHops must be >= 1, was " + maxHops);
        }
        this.maxHops = maxHops;
    }

    /** A resolver trusting these networks, e.g. {@code trusting("10.0.0.0/8", "fd00::/8")}. */
    public static ClientIpResolver trusting(String... cidrs) {
        return new ClientIpResolver(Cidr.parseAll(Arrays.asList(cidrs)));
    }

    /** A resolver that trusts no proxy: the socket peer is always the client. */
    public static ClientIpResolver socketOnly() {
        return new ClientIpResolver(List.of());
    }

    /**
     * @param socketPeer     the address of the TCP peer (brackets and an IPv6 zone id are tolerated)
     * @param xForwardedFor  every {@code X-Forwarded-For} header value, in the order received; may be empty
     * @return the client address, canonical text
     * @throws IllegalArgumentException if {@code socketPeer} is not an address literal (an adapter bug)
     */
    public String resolve(String socketPeer, List<String> xForwardedFor) {
        IpAddress hop = socketPeer(socketPeer);
        if (!isTrusted(hop) || xForwardedFor == null || xForwardedFor.isEmpty()) {
            return hop.toString();
        }
        int examined = 0;
        for (int line = xForwardedFor.size() - 1; line >= 0; line--) {
            String value = xForwardedFor.get(line);
            if (value == null) {
                continue;
            }
            int end = value.length();
            while (true) {
                int comma = value.lastIndexOf(',', end - 1);
                String element = trimOws(value, comma + 1, end);
                if (++examined > maxHops) {
                    return hop.toString();
                }
                if (!element.isEmpty()) {
                    Optional<IpAddress> entry = forwardedAddress(element);
                    if (entry.isEmpty()) {
                        // Rule 3: the trusted hop that wrote a non-address is the best we can vouch for.
                        return hop.toString();
                    }
                    hop = entry.get();
                    if (!isTrusted(hop)) {
                        return hop.toString();
                    }
                }
                if (comma < 0) {
                    break;
                }
                end = comma;
            }
        }
        return hop.toString();
    }

    /** True if {@code address} lies in a trusted proxy network. */
    public boolean isTrusted(IpAddress address) {
        for (Cidr network : trustedProxies) {
            if (network.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if the socket peer is a trusted proxy, so headers it sets for the client (geo headers of a
     * CDN) may be believed; false for anything that is not an address literal.
     *
     * @param socketPeer the address of the TCP peer, as for {@link #resolve}
     */
    public boolean isTrustedPeer(String socketPeer) {
        if (trustedProxies.isEmpty() || socketPeer == null) {
            return false;
        }
        try {
            return isTrusted(socketPeer(socketPeer));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public List<Cidr> trustedProxies() {
        return trustedProxies;
    }

    private static IpAddress socketPeer(String peer) {
        Objects.requireNonNull(peer, "socketPeer");
        String text = peer.strip();
        if (text.length() > 2 && text.charAt(0) == '[' && text.charAt(text.length() - 1) == ']') {
            text = text.substring(1, text.length() - 1);
        }
        int zone = text.indexOf('%');
        if (zone >= 0 && text.indexOf(':') >= 0) {
            // A link-local peer as Java prints it (fe80::1%eth0); the zone says nothing about the client.
            text = text.substring(0, zone);
        }
        return IpAddress.parse(text);
    }

    /** One list element: an address, optionally bracketed (IPv6) and optionally with a port. */
    private static Optional<IpAddress> forwardedAddress(String element) {
        if (element.charAt(0) == '[') {
            int close = element.indexOf(']');
            if (close < 0 || !isPortSuffix(element, close + 1)) {
                return Optional.empty();
            }
            String inner = element.substring(1, close);
            return inner.indexOf(':') < 0 ? Optional.empty() : IpAddress.tryParse(inner);
        }
        int colon = element.indexOf(':');
        if (colon >= 0 && colon == element.lastIndexOf(':')) {
            // Exactly one colon: IPv4 with a port. (An IPv6 literal has at least two.)
            if (!isPortSuffix(element, colon)) {
                return Optional.empty();
            }
            String host = element.substring(0, colon);
            return host.indexOf('.') < 0 ? Optional.empty() : IpAddress.tryParse(host);
        }
        return IpAddress.tryParse(element);
    }

    /** True if {@code text} ends at {@code from}, or continues with {@code :<port>} and then ends. */
    private static boolean isPortSuffix(String text, int from) {
        if (from == text.length()) {
            return true;
        }
        if (text.charAt(from) != ':') {
            return false;
        }
        String digits = text.substring(from + 1);
        if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        return Integer.parseInt(digits) <= 65535;
    }

    /** RFC 9110 §5.6.3: optional whitespace is spaces and horizontal tabs. */
    private static String trimOws(String value, int start, int end) {
        while (start < end && isOws(value.charAt(start))) {
            start++;
        }
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
