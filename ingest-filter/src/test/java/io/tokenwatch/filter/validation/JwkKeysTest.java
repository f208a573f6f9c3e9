package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import static io.tokenwatch.filter.TestTokens.EDDSA;
import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class JwkKeysTest {

    private static final KeyPair P384 = TestJwks.ec("secp384r1");
    private static final KeyPair P521 = TestJwks.ec("secp521r1");
    private static final KeyPair ED448 = TestJwks.generate("Ed448", null);

    @Test
    void shouldBindAnRsaJwkToItsAlgAndVerifyTokensWithIt() {
        String jwk = TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "rs-1").toString();

        List<KeyBinding> keys = JwkKeys.parse(jwk);

        assertThat(keys).singleElement().satisfies(binding -> {
            assertThat(binding.kid()).isEqualTo("rs-1");
            assertThat(binding.algorithm()).isEqualTo("RS256");
            assertThat(binding.key().getEncoded()).isEqualTo(RS256.publicKeyBytes());
        });
        assertThat(validatorFor(keys).validate(TestTokens.rs256().sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void shouldBindEcJwksOfEveryCurveToTheirOneAlgorithm() {
        for (Object[] c : new Object[][] {{ES256.keyPair(), "P-256", "ES256"}, {P384, "P-384", "ES384"},
                {P521, "P-521", "ES512"}}) {
            KeyPair pair = (KeyPair) c[0];
            String jwk = TestJwks.ec(pair.getPublic(), (String) c[1], (String) c[2], "k").toString();

            KeyBinding binding = JwkKeys.parse(jwk).get(0);

            assertThat(binding.algorithm()).isEqualTo(c[2]);
            assertThat(binding.key().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        }
    }

    @Test
    void shouldBindOkpJwksOfBothEdwardsCurvesToEdDsa() {
        KeyBinding ed25519 = JwkKeys.parse(TestJwks.okp(EDDSA.keyPair().getPublic(), "Ed25519", "EdDSA", "ed-1")
                .toString()).get(0);
        KeyBinding ed448 = JwkKeys.parse(TestJwks.okp(ED448.getPublic(), "Ed448", "EdDSA", "ed-2").toString()).get(0);

        assertThat(ed25519.key().getEncoded()).isEqualTo(EDDSA.publicKeyBytes());
        assertThat(ed448.key().getEncoded()).isEqualTo(ED448.getPublic().getEncoded());
        assertThat(validatorFor(List.of(ed25519)).validate(TestTokens.eddsa().sign()).outcome())
                .isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void shouldBindAnOctJwkAsAnHmacSecret() {
        KeyBinding binding = JwkKeys.parse(TestJwks.oct(TestTokens.HS256.secret(), "HS256", "hs-1").toString()).get(0);

        assertThat(binding.algorithm()).isEqualTo("HS256");
        assertThat(validatorFor(List.of(binding)).validate(TestTokens.hs256().sign()).outcome())
                .isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void shouldBindEveryKeyOfAJwkSet() {
        String set = TestJwks.set(TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "rs-1"),
                TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", "es-1"),
                TestJwks.okp(EDDSA.keyPair().getPublic(), "Ed25519", "EdDSA", "ed-1"));

        TokenValidator validator = validatorFor(JwkKeys.parse(set));

        for (String token : List.of(TestTokens.rs256().sign(), TestTokens.es256().sign(), TestTokens.eddsa().sign())) {
            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.ACCEPTED);
        }
    }

    @Test
    void shouldBindAKeyWithoutAlgToTheConfiguredOne() {
        String jwk = TestJwks.rsa(RS256.keyPair().getPublic(), null, "rs-1").toString();

        assertThat(JwkKeys.parse(jwk, "PS256").get(0).algorithm()).isEqualTo("PS256");
    }

    @Test
    void shouldRefuseAKeyWithoutAlgWhenNoneIsConfigured() {
        String jwk = TestJwks.rsa(RS256.keyPair().getPublic(), null, "rs-1").toString();

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk))
                .withMessageContaining("rs-1").withMessageContaining("no alg");
    }

    @Test
    void shouldRefuseToRebindAKeyThatNamesAnotherAlg() {
        String jwk = TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "rs-1").toString();

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk, "PS256"))
                .withMessageContaining("RS256").withMessageContaining("PS256");
    }

    @ParameterizedTest
    @CsvSource({"P-256,ES384", "P-256,ES512", "P-384,ES256", "P-521,ES384"})
    void shouldRefuseAnEcKeyBoundToAnotherCurvesAlgorithm(String crv, String alg) {
        KeyPair pair = switch (crv) {
            case "P-256" -> ES256.keyPair();
            case "P-384" -> P384;
            default -> P521;
        };
        String jwk = TestJwks.ec(pair.getPublic(), crv, alg, "k").toString();

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk))
                .withMessageContaining(crv).withMessageContaining(alg);
    }

    @Test
    void shouldRefuseKeysBoundToAnotherKeyTypesAlgorithm() {
        List<String> mismatches = List.of(
                TestJwks.oct(new SecureRandom().generateSeed(32), "RS256", "k").toString(),
                TestJwks.rsa(RS256.keyPair().getPublic(), "HS256", "k").toString(),
                TestJwks.rsa(RS256.keyPair().getPublic(), "ES256", "k").toString(),
                TestJwks.okp(EDDSA.keyPair().getPublic(), "Ed25519", "ES256", "k").toString(),
                TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "EdDSA", "k").toString());
        for (String jwk : mismatches) {
            assertThatIllegalArgumentException().as(jwk).isThrownBy(() -> JwkKeys.parse(jwk))
                    .withMessageContaining("cannot be bound");
        }
    }

    @Test
    void shouldRefuseRsaKeysShorterThan2048Bits() {
        String jwk = TestJwks.rsa(TestJwks.rsa(1024).getPublic(), "RS256", "small").toString();

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk))
                .withMessageContaining("2048").withMessageContaining("1024");
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "None", "ES521", "ES224", "HS257", "RS1", "", "Ed25519"})
    void shouldRefuseAlgorithmsThatAreNotSupportedJwsAlgorithms(String alg) {
        String jwk = TestJwks.ec(ES256.keyPair().getPublic(), "P-256", alg, "k").toString();

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk))
                .withMessageContaining("not a supported JWS algorithm");
    }

    @Test
    void shouldIgnorePrivateMembersAndNeverReadThem() {
        ObjectNode jwk = TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "rs-1");
        // Not even base64url: were they decoded, parsing would fail.
        jwk.put("d", "!!private!!").put("p", "!!").put("q", "!!").put("dp", "!!").put("dq", "!!").put("qi", "!!");
        ObjectNode ec = TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", "es-1").put("d", "!!private!!");

        assertThat(JwkKeys.parse(jwk.toString()).get(0).key().getEncoded()).isEqualTo(RS256.publicKeyBytes());
        assertThat(JwkKeys.parse(ec.toString()).get(0).key()).isInstanceOf(java.security.PublicKey.class);
    }

    @Test
    void shouldRefuseALoneKeyMeantForEncryption() {
        ObjectNode enc = TestJwks.rsa(RS256.keyPair().getPublic(), null, "enc-1").put("use", "enc");
        ObjectNode wrap = TestJwks.rsa(RS256.keyPair().getPublic(), "RSA-OAEP", "enc-2");
        ObjectNode ops = TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "enc-3");
        ops.putArray("key_ops").add("encrypt");

        for (ObjectNode jwk : List.of(enc, wrap, ops)) {
            assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk.toString(), "RS256"))
                    .withMessageContaining("not a signature verification key");
        }
    }

    @Test
    void shouldSkipEncryptionKeysInASetAndKeepTheSignatureKeys() {
        ObjectNode sig = TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "sig-1").put("use", "sig");
        sig.putArray("key_ops").add("verify");
        ObjectNode enc = TestJwks.rsa(TestJwks.rsa(2048).getPublic(), "RSA-OAEP-256", "enc-1").put("use", "enc");

        assertThat(JwkKeys.parse(TestJwks.set(sig, enc))).extracting(KeyBinding::kid).containsExactly("sig-1");
        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(TestJwks.set(enc)))
                .withMessageContaining("no signature verification key");
    }

    @Test
    void shouldRefuseASetWithTwoKeysOfOneKid() {
        String set = TestJwks.set(TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "same"),
                TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", "same"));

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(set)).withMessageContaining("same");
    }

    @Test
    void shouldRefuseASetMixingSecretAndPublicKeys() {
        String set = TestJwks.set(TestJwks.oct(TestTokens.HS256.secret(), "HS256", "hs-1"),
                TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", "es-1"));

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(set)).withMessageContaining("mixes");
    }

    @Test
    void shouldRefuseAnEcPointOffTheCurve() {
        ObjectNode jwk = TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", "k");
        byte[] y = Base64.getUrlDecoder().decode(jwk.get("y").asText());
        y[y.length - 1] ^= 1;
        jwk.put("y", TestJwks.b64(y));

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk.toString()))
                .withMessageContaining("not a point on P-256");
    }

    @Test
    void shouldRefuseEcCoordinatesThatAreNotFullLength() {
        ObjectNode jwk = TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", "k");
        byte[] x = Base64.getUrlDecoder().decode(jwk.get("x").asText());
        jwk.put("x", TestJwks.b64(java.util.Arrays.copyOfRange(x, 1, x.length)));

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk.toString()))
                .withMessageContaining("32 bytes");
    }

    @Test
    void shouldRefuseKeyAgreementCurvesForSignatures() {
        KeyPair x25519 = TestJwks.generate("XDH", NamedParameterSpec.X25519);
        String jwk = TestJwks.okp(x25519.getPublic(), "X25519", "EdDSA", "k").toString();

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(jwk))
                .withMessageContaining("not a signature curve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "[]", "\"RSA\"", "{", "{\"kty\":\"RSA\",\"kty\":\"oct\"}", "{}",
            "{\"kty\":\"DSA\",\"alg\":\"RS256\"}", "{\"kty\":1}", "{\"keys\":[]}", "{\"keys\":{}}",
            "{\"keys\":[1]}", "{\"kty\":\"RSA\",\"alg\":\"RS256\",\"n\":\"AQAB\"}",
            "{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"AAAA====\"}",
            "{\"kty\":\"oct\",\"alg\":\"HS256\",\"k\":\"AA+/AA\"}",
            "{\"kty\":\"EC\",\"alg\":\"ES256\",\"crv\":\"P-192\",\"x\":\"AA\",\"y\":\"AA\"}",
            "{\"kty\":\"RSA\",\"alg\":\"RS256\",\"n\":\"AQAB\",\"e\":\"AQAB\",\"key_ops\":\"verify\"}"})
    void shouldRefuseMalformedJwksWithAnIllegalArgumentException(String json) {
        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parse(json));
    }

    @Test
    void shouldRefuseShortAndLeakedOctKeysWithoutEchoingThem() {
        byte[] leaked = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        String k = TestJwks.b64(leaked);
        String shortK = TestJwks.b64(new byte[16]);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> JwkKeys.parse(TestJwks.oct(leaked, "HS256", "rfc").toString()))
                .withMessageContaining("leaked").withMessageNotContaining(k).withMessageNotContaining("AyM1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> JwkKeys.parse(TestJwks.oct(new byte[16], "HS256", "short").toString()))
                .withMessageContaining("at least 32 bytes").withMessageNotContaining(shortK);
    }

    private static TokenValidator validatorFor(List<KeyBinding> keys) {
        return new TokenValidator(IssuerPolicy.of(TestTokens.ISSUER, Set.of(TestTokens.AUDIENCE), new KeyRing(keys)),
                TestTokens.CLOCK);
    }

    @Test
    void shouldReadAFetchedSetLenientlyKeepingOnlyKeysALookupCanTellApart() {
        String json = TestJwks.set(
                TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", "good"),
                TestJwks.rsa(RS256.keyPair().getPublic(), "RS256", "other-alg"),
                TestJwks.rsa(TestJwks.rsa(1024).getPublic(), "RS256", "weak"),
                TestJwks.oct(new byte[32], "HS256", "secret"),
                TestJwks.ec(P384.getPublic(), "P-384", "ES384", "twice"),
                TestJwks.ec(P384.getPublic(), "P-384", "ES384", "twice"));

        JwkKeys.Fetched fetched = JwkKeys.parseFetched(json, null, Set.of("ES256", "ES384"));

        assertThat(fetched.keys()).extracting(KeyBinding::kid).containsExactly("good");
        assertThat(fetched.skipped()).hasSize(5)
                .anyMatch(r -> r.contains("other-alg") && r.contains("not among the configured algorithms"))
                .anyMatch(r -> r.contains("weak") && r.contains("2048"))
                .anyMatch(r -> r.contains("never taken from a URL"))
                .anyMatch(r -> r.contains("'twice'") && r.contains("several keys share it"));
    }

    @Test
    void shouldBindFetchedKeysWithoutAlgToTheDefaultAndSkipKidlessKeysAmongSeveral() {
        String one = TestJwks.set(TestJwks.ec(ES256.keyPair().getPublic(), "P-256", null, null));
        assertThat(JwkKeys.parseFetched(one, "ES256", Set.of("ES256")).keys())
                .singleElement().satisfies(k -> assertThat(k.algorithm()).isEqualTo("ES256"));
        assertThat(JwkKeys.parseFetched(one, null, Set.of("ES256")).keys()).isEmpty();

        String two = TestJwks.set(TestJwks.ec(ES256.keyPair().getPublic(), "P-256", "ES256", null),
                TestJwks.ec(P384.getPublic(), "P-384", "ES384", "p384"));
        JwkKeys.Fetched fetched = JwkKeys.parseFetched(two, null, Set.of("ES256", "ES384"));
        assertThat(fetched.keys()).extracting(KeyBinding::kid).containsExactly("p384");
        assertThat(fetched.skipped()).singleElement().asString().contains("without kid");

        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parseFetched("[]", null, Set.of("ES256")));
        assertThatIllegalArgumentException().isThrownBy(() -> JwkKeys.parseFetched("{}", null, Set.of("ES256")))
                .withMessageContaining("no \"keys\" array");
    }
}
