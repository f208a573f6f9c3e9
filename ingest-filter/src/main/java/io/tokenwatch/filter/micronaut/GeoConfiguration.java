package io.tokenwatch.filter.micronaut;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;

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
 * </pre>
 * CDN headers are believed only when the socket peer is in {@code tokenwatch.filter.trusted-proxies},
 * and those proxies must overwrite or strip them (see {@link CdnHeaderGeoResolver}).
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
}
