package io.tokenwatch.filter.ratelimit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutePatternTest {

    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "/**, /, true",
            "/**, /accounts/{id}, true",
            "/api/**, /api, true",
            "/api/**, /api/accounts, true",
            "/api/**, /api/accounts/{id}/cards, true",
            "/api/**, /apix, false",
            "/api/**, /other/api, false",
            "/accounts/*, /accounts/{id}, true",
            "/accounts/*, /accounts, false",
            "/accounts/*, /accounts/{id}/cards, false",
            "/accounts/{id}, /accounts/{id}, true",
            "/accounts/{id}, /accounts/42, false",
            "/*/cards, /accounts/cards, true",
            "/**/cards, /a/b/c/cards, true",
            "/**/cards, /cards, true",
            "/**/cards, /a/cards/b, false",
            "/a/**/b/**/c, /a/x/b/y/z/c, true",
            "/a/**/b/**/c, /a/b/c, true",
            "/a/**/b/**/c, /a/c/b, false",
            "/, /, true",
            "/, /a, false",
            "/Login, /login, false"})
    void shouldMatchRouteTemplatesSegmentBySegment(String pattern, String route, boolean matches) {
        assertThat(RoutePattern.compile(pattern).matches(route)).isEqualTo(matches);
    }

    @ParameterizedTest
    @ValueSource(strings = {"api/**", "", "/api/v*", "/api/***", "/a*b"})
    void shouldRefuseAmbiguousPatterns(String pattern) {
        assertThatThrownBy(() -> RoutePattern.compile(pattern)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "accounts", "*"})
    void shouldNotMatchRoutesThatAreNotPaths(String route) {
        assertThat(RoutePattern.compile("/**").matches(route)).isFalse();
    }
}
