package io.tokenwatch.filter.validation;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Static verification keys from PEM text: one {@code -----BEGIN PUBLIC KEY-----} block holding an
 * X.509 SubjectPublicKeyInfo (RFC 7468 §13), bound to the one algorithm the caller names. Other PEM
 * labels are refused with a message saying what to configure instead; a private key is refused
 * outright, since a verifier has no use for one.
 *
 * <p>Stateless and thread-safe.
 */
public final class PemKeys {

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    private PemKeys() {
    }

    /**
     * The public key of {@code pem}, bound to {@code alg}.
     *
     * @param pem one PEM block labelled {@code PUBLIC KEY}; text around it is ignored (RFC 7468 §2)
     * @param alg the JWS algorithm the key verifies: RS*, PS*, ES* or EdDSA
     * @param kid the key id tokens name it by, or {@code null} for a lone key
     */
    public static KeyBinding parsePublicKey(String pem, String alg, String kid) {
        Objects.requireNonNull(pem, "pem");
        Objects.requireNonNull(alg, "alg");
        if (!KeyBinding.isSupportedAlgorithm(alg)) {
            throw new IllegalArgumentException("alg " + alg + " is not a supported JWS algorithm (RFC 7518 §3.1)");
        }
        if (alg.startsWith("HS")) {
            throw new IllegalArgumentException(alg + " verifies with a shared secret, not a public key;"
                    + " configure it as an HMAC secret");
        }
        byte[] spki = decodeSingleBlock(pem);
        return KeyBinding.publicKey(kid, alg, toPublicKey(spki, alg));
    }

    private static byte[] decodeSingleBlock(String pem) {
        int begin = pem.indexOf(BEGIN);
        if (begin < 0) {
            throw new IllegalArgumentException("no PEM block: expected -----BEGIN PUBLIC KEY-----");
        }
        int labelEnd = pem.indexOf(DASHES, begin + BEGIN.length());
        if (labelEnd < 0) {
            throw new IllegalArgumentException("PEM BEGIN line is not terminated by -----");
        }
        String label = pem.substring(begin + BEGIN.length(), labelEnd);
        requirePublicKeyLabel(label);
        String endLine = END + label + DASHES;
        int end = pem.indexOf(endLine, labelEnd);
        if (end < 0) {
            throw new IllegalArgumentException("PEM block has no matching " + endLine + " line");
        }
        if (pem.indexOf(BEGIN, end) >= 0) {
            throw new IllegalArgumentException("PEM text holds several blocks; give one key per call");
        }
        String body = pem.substring(labelEnd + DASHES.length(), end).replaceAll("\\s", "");
        try {
            // RFC 7468 §3: the body is strict base64 (RFC 4648 §4) split over lines.
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PEM body is not valid base64 (RFC 7468 §3)");
        }
    }

    private static void requirePublicKeyLabel(String label) {
        if (label.equals("PUBLIC KEY")) {
            return;
        }
        if (label.contains("PRIVATE KEY")) {
            throw new IllegalArgumentException("PEM holds a private key (" + label + "); a verifier needs only"
                    + " the public key: export it with `openssl pkey -pubout`");
        }
        if (label.equals("RSA PUBLIC KEY")) {
            throw new IllegalArgumentException("PEM holds a PKCS#1 RSA PUBLIC KEY; convert it to a"
                    + " SubjectPublicKeyInfo PUBLIC KEY with `openssl rsa -RSAPublicKey_in -pubout`");
        }
        if (label.equals("CERTIFICATE")) {
            throw new IllegalArgumentException("PEM holds a CERTIFICATE; configure its public key, extracted with"
                    + " `openssl x509 -pubkey -noout`");
        }
        throw new IllegalArgumentException("PEM label " + label + " is not PUBLIC KEY (RFC 7468 §13)");
    }

    private static PublicKey toPublicKey(byte[] spki, String alg) {
        List<String> factories;
        if (alg.startsWith("RS")) {
            factories = List.of("RSA");
        } else if (alg.startsWith("PS")) {
            // An RSA key may also be published under the id-RSASSA-PSS OID (RFC 4055 §3.1).
            factories = List.of("RSA", "RSASSA-PSS");
        } else if (alg.startsWith("ES")) {
            factories = List.of("EC");
        } else {
            factories = List.of("EdDSA");
        }
        for (String factory : factories) {
            try {
                return KeyFactory.getInstance(factory).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException e) {
                // Try the next factory; the message below says what was expected.
            }
        }
        throw new IllegalArgumentException("PEM PUBLIC KEY is not " + String.join(" or ", factories)
                + " key material, so it cannot verify " + alg);
    }
}
