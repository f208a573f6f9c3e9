package io.tokenwatch.launcher;

import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;
import io.tokenwatch.filter.micronaut.GeoConfiguration;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the gateway's usage events get their geo: CDN headers (believed from {@code --trusted-proxy}
 * peers only), a CIDR table, MaxMind City/Country, ASN, Connection-Type and Anonymous-IP databases.
 * Each option is one {@code tokenwatch.filter.geo.*} property; without any, events carry no geo.
 */
final class GeoOptions {

    @Option(names = "--geo-country-header", arity = "0..1", paramLabel = "NAME",
            fallbackValue = CdnHeaderGeoResolver.CLOUDFRONT_COUNTRY,
            description = "Believe the CDN's viewer geo headers from trusted proxies; NAME is the country header"
                    + " (alone: ${FALLBACK-VALUE}, with CloudFront's region, latitude, longitude and ASN headers).")
    String countryHeader;

    @Option(names = "--geo-database", paramLabel = "FILE",
            description = "A GeoIP2/GeoLite2 City or Country database (.mmdb): country, region, lat/lon and"
                    + " their accuracy radius (City).")
    Path database;

    @Option(names = "--geo-asn-database", paramLabel = "FILE",
            description = "A GeoIP2/GeoLite2 ASN database (.mmdb).")
    Path asnDatabase;

    @Option(names = "--geo-connection-type-database", paramLabel = "FILE",
            description = "A GeoIP2 Connection-Type database (.mmdb): cable_dsl, cellular, corporate, satellite,"
                    + " dialup.")
    Path connectionTypeDatabase;

    @Option(names = "--geo-anonymous-database", paramLabel = "FILE",
            description = "A GeoIP2 Anonymous-IP (or Anonymous-Plus) database (.mmdb): tor, public_proxy,"
                    + " residential_proxy, vpn or hosting, the first flag set in that order.")
    Path anonymousDatabase;

    @Option(names = "--geo-table", paramLabel = "FILE",
            description = "A CSV table cidr,country,region,lat,lon,asn[,accuracy_radius_km,connection_type,"
                    + "anonymizer] for private networks, VPN pools and demos; asked before the databases.")
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
        if (connectionTypeDatabase != null) {
            props.put(g + ".connection-type-database",
                    readable(connectionTypeDatabase, "--geo-connection-type-database").toString());
        }
        if (anonymousDatabase != null) {
            props.put(g + ".anonymous-database", readable(anonymousDatabase, "--geo-anonymous-database").toString());
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
