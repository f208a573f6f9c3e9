package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.HS256;
import static io.tokenwatch.filter.TestTokens.NOW;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The signature layer on its own ({@link TokenValidator#verifySignatureOnly}) and the encoding rules
 * it adds to jjwt's: one spelling per token.
 */
class SignatureLayerTest {

    private final TokenValidator validator = TestTokens.validator(HS256, RS256, ES256);

    @Test
    void shouldVerifyASignatureOverContentThatIsNotAClaimsSet() {
        String token = macOver(TestTokens.b64("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}") + "." + TestTokens.b64("foo"));

        assertThat(validator.verifySignatureOnly(token)).isEqualTo(SignatureCheck.VERIFIED);
        // The full validation wants claims, and says so without trusting anything.
        ValidationResult full = validator.validate(token);
        assertThat(full.outcome()).isEqualTo(Outcome.MALFORMED);
        assertThat(full.claims().verified()).isFalse();
    }

    @Test
    void shouldReportTheSameRejectionsAsFullValidation() {
        String tampered = TokenValidatorTest.flipSignatureCharacter(TestTokens.rs256().sign());

        assertThat(validator.verifySignatureOnly(tampered).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
        assertThat(validator.verifySignatureOnly(TestTokens.rs256().alg("none").unsigned()).outcome())
                .isEqualTo(Outcome.ALG_NOT_ALLOWED);
        assertThat(validator.verifySignatureOnly(TestTokens.rs256().kid("gone").sign()).outcome())
                .isEqualTo(Outcome.UNKNOWN_KEY);
        assertThat(validator.verifySignatureOnly("x".repeat(IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES + 1)).outcome())
                .isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void shouldKeepJjwtsTimeChecksOnAClaimsPayload() {
        // jjwt checks exp after the signature; the signature layer reports what the real path reports.
        String expired = TestTokens.rs256().expiresAt(NOW.minusSeconds(3600)).sign();

        assertThat(validator.verifySignatureOnly(expired).outcome()).isEqualTo(Outcome.EXPIRED);
    }

    @Test
    void shouldVerifyOverTheExactHeaderTextEvenWithLineBreaks() {
        // RFC 7515 A.1's point: the signing input is the encoded text, never a re-serialisation.
        String token = TestTokens.hs256().rawHeader("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\",\r\n \"kid\":\"hs-1\"}")
                .sign();

        assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"####", "    ", "=", "?", "+", "/", "\n"})
    void shouldRejectCharactersOutsideBase64UrlEvenUnderAValidMac(String inserted) {
        // jjwt's decoder skips such characters, and the MAC covers them, so without this rule the
        // same token would have many spellings (Wycheproof base64 group).
        String header = TestTokens.b64("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}");
        String payload = TestTokens.hs256().signingInput().split("\\.")[1];

        for (String spelled : new String[] {inserted + payload, payload + inserted}) {
            String token = macOver(header + "." + spelled);
            assertThat(validator.verifySignatureOnly(token).outcome()).as(spelled).isEqualTo(Outcome.MALFORMED);
            assertThat(validator.validate(token).outcome()).as(spelled).isEqualTo(Outcome.MALFORMED);
        }
    }

    @Test
    void shouldRejectNonZeroPadBitsEvenUnderAValidMac() {
        // "AB" and "AA" decode to the same byte; only "AA" is canonical (RFC 4648 §3.5).
        String header = TestTokens.b64("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}");

        assertThat(validator.verifySignatureOnly(macOver(header + ".AA")).verified()).isTrue();
        assertThat(validator.verifySignatureOnly(macOver(header + ".AB")).outcome()).isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void shouldRejectAPaddedHeader() {
        String header = Base64.getUrlEncoder().encodeToString("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}"
                .getBytes(StandardCharsets.UTF_8));

        assertThat(header).endsWith("=");
        assertThat(validator.verifySignatureOnly(macOver(header + "." + TestTokens.b64("foo"))).outcome())
                .isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void shouldRejectAnEmptySignatureForARealAlgorithm() {
        assertThat(validator.validate(TestTokens.hs256().unsigned()).outcome()).isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void shouldRejectACompressedPayloadRequest() {
        assertThat(validator.validate(TestTokens.rs256().header("zip", "DEF").sign()).outcome())
                .isEqualTo(Outcome.MALFORMED);
    }

    @Test
    void shouldAcceptAnEmptyPayloadUnderAValidSignature() {
        String token = macOver(TestTokens.b64("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}") + ".");

        assertThat(validator.verifySignatureOnly(token).verified()).isTrue();
    }

    @Test
    void shouldTellCanonicalBase64UrlApart() {
        for (String canonical : new String[] {"", "AA", "AAA", "AAAA", "AAE", "_-_-", "Zm9v", "Zm8"}) {
            assertThat(Base64Url.isCanonical(canonical, 0, canonical.length())).as(canonical).isTrue();
        }
        for (String other : new String[] {"A", "AB", "AAB", "AAAAA", "Zm9=", "Zm8=", "Zm+v", "Zm/v", "Zm 9v",
                "Zm9v\n"}) {
            assertThat(Base64Url.isCanonical(other, 0, other.length())).as(other).isFalse();
        }
    }

    /** {@code signingInput.MAC} with the HS256 test key, over the exact text given. */
    private static String macOver(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(HS256.secret(), "HmacSHA256"));
            byte[] tag = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
