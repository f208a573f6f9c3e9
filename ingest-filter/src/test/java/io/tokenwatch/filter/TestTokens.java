package io.tokenwatch.filter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.filter.validation.IssuerPolicy;
import io.tokenwatch.filter.validation.KeyBinding;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.TokenValidator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds compact JWS strings for tests: every builder starts from a token the default
 * {@link #validator(TestKey...) validator} accepts, and each call changes one thing.
 *
 * <pre>{@code
 * TestTokens.hs256().expiresAt(TestTokens.NOW.minusSeconds(600)).sign();
 * TestTokens.rs256().header("jku", "https://evil.test/jwks").sign();
 * TestTokens.rs256().alg("HS256").signWithHmacSecret(TestTokens.RSA.publicKeyBytes()).sign();
 * }</pre>
 *
 * <p>Tokens are assembled and signed by hand with {@code java.security}, so a test can produce what
 * no well-behaved library would: {@code alg: none}, a header naming one algorithm signed with
 * another, duplicate JSON keys, raw header or payload text. Time comes from {@link #CLOCK}, fixed.
 *
 * <p>Key pairs are generated once per test JVM; builders are not thread-safe.
 */
public final class TestTokens {

    /** The instant every test lives at. */
    public static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    public static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    public static final String ISSUER = "https://issuer.tokenwatch.test";
    public static final String AUDIENCE = "tokenwatch-api";
    public static final String SUBJECT = "user-42";
    public static final String JTI = "jti-0001";

    public static final TestKey HS256 = TestKey.hmac("hs-1", "HS256",
            sha256("tokenwatch test HMAC secret, 32 bytes or more"));
    public static final TestKey RS256 = TestKey.pair("rs-1", "RS256", generate("RSA", 2048));
    public static final TestKey PS256 = TestKey.pair("ps-1", "PS256", RS256.keyPair());
    public static final TestKey ES256 = TestKey.pair("es-1", "ES256", generate("EC", 0));
    public static final TestKey EDDSA = TestKey.pair("ed-1", "EdDSA", generate("Ed25519", 0));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final Map<String, Object> header = new LinkedHashMap<>();
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private String rawHeader;
    private String rawPayload;
    private Signer signer;

    private TestTokens(TestKey key) {
        header.put("alg", key.alg());
        header.put("kid", key.kid());
        header.put("typ", "JWT");
        claims.put("iss", ISSUER);
        claims.put("aud", AUDIENCE);
        claims.put("sub", SUBJECT);
        claims.put("jti", JTI);
        claims.put("iat", NOW.minusSeconds(60).getEpochSecond());
        claims.put("exp", NOW.plus(Duration.ofMinutes(5)).getEpochSecond());
        signer = key::sign;
    }

    /** A valid token signed by {@code key} with the algorithm the key is bound to. */
    public static TestTokens signedBy(TestKey key) {
        return new TestTokens(key);
    }

    public static TestTokens hs256() {
        return signedBy(HS256);
    }

    public static TestTokens rs256() {
        return signedBy(RS256);
    }

    public static TestTokens ps256() {
        return signedBy(PS256);
    }

    public static TestTokens es256() {
        return signedBy(ES256);
    }

    public static TestTokens eddsa() {
        return signedBy(EDDSA);
    }

    /** A validator for {@link #ISSUER} and {@link #AUDIENCE} trusting exactly these keys, at {@link #CLOCK}. */
    public static TokenValidator validator(TestKey... keys) {
        return new TokenValidator(policy(keys), CLOCK);
    }

    /** The policy of {@link #validator(TestKey...)}: default skew (60 s) and size cap (8 KiB). */
    public static IssuerPolicy policy(TestKey... keys) {
        List<KeyBinding> bindings = java.util.Arrays.stream(keys).map(TestKey::binding).toList();
        return IssuerPolicy.of(ISSUER, Set.of(AUDIENCE), new KeyRing(bindings));
    }

    // --- header ---------------------------------------------------------------------------------

    /** Sets the header {@code alg} only; the signature is still made with the key's own algorithm. */
    public TestTokens alg(String alg) {
        return header("alg", alg);
    }

    public TestTokens kid(String kid) {
        return header("kid", kid);
    }

    public TestTokens typ(String typ) {
        return header("typ", typ);
    }

    public TestTokens jku(String url) {
        return header("jku", url);
    }

    public TestTokens x5u(String url) {
        return header("x5u", url);
    }

    /** Embeds a JWK in the header, as an attacker offering their own key would. */
    public TestTokens jwk(Map<String, Object> jwk) {
        return header("jwk", jwk);
    }

    public TestTokens crit(String... names) {
        return header("crit", List.of(names));
    }

    /** Sets any header parameter; {@code null} removes it. */
    public TestTokens header(String name, Object value) {
        put(header, name, value);
        return this;
    }

    /** Replaces the whole header with this exact JSON text (may be invalid, duplicate keys, ...). */
    public TestTokens rawHeader(String json) {
        this.rawHeader = json;
        return this;
    }

    // --- claims ---------------------------------------------------------------------------------

    public TestTokens issuer(String iss) {
        return claim("iss", iss);
    }

    public TestTokens audience(String... aud) {
        return claim("aud", aud.length == 1 ? aud[0] : List.of(aud));
    }

    public TestTokens subject(String sub) {
        return claim("sub", sub);
    }

    public TestTokens jti(String jti) {
        return claim("jti", jti);
    }

    public TestTokens issuedAt(Instant iat) {
        return claim("iat", iat == null ? null : iat.getEpochSecond());
    }

    public TestTokens expiresAt(Instant exp) {
        return claim("exp", exp == null ? null : exp.getEpochSecond());
    }

    public TestTokens notBefore(Instant nbf) {
        return claim("nbf", nbf == null ? null : nbf.getEpochSecond());
    }

    /** Sets any claim; {@code null} removes it. */
    public TestTokens claim(String name, Object value) {
        put(claims, name, value);
        return this;
    }

    /** Replaces the whole payload with this exact JSON text. */
    public TestTokens rawPayload(String json) {
        this.rawPayload = json;
        return this;
    }

    // --- signature ------------------------------------------------------------------------------

    /** Signs with another key (and that key's algorithm), keeping the header as it is. */
    public TestTokens signWith(TestKey key) {
        this.signer = key::sign;
        return this;
    }

    /** Signs with HMAC-SHA256 over these secret bytes, whatever they are (e.g. an RSA public key). */
    public TestTokens signWithHmacSecret(byte[] secret) {
        this.signer = input -> hmac("HmacSHA256", secret, input);
        return this;
    }

    /** The compact JWS {@code header.payload.signature}. */
    public String sign() {
        String signingInput = signingInput();
        return signingInput + "." + B64URL.encodeToString(signer.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The signing input followed by {@code .} and an empty signature, as RFC 7519 §6 writes unsecured JWTs. */
    public String unsigned() {
        return signingInput() + ".";
    }

    /** The signing input {@code header.payload} alone, with no signature part at all. */
    public String signingInput() {
        String h = rawHeader != null ? rawHeader : json(header);
        String p = rawPayload != null ? rawPayload : json(claims);
        return b64(h) + "." + b64(p);
    }

    public static String b64(String text) {
        return B64URL.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void put(Map<String, Object> map, String name, Object value) {
        if (value == null) {
            map.remove(name);
        } else {
            map.put(name, value);
        }
    }

    private static String json(Map<String, Object> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(String macAlgorithm, byte[] secret, byte[] input) {
        try {
            Mac mac = Mac.getInstance(macAlgorithm);
            mac.init(new SecretKeySpec(secret, macAlgorithm));
            return mac.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate(String algorithm, int rsaBits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("RSA")) {
                generator.initialize(rsaBits);
            } else if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    private interface Signer {
        byte[] sign(byte[] input);
    }

    /**
     * A key a test signs with, and the {@link KeyBinding} a validator verifies with.
     *
     * @param kid     key id, written to the header of tokens it signs
     * @param alg     the one algorithm it is bound to
     * @param keyPair the asymmetric pair, or null for HMAC
     * @param secret  the HMAC secret, or null for asymmetric keys
     */
    public record TestKey(String kid, String alg, KeyPair keyPair, byte[] secret) {

        static TestKey hmac(String kid, String alg, byte[] secret) {
            return new TestKey(kid, alg, null, secret);
        }

        static TestKey pair(String kid, String alg, KeyPair keyPair) {
            return new TestKey(kid, alg, keyPair, null);
        }

        /** The same key material under another kid or bound to another algorithm. */
        public TestKey with(String newKid, String newAlg) {
            return new TestKey(newKid, newAlg, keyPair, secret);
        }

        public KeyBinding binding() {
            return secret != null ? KeyBinding.hmac(kid, alg, secret)
                    : KeyBinding.publicKey(kid, alg, keyPair.getPublic());
        }

        public PrivateKey privateKey() {
            return Objects.requireNonNull(keyPair, "HMAC keys have no private key").getPrivate();
        }

        /** The X.509 SubjectPublicKeyInfo bytes of the public key: what an alg-confusion attacker has. */
        public byte[] publicKeyBytes() {
            return keyPair.getPublic().getEncoded();
        }

        byte[] sign(byte[] input) {
            if (secret != null) {
                return TestTokens.hmac("HmacSHA" + alg.substring(2), secret, input);
            }
            try {
                Signature signature = switch (alg) {
                    case "RS256" -> Signature.getInstance("SHA256withRSA");
                    case "PS256" -> {
                        Signature pss = Signature.getInstance("RSASSA-PSS");
                        pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                        yield pss;
                    }
                    // JWS wants R || S (RFC 7518 §3.4), not the DER the plain JCA name produces.
                    case "ES256" -> Signature.getInstance("SHA256withECDSAinP1363Format");
                    case "EdDSA" -> Signature.getInstance("Ed25519");
                    default -> throw new IllegalArgumentException("no signer for " + alg);
                };
                signature.initSign(keyPair.getPrivate());
                signature.update(input);
                return signature.sign();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
