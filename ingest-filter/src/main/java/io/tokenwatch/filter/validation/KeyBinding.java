package io.tokenwatch.filter.validation;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One verification key bound to exactly one JWS algorithm (RFC 8725 §3.1: a key is used with one
 * algorithm only). A token whose header names another algorithm is rejected before any signature
 * work, which closes the classic "HS256 with the RSA public key as secret" confusion.
 *
 * <p>The key must also be fit for that algorithm, checked once here rather than on every token:
 * HMAC secrets at least as long as the hash and not on the leaked-secret list, RSA moduli of 2048
 * bits or more without the ROCA fingerprint, EC keys on the one curve the algorithm names, EdDSA keys
 * on Ed25519 or Ed448. Every refusal is an {@link IllegalArgumentException} that never contains the
 * key material.
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
    private static final Set<String> RSA_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512");
    private static final Set<String> EDDSA_CURVES = Set.of("Ed25519", "Ed448");

    public KeyBinding {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(key, "key");
        requireKeyFitsAlgorithm(kid, algorithm, key);
    }

    /** An HMAC secret for {@code HS256}, {@code HS384} or {@code HS512}. */
    public static KeyBinding hmac(String kid, String algorithm, byte[] secret) {
        Integer min = HMAC_MIN_BYTES.get(algorithm);
        if (min == null) {
            throw new IllegalArgumentException("not an HMAC algorithm: " + algorithm);
        }
        // Checked before SecretKeySpec, which refuses an empty secret with a less helpful message.
        requireLongEnough(algorithm, secret.length);
        return new KeyBinding(kid, algorithm, new SecretKeySpec(secret, "Hmac" + algorithm.replace("HS", "SHA")));
    }

    /** A public key for an RSA, RSA-PSS, ECDSA or EdDSA algorithm. */
    public static KeyBinding publicKey(String kid, String algorithm, PublicKey key) {
        return new KeyBinding(kid, algorithm, key);
    }

    /** True for the JWS algorithms a key can be bound to; {@code none} is never one of them. */
    static boolean isSupportedAlgorithm(String alg) {
        return HMAC_MIN_BYTES.containsKey(alg) || RSA_ALGORITHMS.contains(alg)
                || EcCurve.forAlgorithm(alg).isPresent() || "EdDSA".equals(alg);
    }

    private static void requireKeyFitsAlgorithm(String kid, String alg, Key key) {
        if (HMAC_MIN_BYTES.containsKey(alg) && key instanceof SecretKey) {
            requireStrongSecret(kid, alg, key);
        } else if (RSA_ALGORITHMS.contains(alg) && key instanceof RSAPublicKey rsa) {
            RsaKeyChecks.requireFit(rsa, alg);
        } else if (EcCurve.forAlgorithm(alg).isPresent() && key instanceof ECPublicKey ec) {
            requireCurve(alg, ec);
        } else if ("EdDSA".equals(alg) && key instanceof PublicKey && isEdDsaKey(key)) {
            // RFC 8037 §3.1: EdDSA signatures use the Ed25519 or Ed448 curve; X25519/X448 are for ECDH.
            return;
        } else {
            // "none" and anything unknown never gets a key (RFC 8725 §3.1).
            throw new IllegalArgumentException("key of type " + key.getAlgorithm() + " cannot be bound to " + alg);
        }
    }

    private static void requireStrongSecret(String kid, String alg, Key key) {
        byte[] secret = key.getEncoded();
        if (secret == null) {
            // A non-extractable key (HSM, keystore): its length and value cannot be seen here.
            return;
        }
        try {
            // Again here, so the record constructor cannot bypass hmac()'s check.
            requireLongEnough(alg, secret.length);
            // RFC 8725 §3.5: human-memorable or published secrets MUST NOT be used as HMAC keys; a
            // leaked secret lets anyone mint tokens. The message names the key, never the secret.
            if (WeakSecrets.isLeaked(secret)) {
                throw new IllegalArgumentException("HMAC secret" + (kid == null ? "" : " of key '" + kid + "'")
                        + " is on the list of publicly leaked secrets (RFC 8725 §3.5); replace it with "
                        + HMAC_MIN_BYTES.get(alg) + " or more random bytes");
            }
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private static void requireLongEnough(String alg, int length) {
        int min = HMAC_MIN_BYTES.get(alg);
        if (length < min) {
            throw new IllegalArgumentException("HMAC secret for " + alg + " must be at least " + min
                    + " bytes, was " + length + " (RFC 7518 §3.2)");
        }
    }

    private static void requireCurve(String alg, ECPublicKey key) {
        EcCurve expected = EcCurve.forAlgorithm(alg).orElseThrow();
        EcCurve actual = EcCurve.of(key.getParams()).orElse(null);
        // RFC 7518 §3.4: each ES* algorithm is ECDSA on one curve.
        if (actual != expected) {
            throw new IllegalArgumentException(alg + " needs a key on " + expected.jwkName() + ", this key is on "
                    + (actual == null ? "another curve" : actual.jwkName()) + " (RFC 7518 §3.4)");
        }
        // RFC 8725 §3.4: validate cryptographic inputs; a point off the curve is not a public key.
        if (!expected.contains(key.getW())) {
            throw new IllegalArgumentException("EC public key is not a point on " + expected.jwkName());
        }
    }

    private static boolean isEdDsaKey(Key key) {
        if (key instanceof EdECKey edec) {
            return EDDSA_CURVES.contains(edec.getParams().getName());
        }
        return "EdDSA".equals(key.getAlgorithm()) || EDDSA_CURVES.contains(key.getAlgorithm());
    }
}
