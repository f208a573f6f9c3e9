package io.tokenwatch.filter.validation;

import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.conformance.SharedFiles;
import org.junit.jupiter.api.Test;

import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Random;

import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** What a key must be to be bound to an algorithm at all; TokenValidatorTest covers binding mismatches. */
class KeyBindingTest {

    @Test
    void shouldRefuseRsaKeysShorterThan2048Bits() {
        PublicKey small = TestJwks.rsa(1024).getPublic();

        for (String alg : new String[] {"RS256", "PS256", "RS512"}) {
            assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.publicKey("k", alg, small))
                    .withMessageContaining("at least 2048 bits");
        }
    }

    @Test
    void shouldRefuseRsaPublicExponentsOutsideFipsRange() throws Exception {
        RSAPublicKey good = (RSAPublicKey) RS256.keyPair().getPublic();
        PublicKey exponent3 = TestJwks.generate("RSA", new RSAKeyGenParameterSpec(2048, BigInteger.valueOf(3)))
                .getPublic();
        PublicKey even = KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(good.getModulus(), BigInteger.valueOf(65538)));

        for (PublicKey key : new PublicKey[] {exponent3, even}) {
            assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.publicKey("k", "RS256", key))
                    .withMessageContaining("exponent");
        }
    }

    @Test
    void shouldRefuseAnRsaKeyWithTheRocaFingerprint() throws IOException {
        // Wycheproof's vulnerable key: a real Infineon-generated modulus (CVE-2017-15361).
        var file = TestJwks.JSON.readTree(SharedFiles.resolve(
                "conformance/wycheproof/testvectors_v1/json_web_key_test.json").toFile());
        String n = null;
        for (var group : file.get("testGroups")) {
            if (group.get("comment").asText().equals("jws_rsa_roca_key")) {
                n = group.get("public").get("keys").get(0).get("n").asText();
            }
        }
        BigInteger modulus = new BigInteger(1, Base64.getUrlDecoder().decode(n));

        assertThat(RsaKeyChecks.hasRocaFingerprint(modulus)).isTrue();
        assertThat(RsaKeyChecks.hasRocaFingerprint(((RSAPublicKey) RS256.keyPair().getPublic()).getModulus()))
                .isFalse();
    }

    @Test
    void shouldNotMistakeOrdinaryModuliForRocaKeys() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            BigInteger odd = new BigInteger(2048, random).setBit(2047).setBit(0);
            assertThat(RsaKeyChecks.hasRocaFingerprint(odd)).as("modulus %d", i).isFalse();
        }
    }

    @Test
    void shouldBindEachEcAlgorithmOnlyToItsCurve() {
        KeyPair p384 = TestJwks.ec("secp384r1");
        KeyPair p521 = TestJwks.ec("secp521r1");

        assertThat(KeyBinding.publicKey("k", "ES384", p384.getPublic()).algorithm()).isEqualTo("ES384");
        assertThat(KeyBinding.publicKey("k", "ES512", p521.getPublic()).algorithm()).isEqualTo("ES512");
        assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.publicKey("k", "ES256", p384.getPublic()))
                .withMessageContaining("ES256 needs a key on P-256, this key is on P-384");
        assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.publicKey("k", "ES384", ES256.keyPair()
                .getPublic())).withMessageContaining("P-384");
        assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.publicKey("k", "ES512", p384.getPublic()))
                .withMessageContaining("P-521");
    }

    @Test
    void shouldRefuseAnEcKeyWhosePointIsOffTheCurve() throws Exception {
        // The JDK builds such a key without complaint; verification with it would run on another curve.
        ECPublicKey key = (ECPublicKey) ES256.keyPair().getPublic();
        ECPoint off = new ECPoint(key.getW().getAffineX(), key.getW().getAffineY().add(BigInteger.ONE));
        PublicKey forged = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(off, key.getParams()));

        assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.publicKey("k", "ES256", forged))
                .withMessageContaining("not a point on P-256");
    }

    @Test
    void shouldBindBothEdwardsCurvesToEdDsa() {
        PublicKey ed448 = TestJwks.generate("Ed448", null).getPublic();

        assertThat(KeyBinding.publicKey("k", "EdDSA", ed448).algorithm()).isEqualTo("EdDSA");
        assertThat(KeyBinding.publicKey("k", "EdDSA", TestTokens.EDDSA.keyPair().getPublic()).algorithm())
                .isEqualTo("EdDSA");
    }

    @Test
    void shouldRefuseALeakedSecretThroughEitherFactoryAndNeverEchoIt() {
        byte[] leaked = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.hmac("rfc", "HS256", leaked))
                .withMessageContaining("leaked").withMessageContaining("'rfc'").withMessageNotContaining("AyM1");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new KeyBinding("rfc", "HS512", new SecretKeySpec(leaked, "HmacSHA512")))
                .withMessageContaining("leaked");
    }

    @Test
    void shouldAcceptARandomSecret() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);

        assertThat(KeyBinding.hmac("random", "HS256", secret).algorithm()).isEqualTo("HS256");
    }
}
