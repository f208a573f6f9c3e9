package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.Locale;

/**
 * The grammar of each geo field, shared by every resolver so that an event's {@code geo} means the same
 * whatever produced it. Each check answers the value, normalized, or null when it does not conform;
 * none throws. Stateless and thread-safe.
 */
final class GeoFields {

    /** Longest coordinate text accepted: sign, three digits, point, and more decimals than any CDN sends. */
    private static final int MAX_COORDINATE_LENGTH = 20;
    private static final long MAX_ASN = 0xFFFF_FFFFL;
    /**
     * Largest accuracy radius that says anything: half the Earth's equatorial circumference, the
     * farthest two places can be apart. MaxMind's widest (country-level) radius is 1000 km.
     */
    static final int MAX_ACCURACY_RADIUS_KM = 20_038;

    private GeoFields() {
    }

    /**
     * ISO 3166-1 alpha-2: exactly two upper-case ASCII letters. {@code XX} and {@code ZZ}, which CDNs
     * and databases use for "unknown", are no answer.
     */
    static String country(String value) {
        if (value == null || value.length() != 2 || !isUpper(value.charAt(0)) || !isUpper(value.charAt(1))) {
            return null;
        }
        return value.equals("XX") || value.equals("ZZ") ? null : value;
    }

    /** ISO 3166-2 §5.2: the subdivision code after the country is one to three letters or digits. */
    static String region(String value) {
        if (value == null || value.isEmpty() || value.length() > 3) {
            return null;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isUpper(c) && !isDigit(c)) {
                return null;
            }
        }
        return value;
    }

    /**
     * Decimal degrees as text: optional sign, one to three digits, optionally a point and at least one
     * digit, within ±{@code limit}. No exponents, {@code NaN}, {@code Infinity} or hex.
     */
    static Double coordinate(String value, int limit) {
        if (value == null || value.isEmpty() || value.length() > MAX_COORDINATE_LENGTH) {
            return null;
        }
        int i = value.charAt(0) == '-' || value.charAt(0) == '+' ? 1 : 0;
        int digits = 0;
        while (i < value.length() && isDigit(value.charAt(i))) {
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3) {
            return null;
        }
        if (i < value.length()) {
            if (value.charAt(i) != '.' || i == value.length() - 1) {
                return null;
            }
            for (i = i + 1; i < value.length(); i++) {
                if (!isDigit(value.charAt(i))) {
                    return null;
                }
            }
        }
        return coordinate(Double.parseDouble(value), limit);
    }

    /** A finite number of degrees within ±{@code limit}, or null. */
    static Double coordinate(Double degrees, int limit) {
        if (degrees == null || degrees.isNaN() || degrees < -limit || degrees > limit) {
            return null;
        }
        return degrees;
    }

    /**
     * A four-octet AS number (RFC 6793) as decimal text, optionally prefixed {@code AS}; 0 is reserved
     * (RFC 7607) and means nothing.
     */
    static Long asn(String value) {
        if (value == null) {
            return null;
        }
        String digits = value.toUpperCase(Locale.ROOT).startsWith("AS") ? value.substring(2) : value;
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(GeoFields::isDigit)) {
            return null;
        }
        return asn(Long.parseLong(digits));
    }

    /** An AS number from 1 to 2³²−1, or null. */
    static Long asn(Long asn) {
        return asn == null || asn < 1 || asn > MAX_ASN ? null : asn;
    }

    /** An accuracy radius in whole kilometres as decimal digits, 0 to {@link #MAX_ACCURACY_RADIUS_KM}; else null. */
    static Integer accuracyRadiusKm(String value) {
        if (value == null || value.isEmpty() || value.length() > 5 || !value.chars().allMatch(GeoFields::isDigit)) {
            return null;
        }
        return accuracyRadiusKm(Integer.parseInt(value));
    }

    /** A radius from 0 to {@link #MAX_ACCURACY_RADIUS_KM} km, or null. */
    static Integer accuracyRadiusKm(Integer km) {
        return km == null || km < 0 || km > MAX_ACCURACY_RADIUS_KM ? null : km;
    }

    /** A connection type by its event wire name ({@code cable_dsl}, {@code cellular}, …), exactly; else null. */
    static TokenUsageEvent.ConnectionType connectionType(String wire) {
        return wire == null ? null : TokenUsageEvent.ConnectionType.fromWire(wire);
    }

    /** An anonymizer kind by its event wire name ({@code vpn}, {@code hosting}, …), exactly; else null. */
    static TokenUsageEvent.Anonymizer anonymizer(String wire) {
        return wire == null ? null : TokenUsageEvent.Anonymizer.fromWire(wire);
    }

    /** True if the answer says anything about where the client is, as opposed to only its network. */
    static boolean hasLocation(TokenUsageEvent.Geo geo) {
        return geo.country() != null || geo.region() != null || geo.lat() != null;
    }

    private static boolean isUpper(int c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
