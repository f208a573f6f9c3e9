package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CdnHeaderGeoResolverTest {

    private static final String CLIENT = "198.51.100.7";
    private static final RequestHeaders SEATTLE = RequestHeaders.of(
            "CloudFront-Viewer-Country", "US",
            "CloudFront-Viewer-Country-Region", "WA",
            "CloudFront-Viewer-Latitude", "47.60620",
            "CloudFront-Viewer-Longitude", "-122.33210",
            "CloudFront-Viewer-ASN", "16509");

    private final CdnHeaderGeoResolver cloudFront = CdnHeaderGeoResolver.cloudFront();

    @Test
    void shouldReadEveryCloudFrontHeaderFromTrustedProxy() {
        Optional<TokenUsageEvent.Geo> geo = cloudFront.resolve(CLIENT, true, SEATTLE);

        // CloudFront states no radius, connection type or anonymizer: the five-field Geo has them null.
        assertThat(geo).contains(new TokenUsageEvent.Geo("US", "WA", 47.6062, -122.3321, 16509L));
    }

    @Test
    void shouldIgnoreHeadersFromUntrustedPeer() {
        // A client talking to us directly wrote these itself: it must not choose its own country.
        assertThat(cloudFront.resolve(CLIENT, false, SEATTLE)).isEmpty();
    }

    @Test
    void shouldMatchHeaderNamesCaseInsensitively() {
        RequestHeaders lower = RequestHeaders.of("cloudfront-viewer-country", "DE");

        assertThat(cloudFront.resolve(CLIENT, true, lower)).contains(new TokenUsageEvent.Geo("DE", null, null, null,
                null));
    }

    @Test
    void shouldReadConfiguredCountryHeaderOnly() {
        CdnHeaderGeoResolver cloudflare = CdnHeaderGeoResolver.builder().countryHeader("CF-IPCountry")
                .regionHeader(null).latitudeHeader(null).longitudeHeader(null).asnHeader(null).build();

        assertThat(cloudflare.resolve(CLIENT, true, RequestHeaders.of("CF-IPCountry", "FR")))
                .contains(new TokenUsageEvent.Geo("FR", null, null, null, null));
        assertThat(cloudflare.resolve(CLIENT, true, SEATTLE)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"us", "USA", "U", "", "U1", "T1", "XX", "ZZ", "Ü S", "U\u0000", "DE,FR", "\uFF24\uFF25"})
    void shouldIgnoreMalformedOrUnknownCountry(String country) {
        assertThat(cloudFront.resolve(CLIENT, true, RequestHeaders.of("CloudFront-Viewer-Country", country)))
                .isEmpty();
    }

    @Test
    void shouldTolerateOptionalWhitespaceAroundValues() {
        assertThat(cloudFront.resolve(CLIENT, true, RequestHeaders.of("CloudFront-Viewer-Country", " NL\t")))
                .map(TokenUsageEvent.Geo::country).contains("NL");
    }

    @Test
    void shouldIgnoreRepeatedHeader() {
        // Two values: someone besides the edge wrote one of them, and we cannot tell which.
        RequestHeaders twice = RequestHeaders.of(Map.of("CloudFront-Viewer-Country", List.of("US", "KP")));

        assertThat(cloudFront.resolve(CLIENT, true, twice)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"91", "-90.0001", "NaN", "Infinity", "1e1", "0x10", "47,6", "47.", ".5", "--1", "+",
            "1234", "47.6.1", "٤٧"})
    void shouldDropBothCoordinatesWhenLatitudeIsMalformedOrOutOfRange(String latitude) {
        RequestHeaders headers = RequestHeaders.of("CloudFront-Viewer-Country", "US",
                "CloudFront-Viewer-Latitude", latitude,
                "CloudFront-Viewer-Longitude", "-122.3321");

        assertThat(cloudFront.resolve(CLIENT, true, headers))
                .contains(new TokenUsageEvent.Geo("US", null, null, null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"180.5", "-181", "abc"})
    void shouldDropBothCoordinatesWhenLongitudeIsMalformedOrOutOfRange(String longitude) {
        RequestHeaders headers = RequestHeaders.of("CloudFront-Viewer-Latitude", "10",
                "CloudFront-Viewer-Longitude", longitude);

        assertThat(cloudFront.resolve(CLIENT, true, headers)).isEmpty();
    }

    @Test
    void shouldAcceptCoordinatesAtTheirLimits() {
        RequestHeaders headers = RequestHeaders.of("CloudFront-Viewer-Latitude", "-90",
                "CloudFront-Viewer-Longitude", "+180.000");

        assertThat(cloudFront.resolve(CLIENT, true, headers))
                .contains(new TokenUsageEvent.Geo(null, null, -90.0, 180.0, null));
    }

    @Test
    void shouldNotAnswerWithOneCoordinate() {
        assertThat(cloudFront.resolve(CLIENT, true, RequestHeaders.of("CloudFront-Viewer-Latitude", "10"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-5", "4294967296", "99999999999", "16509.0", "AS", "1 2"})
    void shouldIgnoreMalformedAsn(String asn) {
        assertThat(cloudFront.resolve(CLIENT, true, RequestHeaders.of("CloudFront-Viewer-ASN", asn))).isEmpty();
    }

    @Test
    void shouldAcceptAsnWithAsPrefixAndFourOctetNumbers() {
        assertThat(cloudFront.resolve(CLIENT, true, RequestHeaders.of("CloudFront-Viewer-ASN", "AS4294967295")))
                .map(TokenUsageEvent.Geo::asn).contains(4294967295L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"wa", "ABCD", "W-A", "É"})
    void shouldIgnoreMalformedRegionButKeepCountry(String region) {
        RequestHeaders headers = RequestHeaders.of("CloudFront-Viewer-Country", "US",
                "CloudFront-Viewer-Country-Region", region);

        assertThat(cloudFront.resolve(CLIENT, true, headers))
                .contains(new TokenUsageEvent.Geo("US", null, null, null, null));
    }

    @Test
    void shouldNotAnswerWithoutHeaders() {
        assertThat(cloudFront.resolve(CLIENT, true, RequestHeaders.NONE)).isEmpty();
    }

    @Test
    void shouldRefuseBadHeaderNamesAndAllHeadersOff() {
        assertThatThrownBy(() -> CdnHeaderGeoResolver.builder().countryHeader("Country: US"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a header name");
        assertThatThrownBy(() -> CdnHeaderGeoResolver.builder().countryHeader("").regionHeader(null)
                .latitudeHeader(null).asnHeader(" ").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one header");
    }

    @Property
    void shouldNeverThrowAndOnlyEmitValidValues(@ForAll String country, @ForAll String region,
                                                @ForAll String latitude, @ForAll String longitude,
                                                @ForAll String asn) {
        RequestHeaders headers = RequestHeaders.of("CloudFront-Viewer-Country", country,
                "CloudFront-Viewer-Country-Region", region, "CloudFront-Viewer-Latitude", latitude,
                "CloudFront-Viewer-Longitude", longitude, "CloudFront-Viewer-ASN", asn);

        Optional<TokenUsageEvent.Geo> geo = cloudFront.resolve(CLIENT, true, headers);

        geo.ifPresent(g -> {
            assertThat(g.country() == null || g.country().matches("[A-Z]{2}")).isTrue();
            assertThat(g.region() == null || g.region().matches("[A-Z0-9]{1,3}")).isTrue();
            assertThat(g.lat() == null).isEqualTo(g.lon() == null);
            assertThat(g.asn() == null || (g.asn() >= 1 && g.asn() <= 0xFFFFFFFFL)).isTrue();
        });
    }
}
