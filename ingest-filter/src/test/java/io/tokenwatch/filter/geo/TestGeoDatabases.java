package io.tokenwatch.filter.geo;

import io.tokenwatch.filter.geo.MmdbWriter.U16;
import io.tokenwatch.filter.geo.MmdbWriter.U32;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tiny MaxMind-shaped databases written by {@link MmdbWriter}, with the database types, field names and
 * types of MaxMind's City, Country, ASN, Connection-Type, Anonymous-IP and Anonymous-Plus databases (as
 * the geoip2 model classes {@code CityResponse}, {@code AsnResponse}, {@code ConnectionTypeResponse},
 * {@code AnonymousIpResponse} and {@code AnonymousPlusResponse} read them). The places are real, the
 * networks chosen for the tests.
 *
 * <pre>
 * City (IPv6 tree, 28-bit records)                      ASN (IPv4 tree, 24-bit records)
 * 81.2.0.0/16     GB, no subdivision                    81.2.69.0/24   AS20712
 * 81.2.69.0/24    GB ENG London 51.5142 -0.0931  r 10 km
 * 2a02:ec80::/29  DE BE Berlin 52.5244 13.4105   r 20 km
 * 89.160.20.0/24  SE, no location                       1.128.0.0/11   AS1221
 * 12.81.92.0/24   US centroid 37.751 -97.822     r 1000 km
 * 146.70.0.0/16   NL NH Amsterdam 52.3759 4.8975 r 20 km
 * 200.0.0.0/24    BR centroid -10 -55         r 65535 km (the field's largest value)
 * 10.0.0.0/8      US (a private network a careless database maps; must never be used)
 *
 * Connection-Type (IPv6 tree, 24-bit)     Anonymous-IP (IPv6 tree, 24-bit): flags set -> expected kind
 * 81.2.69.0/24    Cable/DSL               185.220.101.0/24  tor, hosting, anonymous          -> TOR
 * 1.128.0.0/11    Cellular                146.70.0.0/16     vpn, hosting, anonymous          -> VPN
 * 2a02:ec80::/29  Corporate               3.5.140.0/22      hosting                          -> HOSTING
 * 89.160.20.0/24  Fibre (unknown value)   45.14.0.0/24      public + residential proxy, vpn  -> PUBLIC_PROXY
 *                                         45.15.0.0/24      residential proxy, vpn           -> RESIDENTIAL_PROXY
 *                                         45.16.0.0/24      anonymous only                   -> none
 *                                         2a0b:f4c0::/32    tor, anonymous                   -> TOR
 * Anonymous-Plus: 146.70.0.0/16 vpn, anonymous, confidence 99, provider, last seen
 * </pre>
 */
public final class TestGeoDatabases {

    public static final String LONDON_IP = "81.2.69.160";
    public static final String GB_ONLY_IP = "81.2.1.1";
    public static final String BERLIN_IP = "2a02:ec80::1";
    public static final String SWEDEN_IP = "89.160.20.112";
    public static final String ASN_ONLY_IP = "1.128.0.1";
    public static final String PRIVATE_MAPPED_IP = "10.1.2.3";
    public static final String UNKNOWN_IP = "8.8.8.8";
    public static final String CENTROID_IP = "12.81.92.1";
    public static final String HUGE_RADIUS_IP = "200.0.0.1";
    public static final String CELLULAR_IP = ASN_ONLY_IP;
    public static final String TOR_IP = "185.220.101.1";
    public static final String TOR_IPV6 = "2a0b:f4c0::1";
    public static final String VPN_IP = "146.70.1.1";
    public static final String HOSTING_IP = "3.5.140.9";
    public static final String PUBLIC_PROXY_IP = "45.14.0.1";
    public static final String RESIDENTIAL_PROXY_IP = "45.15.0.1";
    public static final String ANONYMOUS_ONLY_IP = "45.16.0.1";

    private TestGeoDatabases() {
    }

    /** A GeoLite2-City database in {@code dir}. */
    public static Path city(Path dir) {
        return new MmdbWriter("GeoLite2-City", 6, 28)
                .insert("81.2.0.0/16", Map.of("country", country(2635167, "GB", "United Kingdom", false)))
                .insert("81.2.69.0/24", cityRecord(2643743, "London", country(2635167, "GB", "United Kingdom", false),
                        subdivision(6269131, "ENG", "England"), 51.5142, -0.0931, 10, "Europe/London"))
                .insert("2a02:ec80::/29", cityRecord(2950159, "Berlin", country(2921044, "DE", "Germany", true),
                        subdivision(2950157, "BE", "Land Berlin"), 52.5244, 13.4105, 20, "Europe/Berlin"))
                .insert("89.160.20.0/24", Map.of("country", country(2661886, "SE", "Sweden", true)))
                .insert("12.81.92.0/24", centroidRecord(country(6252001, "US", "United States", false),
                        37.751, -97.822, 1000, "America/Chicago"))
                .insert("146.70.0.0/16", cityRecord(2759794, "Amsterdam", country(2750405, "NL", "Netherlands", true),
                        subdivision(2749879, "NH", "North Holland"), 52.3759, 4.8975, 20, "Europe/Amsterdam"))
                .insert("10.0.0.0/8", Map.of("country", country(6252001, "US", "United States", false)))
                .insert("200.0.0.0/24", centroidRecord(country(3469034, "BR", "Brazil", false),
                        -10.0, -55.0, 65535, "America/Sao_Paulo"))
                .write(dir.resolve("GeoLite2-City-test.mmdb"));
    }

    /** A GeoLite2-Country database in {@code dir}. */
    public static Path country(Path dir) {
        return new MmdbWriter("GeoLite2-Country", 4, 24)
                .insert("81.2.69.0/24", Map.of("country", country(2635167, "GB", "United Kingdom", false),
                        "registered_country", country(2635167, "GB", "United Kingdom", false)))
                .write(dir.resolve("GeoLite2-Country-test.mmdb"));
    }

    /** A GeoLite2-ASN database in {@code dir}; IPv4 only. */
    public static Path asn(Path dir) {
        return new MmdbWriter("GeoLite2-ASN", 4, 24)
                .insert("81.2.69.0/24", Map.of("autonomous_system_number", new U32(20712),
                        "autonomous_system_organization", "Andrews & Arnold Ltd"))
                .insert("1.128.0.0/11", Map.of("autonomous_system_number", new U32(1221),
                        "autonomous_system_organization", "Telstra Pty Ltd"))
                .write(dir.resolve("GeoLite2-ASN-test.mmdb"));
    }

    /** A GeoIP2-Connection-Type database in {@code dir}: one {@code connection_type} string per network. */
    public static Path connectionType(Path dir) {
        return new MmdbWriter("GeoIP2-Connection-Type", 6, 24)
                .insert("1.128.0.0/11", Map.of("connection_type", "Cellular"))
                .insert("81.2.69.0/24", Map.of("connection_type", "Cable/DSL"))
                .insert("89.160.20.0/24", Map.of("connection_type", "Fibre"))
                .insert("2a02:ec80::/29", Map.of("connection_type", "Corporate"))
                .write(dir.resolve("GeoIP2-Connection-Type-test.mmdb"));
    }

    /**
     * A GeoIP2-Anonymous-IP database in {@code dir}: booleans, and as in MaxMind's files only the flags
     * that are true are present.
     */
    public static Path anonymousIp(Path dir) {
        return new MmdbWriter("GeoIP2-Anonymous-IP", 6, 24)
                .insert("3.5.140.0/22", flags("is_hosting_provider"))
                .insert("45.14.0.0/24", flags("is_anonymous", "is_public_proxy", "is_residential_proxy",
                        "is_anonymous_vpn"))
                .insert("45.15.0.0/24", flags("is_anonymous", "is_residential_proxy", "is_anonymous_vpn"))
                .insert("45.16.0.0/24", flags("is_anonymous"))
                .insert("146.70.0.0/16", flags("is_anonymous", "is_anonymous_vpn", "is_hosting_provider"))
                .insert("185.220.101.0/24", flags("is_anonymous", "is_tor_exit_node", "is_hosting_provider"))
                .insert("2a0b:f4c0::/32", flags("is_anonymous", "is_tor_exit_node"))
                .write(dir.resolve("GeoIP2-Anonymous-IP-test.mmdb"));
    }

    /** A GeoIP-Anonymous-Plus database in {@code dir}: the Anonymous-IP flags plus confidence and provider. */
    public static Path anonymousPlus(Path dir) {
        Map<String, Object> vpn = new LinkedHashMap<>(flags("is_anonymous", "is_anonymous_vpn"));
        vpn.put("anonymizer_confidence", new U16(99));
        vpn.put("network_last_seen", "2025-04-14");
        vpn.put("provider_name", "testvpn");
        return new MmdbWriter("GeoIP-Anonymous-Plus", 6, 24)
                .insert("146.70.0.0/16", vpn)
                .write(dir.resolve("GeoIP-Anonymous-Plus-test.mmdb"));
    }

    private static Map<String, Object> flags(String... names) {
        Map<String, Object> flags = new LinkedHashMap<>();
        for (String name : names) {
            flags.put(name, true);
        }
        return flags;
    }

    private static Map<String, Object> cityRecord(long geonameId, String name, Map<String, Object> country,
                                                  Map<String, Object> subdivision, double lat, double lon,
                                                  int radiusKm, String timeZone) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("city", Map.of("geoname_id", new U32(geonameId), "names", Map.of("en", name)));
        record.put("continent", Map.of("code", "EU", "geoname_id", new U32(6255148), "names", Map.of("en", "Europe")));
        record.put("country", country);
        record.put("location", Map.of("accuracy_radius", new U16(radiusKm), "latitude", lat, "longitude", lon,
                "time_zone", timeZone));
        record.put("registered_country", country);
        record.put("subdivisions", List.of(subdivision));
        return record;
    }

    /** A record placing an address only at its country's centroid, with MaxMind's country-wide radius. */
    private static Map<String, Object> centroidRecord(Map<String, Object> country, double lat, double lon,
                                                      int radiusKm, String timeZone) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("continent", Map.of("code", "NA", "geoname_id", new U32(6255149),
                "names", Map.of("en", "North America")));
        record.put("country", country);
        record.put("location", Map.of("accuracy_radius", new U16(radiusKm), "latitude", lat, "longitude", lon,
                "time_zone", timeZone));
        record.put("registered_country", country);
        return record;
    }

    private static Map<String, Object> country(long geonameId, String isoCode, String name, boolean eu) {
        Map<String, Object> country = new LinkedHashMap<>();
        country.put("geoname_id", new U32(geonameId));
        if (eu) {
            country.put("is_in_european_union", true);
        }
        country.put("iso_code", isoCode);
        country.put("names", Map.of("en", name));
        return country;
    }

    private static Map<String, Object> subdivision(long geonameId, String isoCode, String name) {
        return Map.of("geoname_id", new U32(geonameId), "iso_code", isoCode, "names", Map.of("en", name));
    }
}
