package io.tokenwatch.schemas;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Canonical record keys shared by every producer and consumer (DESIGN.md §3).
 *
 * <p>Keys are plain strings with {@code |} separators. They decide partitioning: all events of one
 * verified subject land on one partition, so the detector keeps per-subject state without a
 * repartition. A {@code |} inside an issuer or subject is kept as is; the scope prefix and the
 * position of the first separator keep keys unambiguous for the scopes we parse back.
 *
 * <p>Stateless and thread-safe.
 */
public final class Keys {

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private Keys() {
    }

    /** Key of a verified subject: {@code iss|sub}. */
    public static String subject(String issuer, String subject) {
        return requireText(issuer, "issuer") + "|" + requireText(subject, "subject");
    }

    /** Key for traffic that carries no trusted subject: {@code ip|<addr>}. */
    public static String ip(String address) {
        return "ip|" + requireIpOrCidr(address);
    }

    /** Revocation key of one token: {@code jti|<iss>|<jti>}. */
    public static String jti(String issuer, String jti) {
        return "jti|" + requireText(issuer, "issuer") + "|" + requireText(jti, "jti");
    }

    /** Revocation key of every token of one subject: {@code sub|<iss>|<sub>}. */
    public static String subjectScope(String issuer, String subject) {
        return "sub|" + subject(issuer, subject);
    }

    /**
     * Checks that {@code value} is an IPv4 or IPv6 literal, optionally with a {@code /prefix}.
     * Never resolves names: a host name is rejected, not looked up.
     */
    public static String requireIpOrCidr(String value) {
        requireText(value, "ip");
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        boolean v4 = IPV4.matcher(address).matches();
        boolean v6 = !v4 && address.indexOf(':') >= 0 && IPV6.matcher(address).matches();
        if (!v4 && !v6) {
            throw new IllegalArgumentException("not an IP address or CIDR: " + value);
        }
        if (slash >= 0) {
            int max = v4 ? 32 : 128;
            int prefix;
            try {
                prefix = Integer.parseInt(value.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad CIDR prefix: " + value, e);
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("CIDR prefix out of range: " + value);
            }
        }
        return value;
    }

    static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }
}
