package io.tokenwatch.filter.headers;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurityHeadersTest {

    private static final String ROUTE = "/accounts/{id}";

    private final SecurityHeaders defaults = SecurityHeaders.defaults();

    @Test
    void shouldSendTheStrictDefaultsOnEveryResponse() {
        Map<String, String> headers = defaults.headersFor(ROUTE, false, false);

        assertThat(headers).containsAllEntriesOf(Map.of(
                "Referrer-Policy", "strict-origin-when-cross-origin",
                "X-Frame-Options", "DENY",
                "X-Content-Type-Options", "nosniff",
                "X-XSS-Protection", "0",
                "Cross-Origin-Opener-Policy", "same-origin"));
        assertThat(headers.get("Content-Security-Policy"))
                .contains("default-src 'none'")
                .contains("frame-ancestors 'none'");
        assertThat(headers.get("Permissions-Policy")).contains("camera=()").contains("geolocation=()");
    }

    @Test
    void shouldSendHstsOnlyOverHttps() {
        assertThat(defaults.headersFor(ROUTE, false, true)).doesNotContainKey("Strict-Transport-Security");
        assertThat(defaults.headersFor(ROUTE, true, false))
                .containsEntry("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }

    @Test
    void shouldSendHstsOnPlainHttpWhenTlsEndsInFront() {
        SecurityHeaders behindTls = SecurityHeaders.builder().hstsAlways(true).build();

        assertThat(behindTls.headersFor(ROUTE, false, false)).containsKey("Strict-Transport-Security");
    }

    @Test
    void shouldForbidCachingOnlyOfAuthenticatedResponses() {
        assertThat(defaults.headersFor(ROUTE, false, true)).containsEntry("Cache-Control", "no-store");
        assertThat(defaults.headersFor(ROUTE, true, true)).containsEntry("Cache-Control", "no-store");
        assertThat(defaults.headersFor(ROUTE, false, false)).doesNotContainKey("Cache-Control");
        assertThat(defaults.headersFor(ROUTE, true, false)).doesNotContainKey("Cache-Control");
    }

    @Test
    void shouldOverrideHeadersPerRoute() {
        SecurityHeaders policy = SecurityHeaders.builder()
                .route("/docs/**", r -> r.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
                        .remove("Cross-Origin-Opener-Policy"))
                .route("/**", r -> r.set("X-Custom", "first match wins"))
                .build();

        Map<String, String> docs = policy.headersFor("/docs/index", false, false);
        assertThat(docs).containsEntry("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
                .doesNotContainKeys("Cross-Origin-Opener-Policy", "X-Custom")
                .containsEntry("X-Frame-Options", "DENY");
        assertThat(policy.headersFor(ROUTE, false, false)).containsEntry("X-Custom", "first match wins")
                .containsEntry("Cross-Origin-Opener-Policy", "same-origin");
    }

    @Test
    void shouldKeepTheConditionsOfOverriddenHstsAndCacheControl() {
        SecurityHeaders policy = SecurityHeaders.builder()
                .route("/files/**", r -> r.set("cache-control", "private, no-store, max-age=0")
                        .set("strict-transport-security", "max-age=63072000; includeSubDomains; preload"))
                .route("/public/**", r -> r.remove("Cache-Control"))
                .build();

        assertThat(policy.headersFor("/files/a", true, true))
                .containsEntry("Cache-Control", "private, no-store, max-age=0")
                .containsEntry("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload");
        assertThat(policy.headersFor("/files/a", false, false))
                .doesNotContainKeys("Cache-Control", "Strict-Transport-Security");
        assertThat(policy.headersFor("/public/a", true, true)).doesNotContainKey("Cache-Control");
    }

    @Test
    void shouldReplaceHeadersWhateverTheCaseOfTheirName() {
        SecurityHeaders policy = SecurityHeaders.builder().set("x-frame-options", "SAMEORIGIN").build();

        Map<String, String> headers = policy.headersFor(ROUTE, false, false);
        assertThat(headers).containsEntry("X-Frame-Options", "SAMEORIGIN").doesNotContainKey("x-frame-options");
    }

    @Test
    void shouldRefuseConfigurationThatWouldInjectHeaders() {
        assertThatThrownBy(() -> SecurityHeaders.builder().set("X-Test", "a\r\nSet-Cookie: x=1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecurityHeaders.builder().set("X Test", "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecurityHeaders.builder().set("X-Test:", "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecurityHeaders.builder().route("/a", r -> r.set("X-Test", "\n")).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldSendNothingWhenSwitchedOff() {
        assertThat(SecurityHeaders.none().headersFor(ROUTE, true, true)).isEmpty();
    }

    @Test
    void shouldHandOutImmutableMaps() {
        assertThatThrownBy(() -> defaults.headersFor(ROUTE, false, false).put("X", "y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
