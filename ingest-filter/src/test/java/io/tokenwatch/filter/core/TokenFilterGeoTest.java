package io.tokenwatch.filter.core;

import io.tokenwatch.filter.CapturingSink;
import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.geo.CdnHeaderGeoResolver;
import io.tokenwatch.filter.geo.GeoResolver;
import io.tokenwatch.filter.geo.RequestHeaders;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.TokenUsageEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tokenwatch.filter.TestTokens.CLOCK;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@code geo} of usage events, from the builder's resolver. */
class TokenFilterGeoTest {

    private static final String CLIENT_IP = "203.0.113.9";
    private static final RequestHeaders FROM_CLOUDFRONT = RequestHeaders.of("CloudFront-Viewer-Country", "JP",
            "CloudFront-Viewer-Latitude", "35.6895", "CloudFront-Viewer-Longitude", "139.6917");

    private final CapturingSink sink = new CapturingSink();

    private TokenFilter filter(GeoResolver resolver) {
        TokenFilter.Builder builder = TokenFilter.builder(new TokenFilter.Settings("filter-1", "accounts", "realm"),
                TestTokens.validator(RS256), new RevocationView(CLOCK), sink, CLOCK);
        if (resolver != null) {
            builder.geoResolver(resolver);
        }
        return builder.build();
    }

    private static FilterRequest request(String token, boolean peerTrusted, RequestHeaders headers) {
        return FilterRequest.bearer("GET", "/accounts/{id}", token, CLIENT_IP).withHeaders(headers, peerTrusted);
    }

    @Test
    void shouldEmitNoGeoWithoutResolver() {
        filter(null).check(request(TestTokens.rs256().sign(), true, FROM_CLOUDFRONT));

        assertThat(sink.single().request().geo()).isNull();
    }

    @Test
    void shouldEmitGeoOfTrustedCdnHeadersOnAcceptedAndRefusedRequests() {
        TokenFilter filter = filter(CdnHeaderGeoResolver.cloudFront());

        filter.check(request(TestTokens.rs256().sign(), true, FROM_CLOUDFRONT));
        filter.check(request("forged-and-malformed", true, FROM_CLOUDFRONT));

        TokenUsageEvent.Geo tokyo = new TokenUsageEvent.Geo("JP", null, 35.6895, 139.6917, null);
        assertThat(sink.events()).extracting(e -> e.outcome()).containsExactly(Outcome.ACCEPTED, Outcome.MALFORMED);
        assertThat(sink.events()).extracting(e -> e.request().geo()).containsExactly(tokyo, tokyo);
    }

    @Test
    void shouldIgnoreCdnHeadersOfUntrustedPeer() {
        filter(CdnHeaderGeoResolver.cloudFront()).check(request(TestTokens.rs256().sign(), false, FROM_CLOUDFRONT));

        assertThat(sink.single().outcome()).isEqualTo(Outcome.ACCEPTED);
        assertThat(sink.single().request().geo()).isNull();
    }

    @Test
    void shouldPassClientAddressTrustAndHeadersToResolver() {
        List<Object[]> seen = new java.util.ArrayList<>();
        filter((ip, trusted, headers) -> {
            seen.add(new Object[] {ip, trusted, headers.values("CloudFront-Viewer-Country")});
            return java.util.Optional.empty();
        }).check(request(TestTokens.rs256().sign(), true, FROM_CLOUDFRONT));

        assertThat(seen).hasSize(1);
        assertThat(seen.get(0)).containsExactly(CLIENT_IP, true, List.of("JP"));
    }

    @Test
    void shouldDecideRequestWithoutGeoWhenResolverThrows() {
        FilterDecision decision = filter((ip, trusted, headers) -> {
            throw new IllegalStateException("resolver bug");
        }).check(request(TestTokens.rs256().sign(), true, FROM_CLOUDFRONT));

        assertThat(decision.accepted()).isTrue();
        assertThat(sink.single().request().geo()).isNull();
    }

    @Test
    void shouldKeepHeadersAndTrustWhenMarkedSecure() {
        FilterRequest request = request("t", true, FROM_CLOUDFRONT).withSecure(true);

        assertThat(request.peerTrusted()).isTrue();
        assertThat(request.headers().values("cloudfront-viewer-country")).containsExactly("JP");
        assertThat(FilterRequest.bearer("GET", "/", "t", CLIENT_IP).headers().values("X")).isEmpty();
    }
}
