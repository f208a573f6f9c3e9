package io.tokenwatch.launcher;

import io.jsonwebtoken.Jwts;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A local ES256 token issuer for the demo and the end-to-end tests, with an attacker beside it who
 * has no access to the issuer's key and signs look-alike tokens with a key of their own.
 *
 * <p>Thread-safe.
 */
public final class DemoIssuer {

    public static final String KEY_ID = "demo-es256-1";

    private final KeyPair issuerKeys;
    private final KeyPair attackerKeys;
    private final Clock clock;

    public DemoIssuer(Clock clock) {
        this.clock = clock;
        this.issuerKeys = newP256KeyPair();
        this.attackerKeys = newP256KeyPair();
    }

    public PublicKey publicKey() {
        return issuerKeys.getPublic();
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
                .header().keyId(KEY_ID).and()
                .issuer(EmbeddedSystem.ISSUER)
                .audience().add(EmbeddedSystem.AUDIENCE).and()
                .subject(subject)
                .id(jti)
                .issuedAt(Date.from(now))
                .expiration(Date.from(now.plus(lifetime)))
                .signWith(keys.getPrivate(), Jwts.SIG.ES256)
                .compact();
    }

    private static KeyPair newP256KeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | java.security.InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("P-256 is required of every JVM", e);
        }
    }
}
