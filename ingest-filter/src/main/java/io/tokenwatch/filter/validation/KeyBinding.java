package io.tokenwatch.filter.validation;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.Objects;

/**
 * One verification key bound to exactly one JWS algorithm (RFC 8725 §3.1: a key is used with one
 * algorithm only). A token whose header names another algorithm is rejected before any signature
 * work, which closes the classic "HS256 with the RSA public key as secret" confusion.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kid       key id matched against the token header's {@code kid}; {@code null} matches tokens
 *                  without {@code kid} when this is the only key
 * @param algorithm the one JWS {@code alg} this key verifies
 * @param key       the verification key
 */
public record KeyBinding(String kid, String algorithm, Key key) {

    /** Minimum HMAC secret length in bytes: at least the hash output size (RFC 7518 §3.2). */
    private static final Map<String, Integer> HMAC_MIN_BYTES = Map.of("HS256", 32, "HS384", 48, "HS512", 64);

    public KeyBinding {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(key, "key");
        requireKeyFitsAlgorithm(algorithm, key);
    }

    /** An HMAC secret for {@code HS256}, {@code HS384} or {@code HS512}. */
    public static KeyBinding hmac(String kid, String algorithm, byte[] secret) {
        Integer min = HMAC_MIN_BYTES.get(algorithm);
        if (min == null) {
            throw new IllegalArgumentException("not an HMAC algorithm: " + algorithm);
        }
        if (secret.length < min) {
            throw new IllegalArgumentException("HMAC secret for " + algorithm + " must be at least " + min
                    + " bytes, was " + secret.length + " (RFC 7518 §3.2)");
        }
        return new KeyBinding(kid, algorithm, new SecretKeySpec(secret, "Hmac" + algorithm.replace("HS", "SHA")));
    }

    /** A public key for an RSA, RSA-PSS, ECDSA or EdDSA algorithm. */
    public static KeyBinding publicKey(String kid, String algorithm, PublicKey key) {
        return new KeyBinding(kid, algorithm, key);
    }

    private static void requireKeyFitsAlgorithm(String alg, Key key) {
        boolean fits;
        if (alg.startsWith("HS")) {
            // The length check again here, so the record constructor cannot bypass hmac()'s.
            byte[] secret = key.getEncoded();
            fits = key instanceof SecretKey && HMAC_MIN_BYTES.containsKey(alg)
                    && (secret == null || secret.length >= HMAC_MIN_BYTES.get(alg));
        } else if (alg.startsWith("RS") || alg.startsWith("PS")) {
            fits = key instanceof RSAPublicKey && alg.matches("(RS|PS)(256|384|512)");
        } else if (alg.startsWith("ES")) {
            fits = key instanceof ECPublicKey && alg.matches("ES(256|384|512)");
        } else if (alg.equals("EdDSA")) {
            fits = key instanceof PublicKey && ("EdDSA".equals(key.getAlgorithm())
                    || "Ed25519".equals(key.getAlgorithm()) || "Ed448".equals(key.getAlgorithm()));
        } else {
            // "none" and anything unknown never gets a key (RFC 8725 §3.1).
            fits = false;
        }
        if (!fits) {
            throw new IllegalArgumentException("key of type " + key.getAlgorithm() + " cannot be bound to " + alg);
        }
    }
}
