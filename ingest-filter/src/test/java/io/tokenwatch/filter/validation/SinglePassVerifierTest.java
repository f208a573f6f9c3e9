package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.EDDSA;
import static io.tokenwatch.filter.TestTokens.HS256;
import static io.tokenwatch.filter.TestTokens.NOW;
import static io.tokenwatch.filter.TestTokens.PS256;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules of the one-pass signature layer and claims reader that jjwt used to enforce for us, and
 * the primitives' own checks: exact signature lengths, ECDSA ranges, PSS parameters, the Ed25519 and
 * Ed448 paths, strict claim types.
 */
class SinglePassVerifierTest {

    private final TokenValidator validator = TestTokens.validator(HS256, RS256, ES256, EDDSA);

    @Nested
    class Primitives {

        @Test
        void shouldRejectAnRsaSignatureOfTheWrongLength() {
            String token = TestTokens.rs256().sign();

            // One byte more than the modulus: RFC 8017 §8.2.2 step 1, before any arithmetic.
            String longer = withSignature(token, concat(signatureOf(token), new byte[1]));
            String shorter = withSignature(token, Arrays.copyOf(signatureOf(token), 255));

            assertThat(validator.validate(longer).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            assertThat(validator.validate(shorter).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
        }

        @Test
        void shouldRejectATruncatedHmacTag() {
            String token = TestTokens.hs256().sign();

            String truncated = withSignature(token, Arrays.copyOf(signatureOf(token), 16));

            assertThat(validator.validate(truncated).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
        }

        @Test
        void shouldRejectEcdsaValuesOutsideTheGroupOrder() {
            String token = TestTokens.es256().sign();
            byte[] signature = signatureOf(token);
            BigInteger n = ((ECPublicKey) ES256.keyPair().getPublic()).getParams().getOrder();
            byte[] order = fixed(n, 32);

            byte[] rIsN = concat(order, Arrays.copyOfRange(signature, 32, 64));
            byte[] sIsN = concat(Arrays.copyOf(signature, 32), order);
            byte[] sIsZero = concat(Arrays.copyOf(signature, 32), new byte[32]);

            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.ACCEPTED);
            for (byte[] forged : List.of(rIsN, sIsN, sIsZero)) {
                assertThat(validator.validate(withSignature(token, forged)).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            }
        }

        @Test
        void shouldRejectAnEcdsaSignatureInDerOrOfTheWrongLength() throws GeneralSecurityException {
            String token = TestTokens.es256().sign();
            Signature der = Signature.getInstance("SHA256withECDSA");
            der.initSign(ES256.privateKey());
            der.update(signingInput(token).getBytes(StandardCharsets.US_ASCII));

            // RFC 7518 §3.4: R || S, exactly 64 octets for ES256; DER is another encoding.
            assertThat(validator.validate(withSignature(token, der.sign())).outcome())
                    .isEqualTo(Outcome.BAD_SIGNATURE);
            assertThat(validator.validate(withSignature(token, concat(signatureOf(token), new byte[1]))).outcome())
                    .isEqualTo(Outcome.BAD_SIGNATURE);
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 20, 31, 33, 64})
        void shouldAcceptPssOnlyWithTheSaltLengthOfRfc7518(int saltLength) throws GeneralSecurityException {
            TokenValidator pss = TestTokens.validator(PS256);
            String input = TestTokens.ps256().signingInput();
            Signature signer = Signature.getInstance("RSASSA-PSS");
            signer.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, saltLength, 1));
            signer.initSign(PS256.privateKey());
            signer.update(input.getBytes(StandardCharsets.US_ASCII));

            String token = input + "." + b64(signer.sign());

            // RFC 7518 §3.5: the salt is as long as the hash output, 32 octets for PS256.
            assertThat(pss.validate(token).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            assertThat(pss.validate(TestTokens.ps256().sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
        }

        @Test
        void shouldVerifyEd25519AndRejectEveryChangedByte() {
            String token = TestTokens.eddsa().sign();
            byte[] signature = signatureOf(token);

            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.ACCEPTED);
            for (int i = 0; i < signature.length; i += 7) {
                byte[] changed = signature.clone();
                changed[i] ^= 1;
                assertThat(validator.validate(withSignature(token, changed)).outcome()).as("byte %d", i)
                        .isEqualTo(Outcome.BAD_SIGNATURE);
            }
            assertThat(validator.validate(withSignature(token, Arrays.copyOf(signature, 63))).outcome())
                    .isEqualTo(Outcome.BAD_SIGNATURE);
        }

        @Test
        void shouldVerifyEd448ThroughTheJdk() throws GeneralSecurityException {
            KeyPair pair = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
            TokenValidator ed448 = new TokenValidator(IssuerPolicy.of(TestTokens.ISSUER, Set.of(TestTokens.AUDIENCE),
                    new KeyRing(List.of(KeyBinding.publicKey("ed448", "EdDSA", pair.getPublic())))), TestTokens.CLOCK);
            String input = TestTokens.eddsa().kid("ed448").signingInput();
            Signature signer = Signature.getInstance("Ed448");
            signer.initSign(pair.getPrivate());
            signer.update(input.getBytes(StandardCharsets.US_ASCII));
            byte[] signature = signer.sign();

            assertThat(ed448.validate(input + "." + b64(signature)).outcome()).isEqualTo(Outcome.ACCEPTED);
            signature[10] ^= 1;
            assertThat(ed448.validate(input + "." + b64(signature)).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
        }

        @Test
        void shouldKeepVerifyingAfterAnUndecodableSignatureOnTheSameThread() {
            // A provider exception must not leave the per-thread Signature half-used.
            String token = TestTokens.rs256().sign();
            byte[] garbage = new byte[256];
            Arrays.fill(garbage, (byte) 0xff);

            assertThat(validator.validate(withSignature(token, garbage)).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.ACCEPTED);
        }
    }

    @Nested
    class Headers {

        @ParameterizedTest
        @ValueSource(strings = {"{\"alg\":\"HS256\",\"kid\":7}", "{\"alg\":\"HS256\",\"kid\":\"hs-1\",\"typ\":[\"JWT\"]}"})
        void shouldRejectAKidOrTypThatIsNotAString(String header) {
            assertThat(validator.validate(TestTokens.hs256().rawHeader(header).sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldStillReportAlgNoneBeforeABadlyTypedKid() {
            String token = TestTokens.hs256().rawHeader("{\"alg\":\"none\",\"kid\":7}").sign();

            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.ALG_NOT_ALLOWED);
        }

        @Test
        void shouldRejectAJweParameterInAThreePartToken() {
            assertThat(validator.validate(TestTokens.hs256().header("enc", "A256GCM").sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectSomethingAfterTheHeaderObject() {
            String token = TestTokens.hs256().rawHeader("{\"alg\":\"HS256\",\"kid\":\"hs-1\"}{}").sign();

            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.MALFORMED);
        }
    }

    @Nested
    class Claims {

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"iss\":7}",
                "{\"sub\":{\"id\":1}}",
                "{\"jti\":true}",
                "{\"aud\":7}",
                "{\"aud\":[\"tokenwatch-api\",7]}",
                "{\"exp\":\"2030-01-01T00:00:00Z\"}",
                "{\"exp\":1e300}",
                "{\"exp\":18446744073709551616}",
                "{\"iat\":[1]}",
                "{\"sub\":\"a\",\"sub\":\"b\"}",
                "{\"sub\":\"a\"} {}",
                "[]"})
        void shouldRejectAVerifiedPayloadThatIsNotAWellTypedClaimsSet(String payload) {
            ValidationResult result = validator.validate(TestTokens.hs256().rawPayload(payload).sign());

            assertThat(result.outcome()).isEqualTo(Outcome.MALFORMED);
            // Malformed claims are never believed, even under a good signature.
            assertThat(result.claims().verified()).isFalse();
        }

        @Test
        void shouldReadAFractionalNumericDateToTheMillisecond() {
            long exp = NOW.plusSeconds(600).getEpochSecond();
            String payload = "{\"iss\":\"" + TestTokens.ISSUER + "\",\"aud\":\"" + TestTokens.AUDIENCE
                    + "\",\"sub\":\"x\",\"exp\":" + exp + ".25,\"nbf\":null}";

            ValidationResult result = validator.validate(TestTokens.hs256().rawPayload(payload).sign());

            assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(result.claims().expiresAt()).isEqualTo(Instant.ofEpochMilli(exp * 1000 + 250));
            assertThat(result.claims().notBefore()).isNull();
            assertThat(result.claims().audience()).containsExactly(TestTokens.AUDIENCE);
        }
    }

    private static String signingInput(String token) {
        return token.substring(0, token.lastIndexOf('.'));
    }

    private static byte[] signatureOf(String token) {
        return Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
    }

    private static String withSignature(String token, byte[] signature) {
        return signingInput(token) + "." + b64(signature);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] fixed(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[length];
        System.arraycopy(raw, Math.max(0, raw.length - length), out, Math.max(0, length - raw.length),
                Math.min(raw.length, length));
        return out;
    }
}
