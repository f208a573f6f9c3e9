package io.tokenwatch.filter.revocation;

import io.tokenwatch.schemas.Keys;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RevokedTokensTest {

    private static final String ISS = "https://issuer.example";

    @Test
    void shouldFindByIssuerAndJtiWhatWasStoredUnderTheCanonicalKey() {
        RevokedTokens tokens = new RevokedTokens();
        tokens.put(Keys.jti(ISS, "abc"), 1234L);

        assertThat(tokens.expiresAt(ISS, "abc")).isEqualTo(1234L);
        assertThat(tokens.expiresAt(ISS, "abd")).isNull();
        assertThat(tokens.expiresAt("https://other.example", "abc")).isNull();
    }

    @Test
    void shouldHashTheLookupExactlyLikeTheCanonicalKey() {
        RevokedTokens tokens = new RevokedTokens();
        // The lookup hashes "jti|" + iss + "|" + jti in place; a separator inside the jti must land
        // in the same place as in the key string, and shorter or longer jtis must not match.
        tokens.put(Keys.jti("a", "b|c"), 1L);

        assertThat(tokens.expiresAt("a", "b|c")).isEqualTo(1L);
        assertThat(tokens.expiresAt("a", "b")).isNull();
        assertThat(tokens.expiresAt("a", "b|")).isNull();
    }

    @Test
    void shouldReplaceTheExpiryOfAKeyStoredAgainAndRemoveIt() {
        RevokedTokens tokens = new RevokedTokens();
        tokens.put(Keys.jti(ISS, "t"), 10L);
        tokens.put(Keys.jti(ISS, "t"), 20L);

        assertThat(tokens.size()).isOne();
        assertThat(tokens.expiresAt(ISS, "t")).isEqualTo(20L);
        assertThat(tokens.remove(Keys.jti(ISS, "t"))).isTrue();
        assertThat(tokens.remove(Keys.jti(ISS, "t"))).isFalse();
        assertThat(tokens.expiresAt(ISS, "t")).isNull();
    }

    @Test
    void shouldHoldManyTokensWithoutConfusingAny() {
        RevokedTokens tokens = new RevokedTokens();
        int n = 200_000;
        String[] jtis = new String[n];
        for (int i = 0; i < n; i++) {
            jtis[i] = UUID.randomUUID().toString();
            tokens.put(Keys.jti(ISS, jtis[i]), i + 1L);
        }

        assertThat(tokens.size()).isEqualTo(n);
        for (int i = 0; i < n; i++) {
            assertThat(tokens.expiresAt(ISS, jtis[i])).isEqualTo(i + 1L);
        }
        // Near misses of stored keys are not found.
        for (int i = 0; i < 1000; i++) {
            assertThat(tokens.expiresAt(ISS, jtis[i] + "x")).isNull();
            assertThat(tokens.expiresAt(ISS + "/", jtis[i])).isNull();
        }
    }

    @Test
    void shouldOnlyClaimJtiScopeKeys() {
        assertThat(RevokedTokens.isTokenKey(Keys.jti(ISS, "t"))).isTrue();
        assertThat(RevokedTokens.isTokenKey(Keys.subjectScope(ISS, "alice"))).isFalse();
        assertThat(RevokedTokens.isTokenKey(Keys.ip("192.0.2.1"))).isFalse();
    }
}
