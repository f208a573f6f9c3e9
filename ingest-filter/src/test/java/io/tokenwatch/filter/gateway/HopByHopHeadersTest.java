package io.tokenwatch.filter.gateway;

import io.micronaut.http.HttpVersion;
import io.tokenwatch.filter.validation.TokenClaims;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The header rules of the gateway that need no server. */
class HopByHopHeadersTest {

    @Test
    void shouldListFieldsNamedInConnection() {
        assertThat(HopByHopHeaders.namedInConnection(List.of("close, X-Foo", " x-bar ,keep-alive")))
                .containsExactly("x-foo", "x-bar");
    }

    @Test
    void shouldTellWhenClientWantsTheConnectionClosed() {
        assertThat(HopByHopHeaders.wantsClose(HttpVersion.HTTP_1_1, List.of())).isFalse();
        assertThat(HopByHopHeaders.wantsClose(HttpVersion.HTTP_1_1, List.of("X-Foo, Close"))).isTrue();
        assertThat(HopByHopHeaders.wantsClose(HttpVersion.HTTP_1_0, List.of())).isTrue();
        assertThat(HopByHopHeaders.wantsClose(HttpVersion.HTTP_1_0, List.of("keep-alive"))).isFalse();
    }

    @Test
    void shouldPercentEncodeSubjectsThatAreNotVisibleAscii() {
        assertThat(GatewayProxyFilter.headerSafe("https://iss|user-42")).isEqualTo("https://iss|user-42");
        assertThat(GatewayProxyFilter.headerSafe("a b\r\nX-Admin: 1")).isEqualTo("a%20b%0D%0AX-Admin:%201");
        assertThat(GatewayProxyFilter.headerSafe("jörg%")).isEqualTo("j%C3%B6rg%25");
    }

    @Test
    void shouldCarryIssuerAndSubjectOrSubjectAlone() {
        TokenClaims claims = new TokenClaims("f", true, "ES256", "k", "j", "alice", "https://iss", List.of("a"),
                null, null, null);
        GatewayConfiguration config = new GatewayConfiguration();
        config.setUpstream("http://127.0.0.1:9");
        assertThat(new GatewayProxyFilter(null, config, null).subjectOf(claims)).hasValue("https://iss|alice");
        config.setSubjectFormat(GatewayConfiguration.SubjectFormat.SUB);
        assertThat(new GatewayProxyFilter(null, config, null).subjectOf(claims)).hasValue("alice");
        TokenClaims noSubject = new TokenClaims("f", true, "ES256", "k", "j", null, "https://iss", List.of("a"),
                null, null, null);
        assertThat(new GatewayProxyFilter(null, config, null).subjectOf(noSubject)).isEmpty();
    }
}
