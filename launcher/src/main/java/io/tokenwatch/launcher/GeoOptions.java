package io.tokenwatch.launcher;

import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;
import io.tokenwatch.filter.micronaut.GeoConfiguration;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the gateway's usage events get their geo: CDN headers (believed from {@code --trusted-proxy}
 * peers only), a CIDR table, MaxMind City/Country and ASN databases. Each option is one
 * {@code tokenwatch.filter.geo.*} property; without any, events carry no geo.
 */
final class GeoOptions {

    @Option(names = "--geo-country-header", arity = "0..1", paramLabel = "NAME",
            fallbackValue = CdnHeaderGeoResolver.CLOUDFRONT_COUNTRY,
            description = "Believe the CDN's viewer geo headers from trusted proxies; NAME is the country header"
                    + " (alone: ${FALLBACK-VALUE}, with CloudFront's region, latitude, longitude and ASN headers).")
    String countryHeader;

    @Option(names = "--geo-database", paramLabel = "FILE",
            description = "A GeoIP2/GeoLite2 City or Country database (.mmdb).")
    Path database;

    @Option(names = "--geo-asn-database", paramLabel = "FILE",
            description = "A GeoIP2/GeoLite2 ASN database (.mmdb).")
    Path asnDatabase;

    @Option(names = "--geo-table", paramLabel = "FILE",
            description = "A CSV table cidr,country,region,lat,lon,asn for private networks and demos;"
                    + " asked before the databases.")
    Path table;

    /** Adds the properties these options stand for. */
    void putInto(Map<String, Object> props) {
        String g = GeoConfiguration.PREFIX;
        if (countryHeader != null) {
            props.put(g + ".cdn-headers", true);
            props.put(g + ".country-header", countryHeader);
        }
        if (database != null) {
            props.put(g + ".database", readable(database, "--geo-database").toString());
        }
        if (asnDatabase != null) {
            props.put(g + ".asn-database", readable(asnDatabase, "--geo-asn-database").toString());
        }
        if (table != null) {
            props.put(g + ".table", readable(table, "--geo-table").toString());
        }
    }

    private static Path readable(Path file, String option) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(option + ": cannot read " + file);
        }
        return file;
    }
}
