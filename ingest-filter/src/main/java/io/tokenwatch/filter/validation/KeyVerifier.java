package io.tokenwatch.filter.validation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.crypto.tink.subtle.Ed25519Verify;

import javax.crypto.Mac;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;

/**
 * Checks the signature of a compact JWS with one {@link KeyBinding}'s key and algorithm, on the JCA
 * primitives (Tink's Ed25519 for EdDSA on Ed25519): HMAC compared in constant time, RSASSA-PKCS1-v1_5,
 * RSASSA-PSS with the exact parameters of RFC 7518 §3.5, ECDSA in the fixed-length R || S form of
 * RFC 7518 §3.4 with R and S range-checked, EdDSA (RFC 8037 §3.1).
 *
 * <p>Made once per binding, on first use ({@link #of}), and remembered for as long as the binding
 * object is alive: key rings may be replaced at run time (JWKS refresh), so nothing here is tied to
 * a key set, only to the one binding object it was made for.
 *
 * <p>Thread-safe: the stateful JCA objects ({@link Mac}, {@link Signature}) are kept one per thread.
 */
abstract class KeyVerifier {

    /** Bindings compared by identity; an entry goes when its binding is no longer referenced. */
    private static final Cache<KeyBinding, KeyVerifier> BY_BINDING = Caffeine.newBuilder().weakKeys()
            .executor(Runnable::run).build();

    /** The X.509 SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 key (RFC 8410 §4). */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
            0x21, 0x00};

    /**
     * True when {@code signature} is a valid signature of {@code input[0, length)}, the JWS signing
     * input (RFC 7515 §5.2 step 8). Never throws for a bad signature.
     */
    abstract boolean verify(byte[] input, int length, byte[] signature);

    /**
     * The verifier of {@code binding}, made on first use.
     *
     * @throws IllegalArgumentException when the key cannot serve its algorithm on this JVM
     */
    static KeyVerifier of(KeyBinding binding) {
        KeyVerifier verifier = BY_BINDING.getIfPresent(binding);
        if (verifier == null) {
            verifier = BY_BINDING.get(binding, KeyVerifier::create);
        }
        return verifier;
    }

    private static KeyVerifier create(KeyBinding binding) {
        String alg = binding.algorithm();
        Key key = binding.key();
        try {
            return switch (alg) {
                case "HS256" -> new Hmac("HmacSHA256", key);
                case "HS384" -> new Hmac("HmacSHA384", key);
                case "HS512" -> new Hmac("HmacSHA512", key);
                case "RS256" -> new Rsa("SHA256withRSA", null, rsa(key));
                case "RS384" -> new Rsa("SHA384withRSA", null, rsa(key));
                case "RS512" -> new Rsa("SHA512withRSA", null, rsa(key));
                // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output, trailer 1.
                case "PS256" -> new Rsa("RSASSA-PSS", pss("SHA-256", MGF1ParameterSpec.SHA256, 32), rsa(key));
                case "PS384" -> new Rsa("RSASSA-PSS", pss("SHA-384", MGF1ParameterSpec.SHA384, 48), rsa(key));
                case "PS512" -> new Rsa("RSASSA-PSS", pss("SHA-512", MGF1ParameterSpec.SHA512, 64), rsa(key));
                case "ES256" -> new Ecdsa("SHA256withECDSAinP1363Format", ec(key), 32);
                case "ES384" -> new Ecdsa("SHA384withECDSAinP1363Format", ec(key), 48);
                case "ES512" -> new Ecdsa("SHA512withECDSAinP1363Format", ec(key), 66);
                case "EdDSA" -> eddsa((PublicKey) key);
                default -> throw new IllegalArgumentException("no verifier for " + alg);
            };
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("key does not fit " + alg + ": " + e.getClass().getSimpleName(), e);
        }
    }

    private static PSSParameterSpec pss(String hash, MGF1ParameterSpec mgf, int saltLength) {
        return new PSSParameterSpec(hash, "MGF1", mgf, saltLength, PSSParameterSpec.TRAILER_FIELD_BC);
    }

    private static RSAPublicKey rsa(Key key) {
        return (RSAPublicKey) key;
    }

    private static ECPublicKey ec(Key key) {
        return (ECPublicKey) key;
    }

    private static KeyVerifier eddsa(PublicKey key) throws GeneralSecurityException {
        byte[] raw = rawEd25519(key);
        if (raw != null) {
            return new TinkEd25519(raw);
        }
        // Ed448 (or a key from a provider we cannot read): the JDK's own EdDSA.
        return new JcaSignature("EdDSA", null, key, key instanceof EdECPublicKey ed
                && NamedParameterSpec.ED448.getName().equalsIgnoreCase(ed.getParams().getName()) ? 114 : -1);
    }

    /** The 32-byte RFC 8032 §5.1.2 encoding of an Ed25519 public key, or null for another curve. */
    private static byte[] rawEd25519(PublicKey key) {
        byte[] encoded = key.getEncoded();
        if (encoded == null || encoded.length != ED25519_SPKI_PREFIX.length + 32
                || !Arrays.equals(encoded, 0, ED25519_SPKI_PREFIX.length, ED25519_SPKI_PREFIX, 0,
                ED25519_SPKI_PREFIX.length)) {
            return null;
        }
        return Arrays.copyOfRange(encoded, ED25519_SPKI_PREFIX.length, encoded.length);
    }

    /** HMAC-SHA2 (RFC 7518 §3.2): the tag is recomputed and compared in constant time. */
    private static final class Hmac extends KeyVerifier {

        private final ThreadLocal<Mac> macs;

        Hmac(String jcaName, Key key) throws GeneralSecurityException {
            // Made once here so an unusable key fails at first use of the binding, not per thread.
            newMac(jcaName, key);
            this.macs = ThreadLocal.withInitial(() -> {
                try {
                    return newMac(jcaName, key);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("HMAC worked for another thread", e);
                }
            });
        }

        private static Mac newMac(String jcaName, Key key) throws GeneralSecurityException {
            Mac mac = Mac.getInstance(jcaName);
            mac.init(key);
            return mac;
        }

        @Override
        boolean verify(byte[] input, int length, byte[] signature) {
            Mac mac = macs.get();
            mac.update(input, 0, length);
            // RFC 7518 §3.2: the comparison MUST be constant-time; isEqual is, for equal lengths.
            return MessageDigest.isEqual(mac.doFinal(), signature);
        }
    }

    /** A JCA {@link Signature} per thread, initialised for verification once. */
    private static class JcaSignature extends KeyVerifier {

        private final ThreadLocal<Signature> signatures;
        /** The only signature length the algorithm produces with this key, or -1 to let the provider judge. */
        private final int signatureLength;

        JcaSignature(String jcaName, AlgorithmParameterSpec params, PublicKey key, int signatureLength)
                throws GeneralSecurityException {
            newSignature(jcaName, params, key);
            this.signatureLength = signatureLength;
            this.signatures = ThreadLocal.withInitial(() -> {
                try {
                    return newSignature(jcaName, params, key);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("signature worked for another thread", e);
                }
            });
        }

        private static Signature newSignature(String jcaName, AlgorithmParameterSpec params, PublicKey key)
                throws GeneralSecurityException {
            Signature signature = Signature.getInstance(jcaName);
            if (params != null) {
                signature.setParameter(params);
            }
            signature.initVerify(key);
            return signature;
        }

        @Override
        boolean verify(byte[] input, int length, byte[] signature) {
            if (signatureLength >= 0 && signature.length != signatureLength) {
                return false;
            }
            if (!acceptable(signature)) {
                return false;
            }
            Signature verifier = signatures.get();
            try {
                verifier.update(input, 0, length);
                // A completed verify() leaves the object initialised for the next one.
                return verifier.verify(signature);
            } catch (SignatureException e) {
                // Undecodable signature. The object's state is now unknown: this thread gets a fresh one.
                signatures.remove();
                return false;
            }
        }

        /** Algorithm-specific checks of the signature value before the primitive runs. */
        boolean acceptable(byte[] signature) {
            return true;
        }
    }

    /** RSASSA-PKCS1-v1_5 (RFC 7518 §3.3) or RSASSA-PSS (§3.5). */
    private static final class Rsa extends JcaSignature {

        Rsa(String jcaName, AlgorithmParameterSpec params, RSAPublicKey key) throws GeneralSecurityException {
            // RFC 8017 §8.1.2 / §8.2.2 step 1: a signature is exactly as long as the modulus.
            super(jcaName, params, key, (key.getModulus().bitLength() + 7) / 8);
        }
    }

    /**
     * ECDSA over the fixed-length R || S form (RFC 7518 §3.4): exactly twice the curve's octet
     * length, and 0 < R, S < n (FIPS 186-4 §6.4.2 step 1), so a zero signature (CVE-2022-21449) never
     * reaches the provider at all.
     */
    private static final class Ecdsa extends JcaSignature {

        private final BigInteger order;
        private final int half;

        Ecdsa(String jcaName, ECPublicKey key, int octets) throws GeneralSecurityException {
            super(jcaName, null, key, 2 * octets);
            this.order = key.getParams().getOrder();
            this.half = octets;
        }

        @Override
        boolean acceptable(byte[] signature) {
            return inRange(new BigInteger(1, signature, 0, half)) && inRange(new BigInteger(1, signature, half, half));
        }

        private boolean inRange(BigInteger value) {
            return value.signum() > 0 && value.compareTo(order) < 0;
        }
    }

    /** Ed25519 (RFC 8037 §3.1, RFC 8032 §5.1.7) with Tink's implementation, several times the JDK 17 speed. */
    private static final class TinkEd25519 extends KeyVerifier {

        private final Ed25519Verify tink;

        TinkEd25519(byte[] rawPublicKey) {
            this.tink = new Ed25519Verify(rawPublicKey);
        }

        @Override
        boolean verify(byte[] input, int length, byte[] signature) {
            // RFC 8032 §5.1.7: a signature is 64 octets.
            if (signature.length != 64) {
                return false;
            }
            try {
                tink.verify(signature, length == input.length ? input : Arrays.copyOf(input, length));
                return true;
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
    }
}
