package io.tokenwatch.filter.core;

import io.tokenwatch.filter.CapturingSink;
import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.TokenArbitraries;
import io.tokenwatch.filter.revocation.RevocationView;
import io.tokenwatch.schemas.Outcome;
import io.tokenwatch.schemas.Topics;
import io.tokenwatch.schemas.TokenUsageEvent;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.tokenwatch.filter.TestTokens.EDDSA;
import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.HS256;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever {@code Authorization} values a request carries, the filter refuses it with a 4xx, emits
 * exactly one event, and never lets the credential into that event.
 */
class TokenFilterPropertiesTest {

    private static final String CLIENT_IP = "192.0.2.44";

    private final CapturingSink sink = new CapturingSink();
    private final TokenFilter filter = new TokenFilter(new TokenFilter.Settings("filter-p", "svc", "tokenwatch"),
            TestTokens.validator(HS256, RS256, ES256, EDDSA), new RevocationView(TestTokens.CLOCK), sink,
            TestTokens.CLOCK);

    @Property
    void shouldRefuseAnyAuthorizationValueWithoutThrowing(@ForAll String authorization) {
        assertCleanRefusal(List.of(authorization));
    }

    @Property(tries = 2000)
    void shouldRefuseAnyBearerTokenShapedValueWithoutThrowing(@ForAll("bearerTokenShaped") String authorization) {
        assertCleanRefusal(List.of(authorization));
    }

    @Property(tries = 300)
    void shouldRefuseAnyListOfAuthorizationValuesWithoutThrowing(
            @ForAll @Size(max = 4) List<@net.jqwik.api.From("bearerTokenShaped") String> authorization) {
        assertCleanRefusal(authorization);
    }

    @Provide
    Arbitrary<String> bearerTokenShaped() {
        return Arbitraries.oneOf(
                TokenArbitraries.tokenShaped().map(t -> "Bearer " + t),
                TokenArbitraries.tokenShaped().map(t -> "bearer  " + t + " "),
                TokenArbitraries.tokenShaped());
    }

    private void assertCleanRefusal(List<String> authorization) {
        sink.clear();
        FilterRequest request = new FilterRequest("POST", "/orders", authorization, CLIENT_IP, null, null);

        FilterDecision decision = filter.check(request);

        assertThat(decision.outcome()).isNotEqualTo(Outcome.ACCEPTED);
        assertThat(decision.accepted()).isFalse();
        assertThat(decision.claims()).isEmpty();
        assertThat(decision.status()).isIn(400, 401);
        assertThat(decision.headers()).containsKey("WWW-Authenticate");
        TokenUsageEvent event = sink.single();
        assertThat(event.outcome()).isEqualTo(decision.outcome());
        assertThat(event.key()).isEqualTo("ip|" + CLIENT_IP);
        String json = new String(Topics.TOKEN_USAGE.valueSerde().serializer()
                .serialize(Topics.TOKEN_USAGE.name(), event), StandardCharsets.UTF_8);
        for (String value : authorization) {
            String credential = value.strip();
            int space = credential.indexOf(' ');
            credential = space < 0 ? credential : credential.substring(space + 1).strip();
            if (credential.length() >= 24) {
                assertThat(json).doesNotContain(credential);
            }
        }
    }
}
