package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.TokenArbitraries;
import io.tokenwatch.schemas.Outcome;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

import static io.tokenwatch.filter.TestTokens.EDDSA;
import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.HS256;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;

/** Whatever string arrives as a token, the validator answers with a clean rejection. */
class TokenValidatorPropertiesTest {

    private static final TokenValidator VALIDATOR = TestTokens.validator(HS256, RS256, ES256, EDDSA);
    private static final String VALID = TestTokens.rs256().sign();

    @Property
    void shouldRejectAnyStringWithoutThrowing(@ForAll String token) {
        assertCleanRejection(VALIDATOR.validate(token));
    }

    @Property(tries = 200)
    void shouldRejectAnyLongStringWithoutThrowing(@ForAll @StringLength(min = 200, max = 10_000) String token) {
        assertCleanRejection(VALIDATOR.validate(token));
    }

    @Property(tries = 2000)
    void shouldRejectAnyTokenShapedStringWithoutThrowing(@ForAll("tokenShaped") String token) {
        assertCleanRejection(VALIDATOR.validate(token));
    }

    @Property
    void shouldRejectValidTokenWithAnyCharacterOfItsSignedPartChanged(
            @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll("base64UrlChar") char replacement) {
        // The signing input is the encoded text itself (RFC 7515 §5.1), so any change to it must break
        // the signature, whatever the change decodes to.
        int at = position % VALID.lastIndexOf('.');
        if (VALID.charAt(at) == replacement || VALID.charAt(at) == '.') {
            return;
        }
        String changed = VALID.substring(0, at) + replacement + VALID.substring(at + 1);

        assertCleanRejection(VALIDATOR.validate(changed));
    }

    @Provide
    Arbitrary<String> tokenShaped() {
        return TokenArbitraries.tokenShaped();
    }

    @Provide
    Arbitrary<Character> base64UrlChar() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        return Arbitraries.of(alphabet.chars().mapToObj(c -> (char) c).toList());
    }

    private static void assertCleanRejection(ValidationResult result) {
        assertThat(result.outcome()).isNotEqualTo(Outcome.ACCEPTED);
        assertThat(result.isValid()).isFalse();
        assertThat(result.claims()).isNotNull();
        assertThat(result.claims().fingerprint()).matches("[0-9a-f]{64}");
    }
}
