package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;
import io.tokenwatch.filter.geo.MaxMindGeoResolver;

/**
 * Everything under {@code tokenwatch.filter.geo.*}: where the {@code geo} of usage events comes from.
 * Read by {@link GeoResolverFactory}; with no source configured, events carry no geo.
 *
 * <p>Every property, with its default:
 * <pre>
 * tokenwatch.filter.geo.cdn-headers       true if country-header is set, else false
 *                                         true: believe CDN geo headers, from trusted proxies only
 * tokenwatch.filter.geo.country-header    CloudFront-Viewer-Country          ISO 3166-1 alpha-2 country
 * tokenwatch.filter.geo.region-header     CloudFront-Viewer-Country-Region   ISO 3166-2 subdivision; blank: not read
 * tokenwatch.filter.geo.latitude-header   CloudFront-Viewer-Latitude         decimal degrees; blank: not read
 * tokenwatch.filter.geo.longitude-header  CloudFront-Viewer-Longitude        decimal degrees; blank: not read
 * tokenwatch.filter.geo.asn-header        CloudFront-Viewer-ASN              AS number; blank: not read
 * tokenwatch.filter.geo.table             none      CSV file cidr,country,region,lat,lon,asn[,accuracy_radius_km,
 *                                                   connection_type,anonymizer] (private networks, VPN pools, demos)
 * tokenwatch.filter.geo.database          none      GeoIP2/GeoLite2 City or Country .mmdb file (location, radius)
 * tokenwatch.filter.geo.asn-database      none      GeoLite2/GeoIP2 ASN .mmdb file
 * tokenwatch.filter.geo.connection-type-database  none  GeoIP2 Connection-Type .mmdb file
 * tokenwatch.filter.geo.anonymous-database        none  GeoIP2 Anonymous-IP (or Anonymous-Plus) .mmdb file
 * tokenwatch.filter.geo.cache-size        10000     client addresses whose database answers are kept
 * </pre>
 * Sources are asked in that order, CDN headers, table, databases: the location (country, region,
 * coordinates, radius) comes whole from the first that has one, and the AS number, connection type and
 * anonymizer each from the first that has it ({@link io.tokenwatch.filter.geo.GeoResolver#firstOf}). CDN headers are believed
 * only when the socket peer is in {@code tokenwatch.filter.trusted-proxies}, and those proxies must
 * overwrite or strip them (see {@link CdnHeaderGeoResolver}). Databases never place private, loopback
 * or documentation addresses; the table may. A file that is missing, unreadable or malformed stops
 * the start-up with a message naming the property and the file.
 *
 * <p>A mutable configuration bean, as Micronaut binds it; read once at start. Not thread-safe.
 */
@ConfigurationProperties(GeoConfiguration.PREFIX)
public class GeoConfiguration {

    public static final String PREFIX = TokenwatchFilterConfiguration.PREFIX + ".geo";

    private Boolean cdnHeaders;
    private String countryHeader;
    private String regionHeader = CdnHeaderGeoResolver.CLOUDFRONT_REGION;
    private String latitudeHeader = CdnHeaderGeoResolver.CLOUDFRONT_LATITUDE;
    private String longitudeHeader = CdnHeaderGeoResolver.CLOUDFRONT_LONGITUDE;
    private String asnHeader = CdnHeaderGeoResolver.CLOUDFRONT_ASN;
    private String table;
    private String database;
    private String asnDatabase;
    private String connectionTypeDatabase;
    private String anonymousDatabase;
    private int cacheSize = MaxMindGeoResolver.DEFAULT_CACHE_SIZE;

    /** Explicitly set, or else true exactly when a country header is named. */
    public boolean isCdnHeaders() {
        return cdnHeaders != null ? cdnHeaders : countryHeader != null && !countryHeader.isBlank();
    }

    public void setCdnHeaders(boolean cdnHeaders) {
        this.cdnHeaders = cdnHeaders;
    }

    public String getCountryHeader() {
        return countryHeader == null ? CdnHeaderGeoResolver.CLOUDFRONT_COUNTRY : countryHeader;
    }

    public void setCountryHeader(String countryHeader) {
        this.countryHeader = countryHeader;
    }

    public String getRegionHeader() {
        return regionHeader;
    }

    public void setRegionHeader(String regionHeader) {
        this.regionHeader = regionHeader;
    }

    public String getLatitudeHeader() {
        return latitudeHeader;
    }

    public void setLatitudeHeader(String latitudeHeader) {
        this.latitudeHeader = latitudeHeader;
    }

    public String getLongitudeHeader() {
        return longitudeHeader;
    }

    public void setLongitudeHeader(String longitudeHeader) {
        this.longitudeHeader = longitudeHeader;
    }

    public String getAsnHeader() {
        return asnHeader;
    }

    public void setAsnHeader(String asnHeader) {
        this.asnHeader = asnHeader;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public String getDatabase() {
        return database;
    }

    public void setDatabase(String database) {
        this.database = database;
    }

    public String getAsnDatabase() {
        return asnDatabase;
    }

    public void setAsnDatabase(String asnDatabase) {
        this.asnDatabase = asnDatabase;
    }

    public String getConnectionTypeDatabase() {
        return connectionTypeDatabase;
    }

    public void setConnectionTypeDatabase(String connectionTypeDatabase) {
        this.connectionTypeDatabase = connectionTypeDatabase;
    }

    public String getAnonymousDatabase() {
        return anonymousDatabase;
    }

    public void setAnonymousDatabase(String anonymousDatabase) {
        this.anonymousDatabase = anonymousDatabase;
    }

    public int getCacheSize() {
        return cacheSize;
    }

    public void setCacheSize(int cacheSize) {
        this.cacheSize = cacheSize;
    }
}
