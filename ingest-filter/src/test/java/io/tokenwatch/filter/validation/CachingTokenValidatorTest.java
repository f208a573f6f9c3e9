package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.ratelimit.MutableClock;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The validator with its verified-token cache: same answers, less crypto. */
class CachingTokenValidatorTest {

    @Test
    void shouldAnswerRepeatedTokensFromTheCacheWithTheSameVerdict() {
        Clock clock = Clock.fixed(TestTokens.NOW, ZoneOffset.UTC);
        VerifiedTokenCache cache = new VerifiedTokenCache(clock);
        TokenValidator validator = new TokenValidator(TestTokens.policy(TestTokens.RS256), clock, cache);
        String valid = TestTokens.rs256().sign();
        // Same header and claims, one signature character changed: a forgery.
        int i = valid.length() - 10;
        String forged = valid.substring(0, i) + (valid.charAt(i) == 'A' ? 'B' : 'A') + valid.substring(i + 1);

        ValidationResult first = validator.validate(valid);
        ValidationResult second = validator.validate(valid);
        ValidationResult forgedFirst = validator.validate(forged);
        ValidationResult forgedAgain = validator.validate(forged);

        assertThat(first.isValid()).isTrue();
        assertThat(second.isValid()).isTrue();
        assertThat(second.claims()).isEqualTo(first.claims());
        assertThat(forgedFirst.outcome().isForgerySignal()).isTrue();
        assertThat(forgedAgain.outcome()).isEqualTo(forgedFirst.outcome());
        assertThat(cache.hitCount()).isEqualTo(2);
        assertThat(cache.missCount()).isEqualTo(2);
    }

    @Test
    void shouldValidateAfreshOnceTheCachedTokenExpired() {
        MutableClock clock = new MutableClock(TestTokens.NOW);
        TokenValidator validator = new TokenValidator(TestTokens.policy(TestTokens.RS256), clock, new VerifiedTokenCache(clock));
        String token = TestTokens.rs256().expiresAt(TestTokens.NOW.plusSeconds(30)).sign();
        assertThat(validator.validate(token).isValid()).isTrue();

        clock.advance(Duration.ofMinutes(10));

        assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.EXPIRED);
    }
}
