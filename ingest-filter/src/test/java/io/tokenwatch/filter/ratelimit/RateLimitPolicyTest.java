package io.tokenwatch.filter.ratelimit;

import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Limit;
import io.tokenwatch.filter.ratelimit.RateLimitPolicy.Scope;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimitPolicyTest {

    private final RateLimitPolicy policy = RateLimitPolicy.builder()
            .route("login", "/oauth/**", Limit.perMinute(10), Limit.perMinute(5))
            .route("api", "/api/**", Limit.perMinute(100), Limit.perMinute(20))
            .route("health", "/health", null, null)
            .build();

    @Test
    void shouldPickTheFirstRuleThatMatches() {
        RateLimitPolicy overlapping = RateLimitPolicy.builder()
                .route("admin", "/api/admin/**", Limit.perMinute(5), null)
                .route("api", "/api/**", Limit.perMinute(100), null)
                .build();

        assertThat(overlapping.ruleFor("/api/admin/users")).hasValueSatisfying(r -> assertThat(r.id()).isEqualTo("admin"));
        assertThat(overlapping.ruleFor("/api/accounts")).hasValueSatisfying(r -> assertThat(r.id()).isEqualTo("api"));
    }

    @Test
    void shouldLeaveUnmatchedRoutesUnlimited() {
        assertThat(policy.ruleFor("/metrics")).isEmpty();
        assertThat(RateLimitPolicy.unlimited().ruleFor("/api/x")).isEmpty();
    }

    @Test
    void shouldNameEachScopeOfARuleApart() {
        RateLimitPolicy.Rule api = policy.ruleFor("/api/x").orElseThrow();

        assertThat(api.policyName(Scope.SUBJECT)).isEqualTo("api-subject");
        assertThat(api.policyName(Scope.IP)).isEqualTo("api-ip");
        assertThat(api.limit(Scope.IP)).contains(Limit.perMinute(20));
    }

    @Test
    void shouldKnowItsLongestWindow() {
        RateLimitPolicy mixed = RateLimitPolicy.builder()
                .route("a", "/a", Limit.perSecond(5), Limit.perHour(100))
                .route("b", "/b", Limit.perMinute(5), null)
                .build();

        assertThat(mixed.longestWindow()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void shouldRefuseRulesThatWouldShareBucketsOrHeadersBadly() {
        assertThatThrownBy(() -> RateLimitPolicy.builder().route("api", "/a", null, null).route("api", "/b", null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> RateLimitPolicy.builder().route("a\"b", "/a", null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimitPolicy.builder().route("a", "no-slash", null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRefuseLimitsThatCannotBeAdvertised() {
        assertThatThrownBy(() -> Limit.of(0, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limit.of(10, Duration.ofMillis(1500))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limit.of(10, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldScaleALimitButNeverBelowOne() {
        assertThat(Limit.perMinute(100).scaled(0.1)).isEqualTo(Limit.perMinute(10));
        assertThat(Limit.perMinute(5).scaled(0.1)).isEqualTo(Limit.perMinute(1));
        assertThat(Limit.perMinute(5).scaled(1)).isEqualTo(Limit.perMinute(5));
        assertThatThrownBy(() -> Limit.perMinute(5).scaled(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limit.perMinute(5).scaled(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
