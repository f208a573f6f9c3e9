package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static io.tokenwatch.filter.TestTokens.AUDIENCE;
import static io.tokenwatch.filter.TestTokens.CLOCK;
import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.ISSUER;
import static io.tokenwatch.filter.TestTokens.NOW;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The issuer policy's own checks, each through {@link TokenValidator} with one thing changed. */
class PolicyChecksTest {

    private static final KeyRing KEYS = new KeyRing(List.of(RS256.binding(), ES256.binding()));

    private static IssuerPolicy.Builder policy() {
        return IssuerPolicy.builder(ISSUER, Set.of(AUDIENCE), KEYS);
    }

    private static Outcome outcome(IssuerPolicy.Builder policy, TestTokens token) {
        return new TokenValidator(policy.build(), CLOCK).validate(token.sign()).outcome();
    }

    private static ValidationResult result(IssuerPolicy.Builder policy, TestTokens token) {
        return new TokenValidator(policy.build(), CLOCK).validate(token.sign());
    }

    @Nested
    class Defaults {

        @Test
        void shouldKeepTheDefaultsOfTheOriginalPolicy() {
            IssuerPolicy policy = IssuerPolicy.of(ISSUER, Set.of(AUDIENCE), KEYS);

            assertThat(policy.clockSkew()).isEqualTo(IssuerPolicy.DEFAULT_CLOCK_SKEW);
            assertThat(policy.maxTokenBytes()).isEqualTo(IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES);
            assertThat(policy.algorithms()).containsExactlyInAnyOrder("RS256", "ES256");
            assertThat(policy.requiredClaims()).isEmpty();
            assertThat(policy.type()).isNull();
            assertThat(policy.maxLifetime()).isEqualTo(Duration.ofHours(24));
            assertThat(new IssuerPolicy(ISSUER, Set.of(AUDIENCE), KEYS, IssuerPolicy.DEFAULT_CLOCK_SKEW,
                    IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES)).isEqualTo(policy);
        }

        @Test
        void shouldAcceptATokenWithoutIatUnderTheDefaults() {
            assertThat(outcome(policy(), TestTokens.rs256().issuedAt(null))).isEqualTo(Outcome.ACCEPTED);
        }
    }

    @Nested
    class Algorithms {

        @Test
        void shouldRefuseAnAlgorithmTheIssuerDoesNotUseEvenWithABoundKey() {
            IssuerPolicy.Builder esOnly = policy().algorithms("ES256");

            assertThat(outcome(esOnly, TestTokens.es256())).isEqualTo(Outcome.ACCEPTED);
            assertThat(outcome(esOnly, TestTokens.rs256())).isEqualTo(Outcome.ALG_NOT_ALLOWED);
        }

        @Test
        void shouldRefuseAPolicyNoKeyCanSatisfy() {
            IssuerPolicy.Builder psOnly = policy().algorithms("PS256");

            assertThatIllegalArgumentException().isThrownBy(psOnly::build).withMessageContaining("no key is bound");
        }

        @ParameterizedTest
        @ValueSource(strings = {"none", "NONE", "HS257", "RSA-OAEP", ""})
        void shouldRefuseAnAllowListWithAnythingButASupportedAlgorithm(String alg) {
            assertThatIllegalArgumentException().isThrownBy(() -> policy().algorithms("ES256", alg).build());
        }
    }

    @Nested
    class RequiredClaims {

        @Test
        void shouldRejectATokenMissingARequiredClaim() {
            ValidationResult result = result(policy().requiredClaims("sub", "jti", "client_id"), TestTokens.rs256());

            assertThat(result.outcome()).isEqualTo(Outcome.MISSING_CLAIM);
            assertThat(result.errors()).containsExactly("client_id is required");
            assertThat(result.claims().verified()).isTrue();
        }

        @Test
        void shouldCountANullClaimAsMissing() {
            TestTokens token = TestTokens.rs256().rawPayload("{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE
                    + "\",\"exp\":" + NOW.plusSeconds(300).getEpochSecond() + ",\"sub\":null}");

            assertThat(outcome(policy().requiredClaims("sub"), token)).isEqualTo(Outcome.MISSING_CLAIM);
        }

        @Test
        void shouldReportEveryMissingClaimInNameOrder() {
            ValidationResult result = result(policy().requiredClaims("scope", "client_id", "sub"),
                    TestTokens.rs256().subject(null));

            assertThat(result.errors()).containsExactly("client_id is required", "scope is required",
                    "sub is required");
        }

        @Test
        void shouldAcceptATokenCarryingEveryRequiredClaim() {
            assertThat(outcome(policy().requiredClaims("sub", "jti", "client_id"),
                    TestTokens.rs256().claim("client_id", "app-1"))).isEqualTo(Outcome.ACCEPTED);
        }
    }

    @Nested
    class Type {

        @ParameterizedTest
        @ValueSource(strings = {"at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+jwt"})
        void shouldAcceptTheConfiguredTypeInAnySpelling(String typ) {
            assertThat(outcome(policy().type("at+jwt"), TestTokens.es256().typ(typ))).isEqualTo(Outcome.ACCEPTED);
            assertThat(outcome(policy().type("application/at+jwt"), TestTokens.es256().typ(typ)))
                    .isEqualTo(Outcome.ACCEPTED);
        }

        @ParameterizedTest
        @ValueSource(strings = {"JWT", "jwt", "text/at+jwt", "at+jwt2", "application/jwt", "secevent+jwt", " at+jwt",
                ""})
        void shouldRejectAnyOtherType(String typ) {
            assertThat(outcome(policy().type("at+jwt"), TestTokens.es256().typ(typ))).isEqualTo(Outcome.TYPE);
        }

        @Test
        void shouldRejectAMissingTypeWhenOneIsConfigured() {
            ValidationResult result = result(policy().type("at+jwt"), TestTokens.es256().typ(null));

            assertThat(result.outcome()).isEqualTo(Outcome.TYPE);
            assertThat(result.claims().verified()).isTrue();
        }

        @Test
        void shouldAcceptAnyTypeWhenNoneIsConfigured() {
            assertThat(outcome(policy(), TestTokens.es256().typ("anything/else"))).isEqualTo(Outcome.ACCEPTED);
        }
    }

    @Nested
    class Lifetime {

        @Test
        void shouldRejectALifetimeAboveTheDefaultDay() {
            TestTokens token = TestTokens.rs256().issuedAt(NOW.minusSeconds(60))
                    .expiresAt(NOW.minusSeconds(60).plus(Duration.ofHours(24)).plusSeconds(1));

            assertThat(outcome(policy(), token)).isEqualTo(Outcome.LIFETIME_EXCEEDED);
        }

        @Test
        void shouldAcceptALifetimeOfExactlyTheMaximum() {
            TestTokens token = TestTokens.rs256().issuedAt(NOW.minusSeconds(60))
                    .expiresAt(NOW.minusSeconds(60).plus(Duration.ofHours(24)));

            assertThat(outcome(policy(), token)).isEqualTo(Outcome.ACCEPTED);
        }

        @Test
        void shouldHoldATokenWithoutIatToTheMaximumFromNow() {
            assertThat(outcome(policy(), TestTokens.rs256().issuedAt(null).expiresAt(NOW.plus(Duration.ofHours(25)))))
                    .isEqualTo(Outcome.LIFETIME_EXCEEDED);
            assertThat(outcome(policy(), TestTokens.rs256().issuedAt(null).expiresAt(NOW.plus(Duration.ofHours(23)))))
                    .isEqualTo(Outcome.ACCEPTED);
        }

        @Test
        void shouldRequireIatOnceAMaximumIsConfigured() {
            IssuerPolicy.Builder hour = policy().maxLifetime(Duration.ofHours(1));

            ValidationResult result = result(hour, TestTokens.rs256().issuedAt(null));

            assertThat(hour.build().requiredClaims()).contains("iat");
            assertThat(result.outcome()).isEqualTo(Outcome.MISSING_CLAIM);
            assertThat(result.errors()).containsExactly("iat is required");
        }

        @Test
        void shouldEnforceAConfiguredMaximum() {
            IssuerPolicy.Builder hour = policy().maxLifetime(Duration.ofHours(1));

            assertThat(outcome(hour, TestTokens.rs256().issuedAt(NOW.minusSeconds(60))
                    .expiresAt(NOW.plus(Duration.ofHours(1))))).isEqualTo(Outcome.LIFETIME_EXCEEDED);
            assertThat(outcome(hour, TestTokens.rs256())).isEqualTo(Outcome.ACCEPTED);
        }

        @Test
        void shouldRefuseANonPositiveMaximum() {
            assertThatIllegalArgumentException().isThrownBy(() -> policy().maxLifetime(Duration.ZERO).build());
        }
    }

    @Nested
    class IssuedAt {

        @Test
        void shouldRejectATokenIssuedInTheFutureBeyondTheSkew() {
            ValidationResult result = result(policy(), TestTokens.rs256().issuedAt(NOW.plusSeconds(120)));

            assertThat(result.outcome()).isEqualTo(Outcome.NOT_YET_VALID);
            assertThat(result.claims().verified()).isTrue();
        }

        @Test
        void shouldAcceptAnIatInTheFutureWithinTheSkew() {
            assertThat(outcome(policy(), TestTokens.rs256().issuedAt(NOW.plusSeconds(30))))
                    .isEqualTo(Outcome.ACCEPTED);
        }

        @Test
        void shouldHonourASmallerConfiguredSkew() {
            assertThat(outcome(policy().clockSkew(Duration.ofSeconds(10)), TestTokens.rs256()
                    .issuedAt(NOW.plusSeconds(30)))).isEqualTo(Outcome.NOT_YET_VALID);
        }
    }

    @Nested
    class Composition {

        @Test
        void shouldRunEveryCheckAndDecideByTheFirstFailure() {
            IssuerPolicy policy = policy().type("at+jwt").requiredClaims("client_id").build();
            ClaimValidator checks = ClaimValidators.createDefault(policy, CLOCK);
            TokenClaims claims = new TokenClaims("0".repeat(64), true, "RS256", "rs-1", null, null, "https://evil.test",
                    List.of("other"), NOW.plusSeconds(600), NOW.plus(Duration.ofDays(3)), null);

            ClaimValidator.Result result = checks.validate(new VerifiedJwt(claims, "JWT", Set.of("iss", "aud")));

            assertThat(result.failures()).extracting(ClaimValidator.Failure::reason).containsExactly(
                    Outcome.NOT_YET_VALID, Outcome.LIFETIME_EXCEEDED, Outcome.ISSUER, Outcome.AUDIENCE,
                    Outcome.MISSING_CLAIM, Outcome.TYPE);
        }

        @Test
        void shouldPassAValidTokenThroughEveryCheck() {
            IssuerPolicy policy = policy().type("at+jwt").requiredClaims("sub", "jti")
                    .maxLifetime(Duration.ofMinutes(30)).algorithms("RS256").build();

            String token = TestTokens.rs256().typ("at+jwt").sign();

            ValidationResult result = new TokenValidator(policy, CLOCK).validate(token);

            assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
        }
    }
}
