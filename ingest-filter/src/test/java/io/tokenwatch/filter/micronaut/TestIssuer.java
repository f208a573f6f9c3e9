package io.tokenwatch.filter.micronaut;

import io.jsonwebtoken.Jwts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

/**
 * An ES256 issuer for the HTTP tests, on the real clock (the servers under test use the system
 * clock), with an attacker beside it whose key nobody trusts. Tokens are signed with jjwt.
 */
public final class TestIssuer {

    public static final String ISSUER = "https://issuer.tokenwatch.test";
    public static final String AUDIENCE = "orders-api";
    public static final String KID = "es-test-1";

    private final KeyPair keys = p256();
    private final KeyPair attacker = p256();

    /** A valid token for {@code subject} with a fresh jti. */
    public String mint(String subject) {
        return mint(subject, "jti-" + UUID.randomUUID());
    }

    /** A valid token for {@code subject} and {@code jti}, living 10 minutes. */
    public String mint(String subject, String jti) {
        return sign(keys, subject, jti, Duration.ofMinutes(10));
    }

    /** The same claims, signed with a key the filter does not trust. */
    public String forge(String subject) {
        return sign(attacker, subject, "jti-" + UUID.randomUUID(), Duration.ofMinutes(10));
    }

    /** A token that expired a minute and a half ago, beyond the 60 s skew. */
    public String expired(String subject) {
        Instant now = Instant.now();
        return Jwts.builder().header().keyId(KID).and()
                .issuer(ISSUER).audience().add(AUDIENCE).and().subject(subject).id("jti-" + UUID.randomUUID())
                .issuedAt(Date.from(now.minus(Duration.ofMinutes(10))))
                .expiration(Date.from(now.minus(Duration.ofSeconds(90))))
                .signWith(keys.getPrivate(), Jwts.SIG.ES256).compact();
    }

    private static String sign(KeyPair pair, String subject, String jti, Duration lifetime) {
        Instant now = Instant.now();
        return Jwts.builder().header().keyId(KID).and()
                .issuer(ISSUER).audience().add(AUDIENCE).and().subject(subject).id(jti)
                .issuedAt(Date.from(now)).expiration(Date.from(now.plus(lifetime)))
                .signWith(pair.getPrivate(), Jwts.SIG.ES256).compact();
    }

    /** The public key as one JWK (RFC 7518 §6.2.1), for {@code tokenwatch.filter.keys.jwk}. */
    public String jwk() {
        ECPublicKey key = (ECPublicKey) keys.getPublic();
        return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":\"" + KID + "\",\"x\":\""
                + coordinate(key.getW().getAffineX()) + "\",\"y\":\"" + coordinate(key.getW().getAffineY()) + "\"}";
    }

    /** The public key written to a PEM file, for {@code tokenwatch.filter.keys.pem-file}. */
    public Path pemFile(Path dir) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPublic().getEncoded());
        try {
            return Files.writeString(dir.resolve("issuer.pem"),
                    "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String coordinate(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] fixed = new byte[32];
        // Big-endian, left-padded or stripped of a sign byte to the curve's 32 bytes (RFC 7518 §6.2.1.2).
        int copy = Math.min(bytes.length, 32);
        System.arraycopy(bytes, bytes.length - copy, fixed, 32 - copy, copy);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(fixed);
        Arrays.fill(fixed, (byte) 0);
        return encoded;
    }

    private static KeyPair p256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
