package io.tokenwatch.benchmarks;

import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.SecureDigestAlgorithm;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

/**
 * The JWS algorithms benchmarked, named exactly as in a token header (RFC 7518 §3.1, RFC 8037 §3.1),
 * so JMH's {@code -p alg=ES256} reads like the header it selects. Each knows how to make a fresh
 * key of the usual production size: a 256-bit HMAC secret, RSA 2048, P-256, Ed25519.
 */
public enum SigningAlgorithm {
    HS256, RS256, PS256, ES256, EdDSA;

    /** The header {@code alg} value. */
    public String jwsName() {
        return name();
    }

    /** True for the one symmetric algorithm: signing and verification share the secret. */
    public boolean symmetric() {
        return this == HS256;
    }

    /** A fresh HMAC secret for {@link #HS256}; only meaningful when {@link #symmetric()}. */
    SecretKey newSecret(SecureRandom random) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return new SecretKeySpec(secret, "HmacSHA256");
    }

    /** A fresh key pair for an asymmetric algorithm. */
    KeyPair newKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator generator;
            switch (this) {
                case RS256, PS256 -> {
                    generator = KeyPairGenerator.getInstance("RSA");
                    generator.initialize(2048, random);
                }
                case ES256 -> {
                    generator = KeyPairGenerator.getInstance("EC");
                    generator.initialize(new ECGenParameterSpec("secp256r1"), random);
                }
                case EdDSA -> {
                    generator = KeyPairGenerator.getInstance("Ed25519");
                    generator.initialize(255, random);
                }
                default -> throw new IllegalStateException(this + " has no key pair");
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK 17 provides " + this + " keys", e);
        }
    }

    /** jjwt's signature algorithm of the same name. */
    @SuppressWarnings("unchecked")
    SecureDigestAlgorithm<Key, ?> jjwt() {
        Object alg = switch (this) {
            case HS256 -> Jwts.SIG.HS256;
            case RS256 -> Jwts.SIG.RS256;
            case PS256 -> Jwts.SIG.PS256;
            case ES256 -> Jwts.SIG.ES256;
            case EdDSA -> Jwts.SIG.EdDSA;
        };
        return (SecureDigestAlgorithm<Key, ?>) alg;
    }
}
