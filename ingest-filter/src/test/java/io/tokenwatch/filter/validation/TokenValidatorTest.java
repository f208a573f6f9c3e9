package io.tokenwatch.filter.validation;

import io.jsonwebtoken.Jwts;
import io.tokenwatch.filter.TestTokens;
import io.tokenwatch.filter.TestTokens.TestKey;
import io.tokenwatch.schemas.Outcome;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.tokenwatch.filter.TestTokens.AUDIENCE;
import static io.tokenwatch.filter.TestTokens.ES256;
import static io.tokenwatch.filter.TestTokens.EDDSA;
import static io.tokenwatch.filter.TestTokens.HS256;
import static io.tokenwatch.filter.TestTokens.ISSUER;
import static io.tokenwatch.filter.TestTokens.NOW;
import static io.tokenwatch.filter.TestTokens.PS256;
import static io.tokenwatch.filter.TestTokens.RS256;
import static io.tokenwatch.filter.TestTokens.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TokenValidatorTest {

    /** Trusts every test key, so only the check under test can fail. */
    private final TokenValidator validator = TestTokens.validator(HS256, RS256, ES256, EDDSA);

    static Stream<Arguments> everyKey() {
        return Stream.of(HS256, RS256, PS256, ES256, EDDSA).map(Arguments::of);
    }

    @Nested
    class Accepting {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.tokenwatch.filter.validation.TokenValidatorTest#everyKey")
        void shouldAcceptValidTokenOfEveryAlgorithm(TestKey key) {
            ValidationResult result = TestTokens.validator(key).validate(TestTokens.signedBy(key).sign());

            assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(result.isValid()).isTrue();
            assertThat(result.errors()).isEmpty();
            TokenClaims claims = result.claims();
            assertThat(claims.verified()).isTrue();
            assertThat(claims.alg()).isEqualTo(key.alg());
            assertThat(claims.kid()).isEqualTo(key.kid());
            assertThat(claims.issuer()).isEqualTo(ISSUER);
            assertThat(claims.subject()).isEqualTo(SUBJECT);
            assertThat(claims.audience()).containsExactly(AUDIENCE);
            assertThat(claims.jti()).isEqualTo(TestTokens.JTI);
            assertThat(claims.issuedAt()).isEqualTo(NOW.minusSeconds(60));
            assertThat(claims.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
        }

        @Test
        void shouldAcceptTokensBuiltByJjwt() {
            // Cross-checks the hand-made fixtures against an independent JWS implementation.
            for (String token : List.of(
                    jjwt(HS256).signWith(io.jsonwebtoken.security.Keys.hmacShaKeyFor(HS256.secret()), Jwts.SIG.HS256)
                            .compact(),
                    jjwt(RS256).signWith(RS256.privateKey(), Jwts.SIG.RS256).compact(),
                    jjwt(ES256).signWith(ES256.privateKey(), Jwts.SIG.ES256).compact(),
                    jjwt(EDDSA).signWith(EDDSA.privateKey(), Jwts.SIG.EdDSA).compact())) {
                assertThat(validator.validate(token).outcome()).as(token).isEqualTo(Outcome.ACCEPTED);
            }
        }

        @Test
        void shouldPickTheKeyByKid() {
            TestKey second = HS256.with("hs-2", "HS256");
            TokenValidator twoKeys = TestTokens.validator(RS256, second);

            assertThat(twoKeys.validate(TestTokens.hs256().kid("hs-2").sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(twoKeys.validate(TestTokens.rs256().sign()).outcome()).isEqualTo(Outcome.ACCEPTED);
        }

        @Test
        void shouldAcceptTokenWithoutKidWhenOnlyOneKeyIsConfigured() {
            assertThat(TestTokens.validator(RS256).validate(TestTokens.rs256().kid(null).sign()).outcome())
                    .isEqualTo(Outcome.ACCEPTED);
        }

        @Test
        void shouldAcceptAnyOneAcceptedAudienceAmongSeveral() {
            String token = TestTokens.rs256().audience("someone-else", AUDIENCE).sign();

            ValidationResult result = validator.validate(token);

            assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(result.claims().audience()).containsExactlyInAnyOrder("someone-else", AUDIENCE);
        }

        @Test
        void shouldAcceptNotBeforeWithinClockSkew() {
            String token = TestTokens.rs256().notBefore(NOW.plusSeconds(30)).sign();

            ValidationResult result = validator.validate(token);

            assertThat(result.outcome()).isEqualTo(Outcome.ACCEPTED);
            assertThat(result.claims().notBefore()).isEqualTo(NOW.plusSeconds(30));
        }

        @Test
        void shouldAcceptExpiryJustPassedWithinClockSkew() {
            assertThat(validator.validate(TestTokens.rs256().expiresAt(NOW.minusSeconds(30)).sign()).outcome())
                    .isEqualTo(Outcome.ACCEPTED);
        }
    }

    @Nested
    class TimeAndClaims {

        @Test
        void shouldRejectExpiredTokenWithVerifiedClaims() {
            String token = TestTokens.rs256().expiresAt(NOW.minus(Duration.ofMinutes(10))).sign();

            ValidationResult result = validator.validate(token);

            assertThat(result.outcome()).isEqualTo(Outcome.EXPIRED);
            assertThat(result.isValid()).isFalse();
            // The signature held, so what the token says is the issuer's word.
            assertThat(result.claims().verified()).isTrue();
            assertThat(result.claims().subject()).isEqualTo(SUBJECT);
            assertThat(result.claims().expiresAt()).isEqualTo(NOW.minus(Duration.ofMinutes(10)));
        }

        @Test
        void shouldRejectExpiredTokenOnceSkewIsUsedUp() {
            assertThat(validator.validate(TestTokens.hs256().expiresAt(NOW.minusSeconds(61)).sign()).outcome())
                    .isEqualTo(Outcome.EXPIRED);
        }

        @Test
        void shouldRejectTokenWithoutExpAsMissingClaim() {
            ValidationResult result = validator.validate(TestTokens.rs256().expiresAt(null).sign());

            assertThat(result.outcome()).isEqualTo(Outcome.MISSING_CLAIM);
            assertThat(result.errors()).anySatisfy(e -> assertThat(e).contains("exp"));
        }

        @Test
        void shouldRejectNotBeforeInTheFutureBeyondSkew() {
            ValidationResult result = validator.validate(TestTokens.rs256().notBefore(NOW.plusSeconds(120)).sign());

            assertThat(result.outcome()).isEqualTo(Outcome.NOT_YET_VALID);
            assertThat(result.claims().verified()).isTrue();
        }

        @Test
        void shouldRejectWrongIssuer() {
            ValidationResult result = validator.validate(TestTokens.rs256().issuer("https://evil.test").sign());

            assertThat(result.outcome()).isEqualTo(Outcome.ISSUER);
            assertThat(result.claims().issuer()).isEqualTo("https://evil.test");
        }

        @Test
        void shouldRejectMissingIssuerAsMissingClaim() {
            assertThat(validator.validate(TestTokens.rs256().issuer(null).sign()).outcome())
                    .isEqualTo(Outcome.MISSING_CLAIM);
        }

        @Test
        void shouldRejectWrongAudience() {
            assertThat(validator.validate(TestTokens.es256().audience("other-api").sign()).outcome())
                    .isEqualTo(Outcome.AUDIENCE);
        }

        @Test
        void shouldRejectMissingAudienceAsMissingClaim() {
            assertThat(validator.validate(TestTokens.es256().claim("aud", null).sign()).outcome())
                    .isEqualTo(Outcome.MISSING_CLAIM);
        }

        @Test
        void shouldReportEveryFailedClaimCheckAndDecideByTheFirst() {
            String token = TestTokens.rs256().expiresAt(null).issuer("https://evil.test").audience("other").sign();

            ValidationResult result = validator.validate(token);

            assertThat(result.outcome()).isEqualTo(Outcome.MISSING_CLAIM);
            assertThat(result.errors()).hasSize(3);
        }
    }

    @Nested
    class Signatures {

        @Test
        void shouldRejectBadSignatureWithUnverifiedButReadableClaims() {
            String token = TestTokens.rs256().subject("victim").sign();
            String tampered = flipSignatureCharacter(token);

            ValidationResult result = validator.validate(tampered);

            assertThat(result.outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            assertThat(result.claims().verified()).isFalse();
            assertThat(result.claims().subject()).isEqualTo("victim");
            assertThat(result.claims().fingerprint()).isEqualTo(TokenValidator.fingerprint(tampered));
        }

        @Test
        void shouldRejectTokenSignedByAnotherKeyOfTheSameType() {
            String forged = TestTokens.hs256().signWithHmacSecret(new byte[32]).sign();

            assertThat(validator.validate(forged).outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
        }

        @Test
        void shouldRejectChangedPayloadUnderTheOriginalSignature() {
            String token = TestTokens.eddsa().sign();
            String[] parts = token.split("\\.");
            String forgedPayload = TestTokens.eddsa().subject("admin").signingInput().split("\\.")[1];

            ValidationResult result = validator.validate(parts[0] + "." + forgedPayload + "." + parts[2]);

            assertThat(result.outcome()).isEqualTo(Outcome.BAD_SIGNATURE);
            assertThat(result.claims().verified()).isFalse();
            assertThat(result.claims().subject()).isEqualTo("admin");
        }

        @Test
        void shouldRejectUnknownKid() {
            ValidationResult result = validator.validate(TestTokens.rs256().kid("rotated-away").sign());

            assertThat(result.outcome()).isEqualTo(Outcome.UNKNOWN_KEY);
            assertThat(result.claims().verified()).isFalse();
            assertThat(result.claims().kid()).isEqualTo("rotated-away");
        }

        @Test
        void shouldRejectMissingKidWhenSeveralKeysAreConfigured() {
            assertThat(validator.validate(TestTokens.rs256().kid(null).sign()).outcome())
                    .isEqualTo(Outcome.UNKNOWN_KEY);
        }
    }

    @Nested
    class Algorithms {

        @Test
        void shouldRejectUnsignedAlgNoneWithTrailingDot() {
            String token = TestTokens.rs256().alg("none").unsigned();

            ValidationResult result = validator.validate(token);

            assertThat(result.outcome()).isEqualTo(Outcome.ALG_NOT_ALLOWED);
            assertThat(result.claims().verified()).isFalse();
        }

        @Test
        void shouldRejectUnsignedAlgNoneWithoutTrailingDot() {
            assertThat(validator.validate(TestTokens.rs256().alg("none").signingInput()).outcome())
                    .isEqualTo(Outcome.ALG_NOT_ALLOWED);
        }

        @ParameterizedTest
        @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
        void shouldRejectAlgNoneInAnyCaseEvenWithASignature(String none) {
            assertThat(validator.validate(TestTokens.rs256().alg(none).sign()).outcome())
                    .isEqualTo(Outcome.ALG_NOT_ALLOWED);
        }

        @Test
        void shouldRejectHmacSignedWithTheRsaPublicKeyPresentedToAnRsaKey() {
            // The classic confusion: the public key is public, so anyone can compute this HMAC.
            String forged = TestTokens.rs256().alg("HS256").signWithHmacSecret(RS256.publicKeyBytes()).sign();

            for (TokenValidator v : List.of(validator, TestTokens.validator(RS256))) {
                ValidationResult result = v.validate(forged);
                assertThat(result.outcome()).isEqualTo(Outcome.ALG_NOT_ALLOWED);
                assertThat(result.isValid()).isFalse();
                assertThat(result.claims().verified()).isFalse();
            }
        }

        @Test
        void shouldNeverAcceptHmacSignedWithAnyEncodingOfThePublicKey() {
            String pem = "-----BEGIN PUBLIC KEY-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(RS256.publicKeyBytes())
                    + "\n-----END PUBLIC KEY-----\n";
            for (byte[] secret : List.of(RS256.publicKeyBytes(), pem.getBytes())) {
                for (String alg : List.of("HS256", "HS384", "HS512")) {
                    String forged = TestTokens.rs256().alg(alg).signWithHmacSecret(secret).sign();
                    assertThat(TestTokens.validator(RS256).validate(forged).isValid()).as(alg).isFalse();
                }
            }
        }

        @Test
        void shouldRejectRs256TokenForKeyBoundToPs256() {
            TokenValidator pssOnly = TestTokens.validator(RS256.with(RS256.kid(), "PS256"));

            assertThat(pssOnly.validate(TestTokens.rs256().sign()).outcome()).isEqualTo(Outcome.ALG_NOT_ALLOWED);
        }

        @Test
        void shouldRejectHeaderAlgOtherThanTheBoundOneEvenWithValidSignature() {
            // Signed properly with ES256 but the key is bound to ES256 only; header claims ES384.
            assertThat(validator.validate(TestTokens.es256().alg("ES384").sign()).outcome())
                    .isEqualTo(Outcome.ALG_NOT_ALLOWED);
        }

        @ParameterizedTest
        @ValueSource(strings = {"RS1024", "HS257", "Ed448", "RSA-OAEP"})
        void shouldRejectAlgorithmNoKeyIsBoundToAsAlgNotAllowed(String alg) {
            ValidationResult result = validator.validate(TestTokens.rs256().alg(alg).sign());

            // Refused by the allow-list before jjwt, which would call an unregistered alg a bad signature.
            assertThat(result.outcome()).isEqualTo(Outcome.ALG_NOT_ALLOWED);
        }
    }

    @Nested
    class Headers {

        @ParameterizedTest
        @ValueSource(strings = {"jku", "x5u"})
        void shouldRejectKeyLocatingHeaderEvenWhenSignatureIsValid(String name) {
            String token = TestTokens.rs256().header(name, "https://attacker.test/keys").sign();

            ValidationResult result = validator.validate(token);

            assertThat(result.outcome()).isEqualTo(Outcome.MALFORMED);
            assertThat(result.claims().verified()).isFalse();
        }

        @Test
        void shouldRejectEmbeddedJwkEvenWhenSignatureIsValid() {
            java.security.interfaces.RSAPublicKey pub = (java.security.interfaces.RSAPublicKey) RS256.keyPair().getPublic();
            java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
            Map<String, Object> jwk = Map.of("kty", "RSA",
                    "n", b64.encodeToString(pub.getModulus().toByteArray()),
                    "e", b64.encodeToString(pub.getPublicExponent().toByteArray()));

            assertThat(validator.validate(TestTokens.rs256().jwk(jwk).sign()).outcome()).isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectX5cHeader() {
            assertThat(validator.validate(TestTokens.rs256().header("x5c", List.of("MIIB")).sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectCritHeader() {
            String token = TestTokens.rs256().crit("exp").sign();

            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectUnencodedPayloadOption() {
            assertThat(validator.validate(TestTokens.rs256().header("b64", false).crit("b64").sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
            assertThat(validator.validate(TestTokens.rs256().header("b64", false).sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectDuplicateKeysInHeader() {
            // A second "alg" would let two parsers disagree about which algorithm was meant.
            String token = TestTokens.rs256()
                    .rawHeader("{\"alg\":\"RS256\",\"kid\":\"rs-1\",\"alg\":\"none\"}").sign();

            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectHeaderWithoutAlg() {
            assertThat(validator.validate(TestTokens.rs256().alg(null).sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectHeaderThatIsNotAnObject() {
            assertThat(validator.validate(TestTokens.rs256().rawHeader("[\"RS256\"]").sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
        }
    }

    @Nested
    class Shapes {

        @Test
        void shouldRejectJsonSerialization() {
            String compact = TestTokens.rs256().sign();
            String[] parts = compact.split("\\.");
            String json = "{\"payload\":\"" + parts[1] + "\",\"protected\":\"" + parts[0] + "\",\"signature\":\""
                    + parts[2] + "\"}";

            assertThat(validator.validate(json).outcome()).isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectFivePartJweLookingString() {
            String jwe = TestTokens.b64("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\",\"kid\":\"rs-1\"}")
                    + ".OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg"
                    + ".48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A"
                    + ".XFBoMYUZodetZdvTiFvSkQ";

            assertThat(validator.validate(jwe).outcome()).isEqualTo(Outcome.MALFORMED);
        }

        @Test
        void shouldRejectOversizedTokenBeforeDecoding() {
            String padding = "x".repeat(IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES);
            String oversized = TestTokens.rs256().claim("pad", padding).sign();

            ValidationResult result = validator.validate(oversized);

            assertThat(oversized.length()).isGreaterThan(IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES);
            assertThat(result.outcome()).isEqualTo(Outcome.MALFORMED);
            // Not even the claims were decoded.
            assertThat(result.claims().subject()).isNull();
            assertThat(result.claims().verified()).isFalse();
        }

        @Test
        void shouldAcceptTokenJustUnderTheSizeCap() {
            String base = TestTokens.hs256().claim("pad", "").sign();
            int room = IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES - base.length();
            // Base64url turns 3 bytes into 4 characters.
            String token = TestTokens.hs256().claim("pad", "x".repeat(room * 3 / 4 - 3)).sign();

            assertThat(token.length()).isLessThanOrEqualTo(IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES);
            assertThat(validator.validate(token).outcome()).isEqualTo(Outcome.ACCEPTED);
        }

        @ParameterizedTest
        @ValueSource(strings = {"", " ", ".", "..", "...", "a.b.c", "abc", "Bearer", "null", "{}", "ey.ey.ey",
                "eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJSUzI1NiJ9.", "eyJhbGciOiJSUzI1NiJ9..", ".eyJzdWIiOiJ4In0.",
                "eyJhbGciOiJSUzI1NiJ9.!!!.sig", "%%%.%%%.%%%", "eyJhbGciOiJSUzI1NiJ9.e30.e30.e30",
                "\u0000\u0001.\u0002.\u0003", "ünïcödé.ünïcödé.ünïcödé"})
        void shouldRejectGarbageAsMalformed(String garbage) {
            ValidationResult result = validator.validate(garbage);

            assertThat(result.outcome()).isEqualTo(Outcome.MALFORMED);
            assertThat(result.claims().verified()).isFalse();
            assertThat(result.claims().fingerprint()).matches("[0-9a-f]{64}");
        }

        @Test
        void shouldRejectNonJsonPayloadAsMalformed() {
            assertThat(validator.validate(TestTokens.rs256().rawPayload("not json").sign()).outcome())
                    .isEqualTo(Outcome.MALFORMED);
        }

        @ParameterizedTest
        @ValueSource(strings = {"-9223372036854775808", "-1e300", "9223372036854775807", "1e300",
                "-31557014167219201", "18446744073709551616", "1.5", "\"soon\"", "null", "[]"})
        void shouldRejectForgedTokenWithExtremeTimeClaimsCleanly(String value) {
            // Unverified claims are decoded for telemetry; whatever numbers they hold must not break that.
            String forged = TestTokens.rs256()
                    .rawPayload("{\"sub\":\"x\",\"iat\":" + value + ",\"exp\":" + value + ",\"nbf\":" + value + "}")
                    .signWith(HS256.with("rs-1", "HS256")).sign();

            ValidationResult result = validator.validate(forged);

            assertThat(result.isValid()).isFalse();
            assertThat(result.claims().subject()).isEqualTo("x");
        }
    }

    @Nested
    class KeyBindings {

        @Test
        void shouldRejectHmacSecretShorterThanTheAlgorithmNeeds() {
            assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.hmac("k", "HS256", new byte[31]));
            assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.hmac("k", "HS384", new byte[47]));
            assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.hmac("k", "HS512", new byte[63]));
            assertThat(KeyBinding.hmac("k", "HS512", new byte[64]).algorithm()).isEqualTo("HS512");
        }

        @Test
        void shouldRejectShortHmacSecretThroughTheRecordConstructorToo() {
            assertThatIllegalArgumentException().isThrownBy(() ->
                    new KeyBinding("k", "HS256", new javax.crypto.spec.SecretKeySpec(new byte[8], "HmacSHA256")));
        }

        @Test
        void shouldRejectRsaKeyBoundToEs256() {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> KeyBinding.publicKey("k", "ES256", RS256.keyPair().getPublic()));
        }

        @ParameterizedTest
        @ValueSource(strings = {"none", "None", "", "HS256", "EdDSA", "RS1", "ES999"})
        void shouldRejectRsaKeyBoundToAnAlgorithmItCannotServe(String alg) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> KeyBinding.publicKey("k", alg, RS256.keyPair().getPublic()));
        }

        @Test
        void shouldRejectNoneForEveryKeyKind() {
            assertThatIllegalArgumentException().isThrownBy(() -> KeyBinding.hmac("k", "none", new byte[64]));
            for (TestKey key : List.of(ES256, EDDSA)) {
                assertThatIllegalArgumentException()
                        .isThrownBy(() -> KeyBinding.publicKey("k", "none", key.keyPair().getPublic()));
            }
        }

        @Test
        void shouldRejectOtherKeyKindMismatches() throws Exception {
            var x25519 = KeyPairGenerator.getInstance("X25519").generateKeyPair().getPublic();
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> KeyBinding.publicKey("k", "EdDSA", x25519));
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> KeyBinding.publicKey("k", "RS256", ES256.keyPair().getPublic()));
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> KeyBinding.publicKey("k", "ES256", EDDSA.keyPair().getPublic()));
        }

        @Test
        void shouldRefuseAmbiguousKeyRings() {
            assertThatIllegalArgumentException().isThrownBy(() -> new KeyRing(List.of()));
            assertThatIllegalArgumentException().isThrownBy(() -> new KeyRing(List.of(
                    RS256.with(null, "RS256").binding(), ES256.binding())));
            assertThatIllegalArgumentException().isThrownBy(() -> new KeyRing(List.of(
                    RS256.binding(), ES256.with(RS256.kid(), "ES256").binding())));
        }

        @Test
        void shouldRefuseClockSkewAboveFiveMinutes() {
            KeyRing keys = new KeyRing(List.of(RS256.binding()));
            assertThatIllegalArgumentException().isThrownBy(() -> new IssuerPolicy(ISSUER, java.util.Set.of(AUDIENCE),
                    keys, Duration.ofMinutes(5).plusSeconds(1), IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES));
            assertThat(new IssuerPolicy(ISSUER, java.util.Set.of(AUDIENCE), keys, Duration.ofMinutes(5),
                    IssuerPolicy.DEFAULT_MAX_TOKEN_BYTES).clockSkew()).isEqualTo(IssuerPolicy.MAX_CLOCK_SKEW);
        }
    }

    private static io.jsonwebtoken.JwtBuilder jjwt(TestKey key) {
        return Jwts.builder()
                .header().keyId(key.kid()).and()
                .issuer(ISSUER)
                .audience().add(AUDIENCE).and()
                .subject(SUBJECT)
                .issuedAt(Date.from(NOW.minusSeconds(60)))
                .expiration(Date.from(NOW.plusSeconds(300)))
                .id("jjwt-1");
    }

    /** Changes one character in the middle of the signature, so every decoded bit pattern differs. */
    static String flipSignatureCharacter(String token) {
        int at = token.lastIndexOf('.') + 10;
        char flipped = token.charAt(at) == 'A' ? 'B' : 'A';
        return token.substring(0, at) + flipped + token.substring(at + 1);
    }
}
