package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Writes JWKs (RFC 7517) of Java keys for tests, independently of {@link JwkKeys}: each method
 * returns a mutable JSON object, so a test can change one member before parsing. Stateless.
 */
final class TestJwks {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private TestJwks() {
    }

    static ObjectNode rsa(PublicKey key, String alg, String kid) {
        RSAPublicKey rsa = (RSAPublicKey) key;
        return base("RSA", alg, kid).put("n", unsigned(rsa.getModulus())).put("e", unsigned(rsa.getPublicExponent()));
    }

    static ObjectNode ec(PublicKey key, String crv, String alg, String kid) {
        ECPublicKey ec = (ECPublicKey) key;
        int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
        return base("EC", alg, kid).put("crv", crv)
                .put("x", fixed(ec.getW().getAffineX(), size)).put("y", fixed(ec.getW().getAffineY(), size));
    }

    /** Ed25519, Ed448 (or X25519): {@code x} is the raw public key, the tail of the SubjectPublicKeyInfo. */
    static ObjectNode okp(PublicKey key, String crv, String alg, String kid) {
        byte[] spki = key.getEncoded();
        int length = crv.endsWith("25519") ? 32 : 57;
        return base("OKP", alg, kid).put("crv", crv)
                .put("x", B64URL.encodeToString(Arrays.copyOfRange(spki, spki.length - length, spki.length)));
    }

    static ObjectNode oct(byte[] secret, String alg, String kid) {
        return base("oct", alg, kid).put("k", B64URL.encodeToString(secret));
    }

    static String set(ObjectNode... keys) {
        ObjectNode set = JSON.createObjectNode();
        ArrayNode array = set.putArray("keys");
        Arrays.stream(keys).forEach(array::add);
        return set.toString();
    }

    static String b64(byte[] bytes) {
        return B64URL.encodeToString(bytes);
    }

    static KeyPair generate(String algorithm, AlgorithmParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec != null) {
                generator.initialize(spec);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ec(String jcaCurve) {
        return generate("EC", new ECGenParameterSpec(jcaCurve));
    }

    static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode base(String kty, String alg, String kid) {
        ObjectNode jwk = JSON.createObjectNode().put("kty", kty);
        if (alg != null) {
            jwk.put("alg", alg);
        }
        if (kid != null) {
            jwk.put("kid", kid);
        }
        return jwk;
    }

    /** Base64urlUInt (RFC 7518 §2): the minimum number of octets, no sign byte. */
    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return B64URL.encodeToString(bytes);
    }

    private static String fixed(BigInteger value, int length) {
        byte[] bytes = value.toByteArray();
        byte[] out = new byte[length];
        int copy = Math.min(bytes.length, length);
        System.arraycopy(bytes, bytes.length - copy, out, length - copy, copy);
        return B64URL.encodeToString(out);
    }
}
