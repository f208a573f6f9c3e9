package io.tokenwatch.filter.geo;

import io.tokenwatch.schemas.TokenUsageEvent;
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

    @Test
    void shouldAnswerWithFirstResolverThatAnswersAndNotAskTheRest() {
        GeoResolver chain = GeoResolver.firstOf(answering("empty", null), answering("berlin", BERLIN),
                answering("paris", PARIS));

        assertThat(chain.resolve("192.0.2.1", false, RequestHeaders.NONE)).contains(BERLIN);
        assertThat(asked).containsExactly("empty", "berlin");
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

        assertThat(chain.resolve("192.0.2.1", true, france)).map(TokenUsageEvent.Geo::country).contains("FR");
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
