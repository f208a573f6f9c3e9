package io.tokenwatch.filter.geo;

import io.tokenwatch.filter.geo.MmdbWriter.U16;
import io.tokenwatch.filter.geo.MmdbWriter.U32;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tiny GeoLite2-shaped databases written by {@link MmdbWriter}, with the field names and types of
 * MaxMind's City, Country and ASN databases. The places are real, the networks chosen for the tests.
 *
 * <pre>
 * City (IPv6 tree, 28-bit records)         ASN (IPv4 tree, 24-bit records)
 * 81.2.0.0/16     GB, no subdivision       81.2.69.0/24   AS20712
 * 81.2.69.0/24    GB ENG London 51.5142 -0.0931
 * 2a02:ec80::/29  DE BE Berlin 52.5244 13.4105
 * 89.160.20.0/24  SE, no location          1.128.0.0/11   AS1221
 * 10.0.0.0/8      US (a private network a careless database maps; must never be used)
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

    private TestGeoDatabases() {
    }

    /** A GeoLite2-City database in {@code dir}. */
    public static Path city(Path dir) {
        return new MmdbWriter("GeoLite2-City", 6, 28)
                .insert("81.2.0.0/16", Map.of("country", country(2635167, "GB", "United Kingdom", false)))
                .insert("81.2.69.0/24", cityRecord(2643743, "London", country(2635167, "GB", "United Kingdom", false),
                        subdivision(6269131, "ENG", "England"), 51.5142, -0.0931, "Europe/London"))
                .insert("2a02:ec80::/29", cityRecord(2950159, "Berlin", country(2921044, "DE", "Germany", true),
                        subdivision(2950157, "BE", "Land Berlin"), 52.5244, 13.4105, "Europe/Berlin"))
                .insert("89.160.20.0/24", Map.of("country", country(2661886, "SE", "Sweden", true)))
                .insert("10.0.0.0/8", Map.of("country", country(6252001, "US", "United States", false)))
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

    private static Map<String, Object> cityRecord(long geonameId, String name, Map<String, Object> country,
                                                  Map<String, Object> subdivision, double lat, double lon,
                                                  String timeZone) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("city", Map.of("geoname_id", new U32(geonameId), "names", Map.of("en", name)));
        record.put("continent", Map.of("code", "EU", "geoname_id", new U32(6255148), "names", Map.of("en", "Europe")));
        record.put("country", country);
        record.put("location", Map.of("accuracy_radius", new U16(10), "latitude", lat, "longitude", lon,
                "time_zone", timeZone));
        record.put("registered_country", country);
        record.put("subdivisions", List.of(subdivision));
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
