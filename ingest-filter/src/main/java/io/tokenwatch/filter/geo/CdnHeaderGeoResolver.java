package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Geo from the headers a CDN or edge proxy adds for the viewer it saw, such as CloudFront's
 * {@code CloudFront-Viewer-Country}, {@code -Country-Region}, {@code -Latitude}, {@code -Longitude}
 * and {@code -ASN} (the defaults), or Cloudflare's {@code CF-IPCountry}.
 *
 * <p><b>Believed only from a trusted proxy.</b> A client talking to us directly can send any header,
 * so unless the socket peer is a configured trusted proxy (the networks of
 * {@link io.tokenwatch.filter.clientip.ClientIpResolver}) these headers are ignored entirely, exactly
 * as {@code X-Forwarded-For} is. The proxies trusted must set or strip them; one that passes a client's
 * own {@code CloudFront-Viewer-Country} through lets the client choose its country.
 *
 * <p><b>Strict values.</b> Each header must appear exactly once (a repeated one means someone other
 * than the edge wrote one of them) and match its grammar, or that field is dropped; nothing here
 * throws. Country: ISO 3166-1 alpha-2, two upper-case ASCII letters; {@code XX} and {@code ZZ}, which
 * CDNs send for "unknown", count as absent. Region: the subdivision part of an ISO 3166-2 code, one to
 * three upper-case letters or digits ({@code WA}, {@code 13}). Latitude and longitude: plain decimal
 * degrees in range, and only as a pair. ASN: a decimal number from 1 to 2³²−1 (RFC 6793 four-octet
 * AS numbers). A request with no valid field has no answer, so a chain can ask the next resolver.
 *
 * <p><b>No radius, connection type or anonymizer.</b> CloudFront's viewer headers carry none of these
 * (nor does Cloudflare's {@code CF-IPCountry}), so this resolver leaves them null rather than guess: a
 * CDN's city-level coordinates come with no stated accuracy. In a {@link GeoResolver#firstOf chain} the
 * connection type and anonymizer may still come from a database asked after it, for the same address.
 *
 * <p>Immutable and thread-safe.
 */
public final class CdnHeaderGeoResolver implements GeoResolver {

    public static final String CLOUDFRONT_COUNTRY = "CloudFront-Viewer-Country";
    public static final String CLOUDFRONT_REGION = "CloudFront-Viewer-Country-Region";
    public static final String CLOUDFRONT_LATITUDE = "CloudFront-Viewer-Latitude";
    public static final String CLOUDFRONT_LONGITUDE = "CloudFront-Viewer-Longitude";
    public static final String CLOUDFRONT_ASN = "CloudFront-Viewer-ASN";

    private final String countryHeader;
    private final String regionHeader;
    private final String latitudeHeader;
    private final String longitudeHeader;
    private final String asnHeader;

    private CdnHeaderGeoResolver(Builder builder) {
        this.countryHeader = builder.countryHeader;
        this.regionHeader = builder.regionHeader;
        this.latitudeHeader = builder.latitudeHeader;
        this.longitudeHeader = builder.longitudeHeader;
        this.asnHeader = builder.asnHeader;
        if (countryHeader == null && regionHeader == null && latitudeHeader == null && asnHeader == null) {
            throw new IllegalArgumentException("a CDN header resolver needs at least one header name");
        }
    }

    /** CloudFront's header names; change or switch off each with the builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A resolver reading CloudFront's viewer headers. */
    public static CdnHeaderGeoResolver cloudFront() {
        return builder().build();
    }

    @Override
    public Optional<TokenUsageEvent.Geo> resolve(String clientIp, boolean peerTrusted, RequestHeaders headers) {
        if (!peerTrusted || headers == null) {
            // DESIGN.md §4: what a peer we do not trust writes in headers is the client's word.
            return Optional.empty();
        }
        String country = GeoFields.country(single(headers, countryHeader));
        String region = GeoFields.region(single(headers, regionHeader));
        Double lat = GeoFields.coordinate(single(headers, latitudeHeader), 90);
        Double lon = GeoFields.coordinate(single(headers, longitudeHeader), 180);
        if (lat == null || lon == null) {
            // One coordinate is no position: the travel rule would read it as 0° of the other.
            lat = null;
            lon = null;
        }
        Long asn = GeoFields.asn(single(headers, asnHeader));
        if (country == null && region == null && lat == null && asn == null) {
            return Optional.empty();
        }
        return Optional.of(new TokenUsageEvent.Geo(country, region, lat, lon, asn));
    }

    /** The header's value if it appears exactly once, stripped of optional whitespace; else null. */
    private static String single(RequestHeaders headers, String name) {
        if (name == null) {
            return null;
        }
        List<String> values = headers.values(name);
        if (values == null || values.size() != 1 || values.get(0) == null) {
            return null;
        }
        return values.get(0).strip();
    }

    @Override
    public String toString() {
        return "CdnHeaderGeoResolver[country=" + countryHeader + ", region=" + regionHeader + ", latitude="
                + latitudeHeader + ", longitude=" + longitudeHeader + ", asn=" + asnHeader + "]";
    }

    /** Header names; each null or blank switches that field off. Not thread-safe. */
    public static final class Builder {

        private String countryHeader = CLOUDFRONT_COUNTRY;
        private String regionHeader = CLOUDFRONT_REGION;
        private String latitudeHeader = CLOUDFRONT_LATITUDE;
        private String longitudeHeader = CLOUDFRONT_LONGITUDE;
        private String asnHeader = CLOUDFRONT_ASN;

        private Builder() {
        }

        public Builder countryHeader(String name) {
            this.countryHeader = headerName(name);
            return this;
        }

        public Builder regionHeader(String name) {
            this.regionHeader = headerName(name);
            return this;
        }

        /** Latitude and longitude are read together: switching either off switches both off. */
        public Builder latitudeHeader(String name) {
            this.latitudeHeader = headerName(name);
            return this;
        }

        public Builder longitudeHeader(String name) {
            this.longitudeHeader = headerName(name);
            return this;
        }

        public Builder asnHeader(String name) {
            this.asnHeader = headerName(name);
            return this;
        }

        /** @throws IllegalArgumentException if every header is switched off */
        public CdnHeaderGeoResolver build() {
            if (latitudeHeader == null || longitudeHeader == null) {
                latitudeHeader = null;
                longitudeHeader = null;
            }
            return new CdnHeaderGeoResolver(this);
        }

        /** RFC 9110 §5.1: a field name is a token; anything else is a configuration mistake. */
        private static String headerName(String name) {
            if (name == null || name.isBlank()) {
                return null;
            }
            String stripped = name.strip();
            for (int i = 0; i < stripped.length(); i++) {
                char c = stripped.charAt(i);
                if (c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                    throw new IllegalArgumentException("not a header name: " + Objects.toString(name));
                }
            }
            return stripped;
        }
    }
}
