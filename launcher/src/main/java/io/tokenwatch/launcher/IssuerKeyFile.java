package io.tokenwatch.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo issuer's signing key in a file, so that {@code tokenwatch issuer --key-file} keeps its key
 * (and with it its {@code kid}) across restarts: gateways that loaded its JWKS once keep accepting
 * the tokens it mints after a restart.
 *
 * <p>The file holds two PEM blocks, {@code PRIVATE KEY} (PKCS #8) and {@code PUBLIC KEY} (X.509
 * SubjectPublicKeyInfo), the formats {@code openssl pkey} reads and writes; the JDK reads both
 * directly, so no PEM library is added for a demo key. A missing file is created (owner read/write
 * only where the file system has POSIX permissions); a file that cannot be read as a matching P-256
 * pair is refused with a one-line error and left untouched. Stateless; thread-safe as far as the
 * file system is.
 */
final class IssuerKeyFile {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private IssuerKeyFile() {
    }

    /** The key pair in {@code file}, or a new one written there when the file does not exist. */
    static KeyPair loadOrCreate(Path file) {
        if (Files.exists(file)) {
            return load(file);
        }
        KeyPair keys = DemoIssuer.newP256KeyPair();
        try {
            write(file, keys);
        } catch (FileAlreadyExistsException e) {
            // Another issuer on the same file won the race: use its key, not ours.
            return load(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write issuer key file " + file + ": " + e.getMessage(), e);
        }
        return keys;
    }

    static KeyPair load(Path file) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            KeyFactory ec = KeyFactory.getInstance("EC");
            PrivateKey privateKey = ec.generatePrivate(new PKCS8EncodedKeySpec(block(pem, "PRIVATE KEY", file)));
            PublicKey publicKey = ec.generatePublic(new X509EncodedKeySpec(block(pem, "PUBLIC KEY", file)));
            if (!(publicKey instanceof ECPublicKey pub) || pub.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("issuer key file " + file + " does not hold a P-256 key");
            }
            requireMatching(privateKey, publicKey, file);
            return new KeyPair(publicKey, privateKey);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read issuer key file " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("issuer key file " + file + " does not hold a P-256 key pair ("
                    + e.getMessage() + "); move it away to start with a new key", e);
        }
    }

    private static byte[] block(String pem, String type, Path file) {
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    return Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    break;
                }
            }
        }
        throw new IllegalArgumentException("issuer key file " + file + " has no readable " + type
                + " block; move it away to start with a new key");
    }

    /** A private key from one pair and a public key from another would mint tokens nobody accepts. */
    private static void requireMatching(PrivateKey privateKey, PublicKey publicKey, Path file)
            throws GeneralSecurityException {
        byte[] probe = "tokenwatch issuer key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(privateKey);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(publicKey);
        verifier.update(probe);
        if (!verifier.verify(signature)) {
            throw new IllegalArgumentException("issuer key file " + file
                    + " holds a private and a public key that do not belong together");
        }
    }

    private static void write(Path file, KeyPair keys) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        String text = "-----BEGIN PRIVATE KEY-----\n" + pem.encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n"
                + "-----BEGIN PUBLIC KEY-----\n" + pem.encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        Path tmp = Files.createTempFile(dir, ".issuer-key", ".tmp");
        try {
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            // A link never replaces an existing file (a rename would): two issuers starting on one
            // file end up with one key, and a reader never sees half a file.
            Files.createLink(file, tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
