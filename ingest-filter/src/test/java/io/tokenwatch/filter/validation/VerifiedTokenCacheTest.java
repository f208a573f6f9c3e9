package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.ratelimit.MutableClock;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VerifiedTokenCacheTest {

    private static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final VerifiedTokenCache cache = new VerifiedTokenCache(clock, 100, 100, Duration.ofSeconds(30));

    @Test
    void shouldAnswerARepeatedValidTokenFromTheCache() {
        cache.remember(ValidationResult.success(claims("f1", NOW.plusSeconds(600))));

        assertThat(cache.lookup(fp("f1"))).hasValueSatisfying(r -> {
            assertThat(r.isValid()).isTrue();
            assertThat(r.claims().subject()).isEqualTo("alice");
        });
        assertThat(cache.hitCount()).isEqualTo(1);
    }

    @Test
    void shouldNeverAnswerForATokenPastItsExpiry() {
        cache.remember(ValidationResult.success(claims("f1", NOW.plusSeconds(60))));

        clock.advance(Duration.ofSeconds(60));

        assertThat(cache.lookup(fp("f1"))).isEmpty();
        assertThat(cache.verifiedSize()).isZero();
    }

    @Test
    void shouldRememberSignatureFailuresBriefly() {
        TokenClaims forged = TokenClaims.unreadable(fp("bad"));
        cache.remember(ValidationResult.failure(Outcome.BAD_SIGNATURE, forged, List.of("x")));

        assertThat(cache.lookup(fp("bad"))).hasValueSatisfying(r -> assertThat(r.outcome())
                .isEqualTo(Outcome.BAD_SIGNATURE));
        clock.advance(Duration.ofSeconds(31));
        assertThat(cache.lookup(fp("bad"))).isEmpty();
    }

    @Test
    void shouldNotRememberClaimLevelFailures() {
        TokenClaims expired = claims("old", NOW.minusSeconds(1));
        cache.remember(ValidationResult.failure(Outcome.EXPIRED, expired, List.of("expired")));
        cache.remember(ValidationResult.failure(Outcome.AUDIENCE, claims("aud", NOW.plusSeconds(60)), List.of("a")));

        assertThat(cache.lookup(fp("old"))).isEmpty();
        assertThat(cache.lookup(fp("aud"))).isEmpty();
    }

    @Test
    void shouldStayWithinItsBound() {
        for (int i = 0; i < 1_000; i++) {
            cache.remember(ValidationResult.success(claims("t" + i, NOW.plusSeconds(600))));
        }
        assertThat(cache.verifiedSize()).isLessThanOrEqualTo(100);
    }

    private static TokenClaims claims(String id, Instant exp) {
        return new TokenClaims(fp(id), true, "ES256", "k1", "jti-" + id, "alice", "https://issuer.example",
                List.of("api"), NOW.minusSeconds(10), exp, null);
    }

    /** A fingerprint-shaped key for a short name. */
    private static String fp(String id) {
        return TokenValidator.fingerprint(id);
    }
}
