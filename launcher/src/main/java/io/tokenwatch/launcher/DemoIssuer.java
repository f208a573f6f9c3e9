package io.tokenwatch.launcher;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Jwks;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;

/**
 * A local ES256 token issuer for the demo and the end-to-end tests, with an attacker beside it who
 * has no access to the issuer's key and signs look-alike tokens with a key of their own (under the
 * issuer's {@code kid}, as a forger would).
 *
 * <p>The in-process demo gives its one key the fixed id {@link #KEY_ID}: the key and every gateway
 * that trusts it live and die together. A standalone issuer ({@code tokenwatch issuer}) outlives the
 * gateways that loaded its JWKS, so there the id is derived from the key itself
 * ({@link #keyIdOf(PublicKey)}): a restart with a new key can never reuse the id of the old one,
 * which gateways would otherwise take for the old key and reject every new token as forged.
 *
 * <p>Thread-safe.
 */
public final class DemoIssuer {

    /** The key id of an issuer made with {@link #DemoIssuer(Clock)}. */
    public static final String KEY_ID = "demo-es256-1";

    private final KeyPair issuerKeys;
    private final String keyId;
    private final KeyPair attackerKeys;
    private final Clock clock;

    /** An issuer with a new key under {@link #KEY_ID}. */
    public DemoIssuer(Clock clock) {
        this(clock, newP256KeyPair(), KEY_ID);
    }

    /** An issuer signing with {@code issuerKeys} (a P-256 pair) under {@code keyId}. */
    public DemoIssuer(Clock clock, KeyPair issuerKeys, String keyId) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.issuerKeys = Objects.requireNonNull(issuerKeys, "issuerKeys");
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.attackerKeys = newP256KeyPair();
    }

    /**
     * {@code demo-es256-} and the key's RFC 7638 JWK thumbprint (SHA-256, base64url): the same key
     * always gets the same id, a different key a different one.
     */
    public static String keyIdOf(PublicKey key) {
        if (!(key instanceof ECPublicKey ec)) {
            throw new IllegalArgumentException("the demo issuer signs with P-256 keys, not " + key.getAlgorithm());
        }
        return "demo-es256-" + Jwks.builder().key(ec).build().thumbprint().toString();
    }

    public PublicKey publicKey() {
        return issuerKeys.getPublic();
    }

    /** The {@code kid} every token names and the JWKS publishes. */
    public String keyId() {
        return keyId;
    }

    /** A genuine access token for {@code subject}. */
    public String mint(String subject, String jti, Duration lifetime) {
        return sign(issuerKeys, subject, jti, lifetime);
    }

    /** A forged token claiming {@code subject} and {@code jti}, signed with the attacker's key. */
    public String forge(String subject, String jti) {
        return sign(attackerKeys, subject, jti, Duration.ofMinutes(15));
    }

    private String sign(KeyPair keys, String subject, String jti, Duration lifetime) {
        Instant now = clock.instant();
        return Jwts.builder()
                .header().keyId(keyId).and()
                .issuer(EmbeddedSystem.ISSUER)
                .audience().add(EmbeddedSystem.AUDIENCE).and()
                .subject(subject)
                .id(jti)
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(lifetime)))
                .signWith(keys.getPrivate(), Jwts.SIG.ES256)
                .compact();
    }

    /** A new P-256 key pair. */
    static KeyPair newP256KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | java.security.InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("P-256 is required of every JVM", e);
        }
    }
}
