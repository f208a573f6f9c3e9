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

    private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
    private static final Pattern PREFIX = Pattern.compile("\\d{1,3}");

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
     * Key of a suppression ({@code tokenwatch.suppressions}): {@code rule|iss|sub}, where rule and issuer
     * may be {@code *} (every rule, every issuer).
     */
    public static String suppression(String rule, String issuer, String subject) {
        return requireText(rule, "rule") + "|" + subject(issuer, subject);
    }

    /**
     * Checks that {@code value} is an IPv4 or IPv6 literal, optionally with a {@code /prefix}.
     * Never resolves names: a host name is rejected, not looked up. IPv4 octets with leading zeros
     * and IPv6 zone ids ({@code %eth0}) are rejected: their meaning differs between parsers.
     */
    public static String requireIpOrCidr(String value) {
        requireText(value, "ip");
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        boolean v4 = isIpv4(address);
        boolean v6 = !v4 && isIpv6(address);
        if (!v4 && !v6) {
            throw new IllegalArgumentException("not an IP address or CIDR: " + value);
        }
        if (slash >= 0) {
            String digits = value.substring(slash + 1);
            if (!PREFIX.matcher(digits).matches()) {
                throw new IllegalArgumentException("bad CIDR prefix: " + value);
            }
            int max = v4 ? 32 : 128;
            if (Integer.parseInt(digits) > max) {
                throw new IllegalArgumentException("CIDR prefix out of range: " + value);
            }
        }
        return value;
    }

    /**
     * True when {@code text} is an IPv4 dotted quad: four decimal octets of at most 255, without
     * leading zeros (RFC 3986 §3.2.2 {@code dec-octet}), and nothing else. Written out rather than as a
     * regular expression: every request of every filter checks its client address with it.
     */
    public static boolean isIpv4(String text) {
        int length = text.length();
        if (length < 7 || length > 15) {
            return false;
        }
        int octets = 0;
        int i = 0;
        while (true) {
            int start = i;
            int value = 0;
            while (i < length && i - start < 3 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return false;
            }
            octets++;
            if (i == length) {
                return octets == 4;
            }
            if (octets == 4 || text.charAt(i) != '.') {
                return false;
            }
            i++;
        }
    }

    /** RFC 4291 §2.2 text forms: eight groups, one {@code ::}, or a trailing dotted quad. */
    private static boolean isIpv6(String address) {
        if (address.length() < 2 || address.length() > 45 || address.indexOf(':') < 0) {
            return false;
        }
        int elided = address.indexOf("::");
        if (elided < 0) {
            return groups(address, true) == 8;
        }
        if (address.indexOf("::", elided + 1) >= 0) {
            return false;
        }
        String head = address.substring(0, elided);
        String tail = address.substring(elided + 2);
        int before = head.isEmpty() ? 0 : groups(head, false);
        int after = tail.isEmpty() ? 0 : groups(tail, true);
        // "::" stands for at least one group of zeros.
        return before >= 0 && after >= 0 && before + after <= 7;
    }

    /** Number of 16-bit groups in a colon-separated run, or -1 when it is not one. */
    private static int groups(String run, boolean mayEndInIpv4) {
        String[] parts = run.split(":", -1);
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (HEX_GROUP.matcher(part).matches()) {
                count++;
            } else if (mayEndInIpv4 && i == parts.length - 1 && isIpv4(part)) {
                count += 2;
            } else {
                return -1;
            }
        }
        return count;
    }

    static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }
}
