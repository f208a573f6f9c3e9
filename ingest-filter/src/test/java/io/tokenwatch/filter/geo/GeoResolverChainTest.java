package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;
import io.tokenwatch.schemas.TokenUsageEvent.Anonymizer;
import io.tokenwatch.schemas.TokenUsageEvent.ConnectionType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeoResolverChainTest {

    private static final TokenUsageEvent.Geo BERLIN = new TokenUsageEvent.Geo("DE", "BE", 52.52, 13.405, 3320L);
    private static final TokenUsageEvent.Geo PARIS = new TokenUsageEvent.Geo("FR", "IDF", 48.8566, 2.3522, 3215L);

    private final List<String> asked = new ArrayList<>();

    private GeoResolver answering(String name, TokenUsageEvent.Geo geo) {
        return (ip, trusted, headers) -> {
            asked.add(name);
            return Optional.ofNullable(geo);
        };
    }

    private static final TokenUsageEvent.Geo BERLIN_COMPLETE = new TokenUsageEvent.Geo("DE", "BE", 52.52, 13.405,
            3320L, 25, ConnectionType.CABLE_DSL, Anonymizer.VPN);

    @Test
    void shouldAnswerWithFirstResolverThatAnswersAndNotAskTheRestOnceNothingIsMissing() {
        GeoResolver chain = GeoResolver.firstOf(answering("empty", null), answering("berlin", BERLIN_COMPLETE),
                answering("paris", PARIS));

        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).contains(BERLIN_COMPLETE);
        assertThat(asked).containsExactly("empty", "berlin");
    }

    @Test
    void shouldTakeTheWholeLocationFromTheFirstAnswerThatHasOneAndNeverMixPlaces() {
        TokenUsageEvent.Geo countryOnly = new TokenUsageEvent.Geo("IE", null, null, null, null);
        GeoResolver chain = GeoResolver.firstOf(answering("cdn", countryOnly), answering("berlin", BERLIN_COMPLETE));

        // Ireland without coordinates stays Ireland without coordinates: Berlin's would be another place.
        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo("IE", null,
                null, null, 3320L, null, ConnectionType.CABLE_DSL, Anonymizer.VPN));
        assertThat(asked).containsExactly("cdn", "berlin");
    }

    @Test
    void shouldFillMissingNetworkFactsFromLaterResolversWithoutOverridingEarlierOnes() {
        TokenUsageEvent.Geo cellularParis = new TokenUsageEvent.Geo("FR", "IDF", 48.8566, 2.3522, 3215L, 100,
                ConnectionType.CELLULAR, null);
        TokenUsageEvent.Geo hosting = new TokenUsageEvent.Geo(null, null, null, null, 16509L, null,
                ConnectionType.CORPORATE, Anonymizer.HOSTING);
        GeoResolver chain = GeoResolver.firstOf(answering("berlin", BERLIN), answering("paris", cellularParis),
                answering("hosting", hosting));

        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo("DE", "BE",
                52.52, 13.405, 3320L, null, ConnectionType.CELLULAR, Anonymizer.HOSTING));
        assertThat(asked).containsExactly("berlin", "paris", "hosting");
    }

    @Test
    void shouldTakeLocationFromALaterResolverWhenTheFirstAnswerOnlyFlagsTheNetwork() {
        TokenUsageEvent.Geo vpnFlag = new TokenUsageEvent.Geo(null, null, null, null, null, null, null, Anonymizer.VPN);
        GeoResolver chain = GeoResolver.firstOf(answering("table", vpnFlag), answering("empty", null),
                answering("paris", PARIS));

        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).contains(new TokenUsageEvent.Geo("FR", "IDF",
                48.8566, 2.3522, 3215L, null, null, Anonymizer.VPN));
    }

    @Test
    void shouldAnswerNothingWhenEveryAnswerIsEmptyOfFacts() {
        TokenUsageEvent.Geo nothing = new TokenUsageEvent.Geo(null, null, null, null, null);
        GeoResolver chain = GeoResolver.firstOf(answering("a", nothing), answering("b", null));

        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).isEmpty();
    }

    @Test
    void shouldFollowTheGivenOrder() {
        GeoResolver chain = GeoResolver.firstOf(answering("paris", PARIS), answering("berlin", BERLIN));

        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).contains(PARIS);
    }

    @Test
    void shouldNotAnswerWhenNoResolverDoes() {
        GeoResolver chain = GeoResolver.firstOf(answering("a", null), answering("b", null));

        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).isEmpty();
        assertThat(asked).containsExactly("a", "b");
    }

    @Test
    void shouldPassTrustAndHeadersThrough() {
        GeoResolver chain = GeoResolver.firstOf(CdnHeaderGeoResolver.cloudFront(), answering("berlin", BERLIN));
        RequestHeaders france = RequestHeaders.of("CloudFront-Viewer-Country", "FR");

        // The CDN's country, with the ASN the later resolver knows of the same address.
        assertThat(chain.resolve("192.0.2.1", true, france))
                .contains(new TokenUsageEvent.Geo("FR", null, null, null, 3320L));
        // Untrusted peer: the header resolver stays silent and the next one answers.
        assertThat(chain.resolve("192.0.2.1", false, france)).contains(BERLIN);
    }

    @Test
    void shouldCloseEveryMemberEvenWhenOneFails() {
        List<String> closed = new ArrayList<>();
        GeoResolver failing = new GeoResolver() {
            @Override
            public Optional<TokenUsageEvent.Geo> resolve(String ip, boolean trusted, RequestHeaders headers) {
                return Optional.empty();
            }

            @Override
            public void close() {
                closed.add("failing");
                throw new IllegalStateException("boom");
            }
        };
        GeoResolver fine = new GeoResolver() {
            @Override
            public Optional<TokenUsageEvent.Geo> resolve(String ip, boolean trusted, RequestHeaders headers) {
                return Optional.empty();
            }

            @Override
            public void close() {
                closed.add("fine");
            }
        };

        assertThatThrownBy(GeoResolver.firstOf(failing, fine)::close).hasMessage("boom");
        assertThat(closed).containsExactly("failing", "fine");
    }
}
