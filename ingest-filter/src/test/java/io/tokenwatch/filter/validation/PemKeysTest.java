package io.tokenwatch.filter.validation;

import io.jsonwebtoken.Jwts;
import io.tokenwatch.filter.TestTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.KeyPair;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Set;

import static io.tokenwatch.filter.TestTokens.EDDSA;
import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.RS256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class PemKeysTest {

    @Test
    void shouldBindAPublicKeyOfEveryKindToTheNamedAlgorithm() {
        for (Object[] c : new Object[][] {{RS256.keyPair(), "RS256"}, {RS256.keyPair(), "PS512"},
                {ES256.keyPair(), "ES256"}, {EDDSA.keyPair(), "EdDSA"}}) {
            KeyPair pair = (KeyPair) c[0];

            KeyBinding binding = PemKeys.parsePublicKey(pem("PUBLIC KEY", pair.getPublic().getEncoded()),
                    (String) c[1], "k-1");

            assertThat(binding.kid()).isEqualTo("k-1");
            assertThat(binding.algorithm()).isEqualTo(c[1]);
            assertThat(binding.key().getEncoded()).isEqualTo(pair.getPublic().getEncoded());
        }
    }

    @Test
    void shouldAcceptAnRsaKeyPublishedUnderThePssOidForPsAlgorithmsOnly() {
        KeyPair pss = TestJwks.generate("RSASSA-PSS", new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4));
        String pem = pem("PUBLIC KEY", pss.getPublic().getEncoded());
        String token = Jwts.builder().header().keyId("ps").and()
                .issuer(TestTokens.ISSUER).audience().add(TestTokens.AUDIENCE).and()
                .expiration(Date.from(TestTokens.NOW.plusSeconds(60)))
                .signWith(pss.getPrivate(), Jwts.SIG.PS256).compact();

        KeyBinding binding = PemKeys.parsePublicKey(pem, "PS256", "ps");

        assertThat(validatorFor(binding).validate(token).isValid()).isTrue();
        assertThatIllegalArgumentException().isThrownBy(() -> PemKeys.parsePublicKey(pem, "RS256", "ps"));
    }

    @Test
    void shouldIgnoreTextAroundTheBlock() {
        String pem = "Issuer key, rotated 2026-01\n" + pem("PUBLIC KEY", RS256.publicKeyBytes()) + "\n# end\n";

        assertThat(PemKeys.parsePublicKey(pem, "RS256", null).kid()).isNull();
    }

    @Test
    void shouldVerifyTokensWithTheParsedKey() {
        KeyBinding binding = PemKeys.parsePublicKey(pem("PUBLIC KEY", ES256.publicKeyBytes()), "ES256", "es-1");

        assertThat(validatorFor(binding).validate(TestTokens.es256().sign()).isValid()).isTrue();
    }

    @Test
    void shouldRefuseAPrivateKeyWithoutEchoingIt() {
        String body = Base64.getEncoder().encodeToString(RS256.privateKey().getEncoded());

        assertThatIllegalArgumentException()
                .isThrownBy(() -> PemKeys.parsePublicKey(pem("PRIVATE KEY", RS256.privateKey().getEncoded()),
                        "RS256", "k"))
                .withMessageContaining("private key").withMessageNotContaining(body.substring(0, 40));
    }

    @ParameterizedTest
    @ValueSource(strings = {"CERTIFICATE", "RSA PUBLIC KEY", "EC PRIVATE KEY", "X509 CRL"})
    void shouldRefuseOtherPemLabelsWithAHint(String label) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PemKeys.parsePublicKey(pem(label, RS256.publicKeyBytes()), "RS256", "k"))
                .withMessageContaining(label);
    }

    @Test
    void shouldRefuseHmacAlgorithmsAndUnknownOnes() {
        String pem = pem("PUBLIC KEY", RS256.publicKeyBytes());

        assertThatIllegalArgumentException().isThrownBy(() -> PemKeys.parsePublicKey(pem, "HS256", "k"))
                .withMessageContaining("shared secret");
        assertThatIllegalArgumentException().isThrownBy(() -> PemKeys.parsePublicKey(pem, "none", "k"));
    }

    @Test
    void shouldRefuseAKeyThatDoesNotFitTheAlgorithm() {
        KeyPair p384 = TestJwks.ec("secp384r1");

        assertThatIllegalArgumentException().isThrownBy(() ->
                PemKeys.parsePublicKey(pem("PUBLIC KEY", ES256.publicKeyBytes()), "RS256", "k"));
        assertThatIllegalArgumentException().isThrownBy(() ->
                PemKeys.parsePublicKey(pem("PUBLIC KEY", p384.getPublic().getEncoded()), "ES256", "k"))
                .withMessageContaining("P-256").withMessageContaining("P-384");
        assertThatIllegalArgumentException().isThrownBy(() ->
                PemKeys.parsePublicKey(pem("PUBLIC KEY", TestJwks.rsa(1024).getPublic().getEncoded()), "RS256", "k"))
                .withMessageContaining("2048");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MIIB", "-----BEGIN PUBLIC KEY-----\nMIIB\n",
            "-----BEGIN PUBLIC KEY\nMIIB\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"})
    void shouldRefuseMalformedPem(String pem) {
        assertThatIllegalArgumentException().isThrownBy(() -> PemKeys.parsePublicKey(pem, "RS256", "k"));
    }

    @Test
    void shouldRefuseSeveralBlocks() {
        String two = pem("PUBLIC KEY", RS256.publicKeyBytes()) + pem("PUBLIC KEY", ES256.publicKeyBytes());

        assertThatIllegalArgumentException().isThrownBy(() -> PemKeys.parsePublicKey(two, "RS256", "k"))
                .withMessageContaining("several blocks");
    }

    private static TokenValidator validatorFor(KeyBinding binding) {
        return new TokenValidator(IssuerPolicy.of(TestTokens.ISSUER, Set.of(TestTokens.AUDIENCE),
                new KeyRing(List.of(binding))), TestTokens.CLOCK);
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
