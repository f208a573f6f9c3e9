package io.tokenwatch.filter.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Static verification keys from JWK JSON (RFC 7517): one JWK, or a JWK Set ({@code {"keys": [...]}}).
 * Each key becomes a {@link KeyBinding} bound to exactly one algorithm, which the JWK carries in
 * {@code alg} or the caller supplies. Supported: {@code RSA} ({@code n}, {@code e}), {@code EC}
 * ({@code crv} P-256, P-384, P-521 with {@code x}, {@code y}), {@code OKP} ({@code crv} Ed25519 or
 * Ed448 with {@code x}) and {@code oct} ({@code k}).
 *
 * <p>Only public members are read. Private members ({@code d}, {@code p}, {@code q}, ...) are never
 * used, and a warning says they should not be in a verifier's configuration at all.
 *
 * <p>Anything doubtful is refused with an {@link IllegalArgumentException} naming the key and the
 * problem, never the key material: a key that cannot be used is a configuration error, found at
 * start-up. In a JWK Set, keys that declare a non-signature purpose ({@code "use": "enc"},
 * {@code key_ops} without {@code verify}, an encryption {@code alg}) are skipped, as RFC 7517 §5
 * allows, so an identity provider's whole JWKS can be pasted; a set left without a key is refused.
 *
 * <p>Parsed here rather than by jjwt's {@code Jwks.parser()}, which builds private keys from private
 * members and whose messages name jjwt's types, not the configuration's keys.
 *
 * <p>Stateless and thread-safe.
 */
public final class JwkKeys {

    private static final Logger LOG = LoggerFactory.getLogger(JwkKeys.class);
    private static final ObjectMapper STRICT_JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final Map<String, List<String>> PRIVATE_MEMBERS = Map.of(
            "RSA", List.of("d", "p", "q", "dp", "dq", "qi", "oth"),
            "EC", List.of("d"),
            "OKP", List.of("d"));
    /** RFC 7518 §4.1 and §5.1: key management and content encryption algorithms. */
    private static final Set<String> ENCRYPTION_ALGORITHMS = Set.of("RSA1_5", "RSA-OAEP", "RSA-OAEP-256",
            "RSA-OAEP-384", "RSA-OAEP-512", "A128KW", "A192KW", "A256KW", "dir", "ECDH-ES", "ECDH-ES+A128KW",
            "ECDH-ES+A192KW", "ECDH-ES+A256KW", "A128GCMKW", "A192GCMKW", "A256GCMKW", "PBES2-HS256+A128KW",
            "PBES2-HS384+A192KW", "PBES2-HS512+A256KW", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512",
            "A128GCM", "A192GCM", "A256GCM");
    /** RFC 8410 §3 SubjectPublicKeyInfo prefixes: SEQUENCE { SEQUENCE { OID }, BIT STRING (key) }. */
    private static final Map<String, byte[]> EDDSA_SPKI_PREFIX = Map.of(
            "Ed25519", new byte[] {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00},
            "Ed448", new byte[] {0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00});
    private static final Map<String, Integer> EDDSA_KEY_BYTES = Map.of("Ed25519", 32, "Ed448", 57);

    private JwkKeys() {
    }

    /** The keys of a JWK or JWK Set whose every key carries its {@code alg}. */
    public static List<KeyBinding> parse(String json) {
        return parse(json, null);
    }

    /**
     * The keys of a JWK or JWK Set, binding keys without {@code alg} to {@code alg}. A key that carries
     * another {@code alg} is refused rather than silently rebound.
     *
     * @param alg the algorithm for keys that do not name one; {@code null} to require it in every key
     */
    public static List<KeyBinding> parse(String json, String alg) {
        JsonNode root = readObject(json);
        if (!root.has("keys")) {
            return List.of(toBinding(root, alg, describe(root, -1)));
        }
        // RFC 7517 §5: a JWK Set is an object whose "keys" member is an array of JWKs.
        JsonNode keys = root.get("keys");
        if (!keys.isArray() || keys.isEmpty()) {
            throw new IllegalArgumentException("JWK Set \"keys\" must be a non-empty array (RFC 7517 §5.1)");
        }
        List<KeyBinding> bindings = new ArrayList<>();
        Set<String> kids = new HashSet<>();
        Set<Boolean> symmetric = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode jwk = keys.get(i);
            String name = "JWK " + i;
            if (!jwk.isObject()) {
                throw new IllegalArgumentException(name + " is not a JSON object");
            }
            name = describe(jwk, i);
            Optional<String> notForSignatures = nonSignaturePurpose(jwk, name);
            if (notForSignatures.isPresent()) {
                LOG.info("{} skipped: {}", name, notForSignatures.get());
                continue;
            }
            KeyBinding binding = toBinding(jwk, alg, name);
            // RFC 7517 §4.5: distinct keys of a set have distinct kids, or the lookup is a guess.
            if (binding.kid() != null && !kids.add(binding.kid())) {
                throw new IllegalArgumentException("JWK Set has two keys with kid '" + binding.kid() + "'");
            }
            symmetric.add("oct".equals(jwk.path("kty").asText()));
            bindings.add(binding);
        }
        // Wycheproof json_web_crypto.md, "JWK Keyset Mixed Symmetry": a set mixing shared secrets with
        // public keys is one publication away from leaking the secrets.
        if (symmetric.size() > 1) {
            throw new IllegalArgumentException("JWK Set mixes secret (oct) keys with public keys; keep them apart");
        }
        if (bindings.isEmpty()) {
            throw new IllegalArgumentException("JWK Set holds no signature verification key");
        }
        return List.copyOf(bindings);
    }

    /**
     * The usable keys of a JWK Set fetched from a URL, read leniently: unlike {@link #parse}, a key that
     * cannot be used is skipped with a reason instead of failing the whole set, because one odd key in an
     * identity provider's set must not take every other key down with it. Skipped: keys that declare a
     * non-signature purpose, secret ({@code oct}) keys (a shared secret is never taken from a URL), keys
     * the usual checks refuse (weak RSA, off-curve EC, unsupported {@code kty}), keys bound to an
     * algorithm outside {@code algorithms}, every key of a {@code kid} that appears twice, and keys
     * without {@code kid} when the set holds several.
     *
     * @param json       the response body
     * @param alg        the algorithm for keys that do not name one, or {@code null} to skip such keys
     * @param algorithms the algorithms a key may be bound to
     * @return the usable keys (possibly none) and why each other key was skipped
     * @throws IllegalArgumentException when the document is not a JWK Set at all
     */
    public static Fetched parseFetched(String json, String alg, Set<String> algorithms) {
        JsonNode root = readObject(json);
        JsonNode keys = root.get("keys");
        // RFC 7517 §5: a JWK Set is an object whose "keys" member is an array of JWKs.
        if (keys == null || !keys.isArray()) {
            throw new IllegalArgumentException("not a JWK Set: no \"keys\" array (RFC 7517 §5)");
        }
        List<KeyBinding> usable = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            JsonNode jwk = keys.get(i);
            if (!jwk.isObject()) {
                skipped.add("JWK " + i + ": not a JSON object");
                continue;
            }
            String name = describe(jwk, i);
            try {
                Optional<String> notForSignatures = nonSignaturePurpose(jwk);
                if (notForSignatures.isPresent()) {
                    skipped.add(name + ": " + notForSignatures.get());
                    continue;
                }
                if ("oct".equals(jwk.path("kty").asText())) {
                    skipped.add(name + ": a secret (oct) key is never taken from a URL");
                    continue;
                }
                // A key's own alg stands; the configured one only fills in where the key names none.
                KeyBinding binding = toBinding(jwk, jwk.has("alg") ? null : alg, name);
                if (!algorithms.contains(binding.algorithm())) {
                    skipped.add(name + ": alg " + binding.algorithm() + " is not among the configured algorithms "
                            + new java.util.TreeSet<>(algorithms));
                    continue;
                }
                usable.add(binding);
            } catch (IllegalArgumentException e) {
                skipped.add(e.getMessage().startsWith(name) ? e.getMessage() : name + ": " + e.getMessage());
            }
        }
        return new Fetched(unambiguous(usable, skipped), List.copyOf(skipped));
    }

    /** The keys a kid lookup can tell apart: RFC 7517 §4.5 wants distinct kids within a set. */
    private static List<KeyBinding> unambiguous(List<KeyBinding> keys, List<String> skipped) {
        Map<String, Long> perKid = keys.stream().filter(k -> k.kid() != null)
                .collect(java.util.stream.Collectors.groupingBy(KeyBinding::kid, java.util.stream.Collectors.counting()));
        List<KeyBinding> kept = new ArrayList<>();
        for (KeyBinding key : keys) {
            if (key.kid() != null && perKid.get(key.kid()) > 1) {
                skipped.add("kid '" + key.kid() + "': several keys share it, so none of them is used");
            } else if (key.kid() == null && keys.size() > 1) {
                skipped.add("a " + key.algorithm() + " key without kid: with several keys, every key needs a kid");
            } else {
                kept.add(key);
            }
        }
        return List.copyOf(kept);
    }

    /**
     * What {@link #parseFetched} made of a fetched JWK Set.
     *
     * @param keys    the usable keys, possibly none
     * @param skipped one reason per key that was not used; never key material
     */
    public record Fetched(List<KeyBinding> keys, List<String> skipped) {
        public Fetched {
            keys = List.copyOf(keys);
            skipped = List.copyOf(skipped);
        }
    }

    private static KeyBinding toBinding(JsonNode jwk, String givenAlg, String name) {
        nonSignaturePurpose(jwk, name).ifPresent(reason -> {
            throw new IllegalArgumentException(name + ": not a signature verification key: " + reason);
        });
        try {
            String kty = requiredText(jwk, "kty");
            String alg = algorithmOf(jwk, givenAlg);
            String kid = optionalText(jwk, "kid");
            warnAboutPrivateMembers(jwk, kty, name);
            return switch (kty) {
                case "oct" -> octKey(jwk, kid, alg);
                case "RSA" -> KeyBinding.publicKey(kid, requireFamily(alg, kty, "RS", "PS"), rsaKey(jwk));
                case "EC" -> KeyBinding.publicKey(kid, alg, ecKey(jwk, alg));
                case "OKP" -> KeyBinding.publicKey(kid, requireFamily(alg, kty, "EdDSA"), okpKey(jwk));
                // RFC 7517 §5: a key whose kty is not understood is not used.
                default -> throw new IllegalArgumentException("unsupported kty " + kty);
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Why a key is not meant for verifying signatures, if it says so: RFC 7517 §4.2 {@code use},
     * §4.3 {@code key_ops}, §4.4 an encryption {@code alg}.
     */
    private static Optional<String> nonSignaturePurpose(JsonNode jwk, String name) {
        try {
            return nonSignaturePurpose(jwk);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> nonSignaturePurpose(JsonNode jwk) {
        String use = optionalText(jwk, "use");
        if (use != null && !use.equals("sig")) {
            return Optional.of("\"use\": \"" + use + "\" is not \"sig\"");
        }
        JsonNode ops = jwk.get("key_ops");
        if (ops != null) {
            if (!ops.isArray()) {
                throw new IllegalArgumentException("key_ops must be an array (RFC 7517 §4.3)");
            }
            boolean verify = false;
            for (JsonNode op : ops) {
                verify |= op.isTextual() && op.asText().equals("verify");
            }
            if (!verify) {
                return Optional.of("key_ops " + ops + " does not include \"verify\"");
            }
        }
        String alg = optionalText(jwk, "alg");
        if (alg != null && ENCRYPTION_ALGORITHMS.contains(alg)) {
            return Optional.of("alg " + alg + " is an encryption algorithm");
        }
        return Optional.empty();
    }

    private static String algorithmOf(JsonNode jwk, String givenAlg) {
        String own = optionalText(jwk, "alg");
        if (own != null && givenAlg != null && !own.equals(givenAlg)) {
            // RFC 8725 §3.1: a key is bound to one algorithm; silently rebinding it would defeat that.
            throw new IllegalArgumentException("JWK names alg " + own + " but " + givenAlg + " was configured");
        }
        String alg = own != null ? own : givenAlg;
        if (alg == null) {
            throw new IllegalArgumentException("no alg: a key is bound to exactly one algorithm (RFC 8725 §3.1);"
                    + " add \"alg\" to the JWK or configure one");
        }
        if (!KeyBinding.isSupportedAlgorithm(alg)) {
            throw new IllegalArgumentException("alg " + alg + " is not a supported JWS algorithm (RFC 7518 §3.1)");
        }
        return alg;
    }

    private static String requireFamily(String alg, String kty, String... prefixes) {
        for (String prefix : prefixes) {
            if (alg.startsWith(prefix)) {
                return alg;
            }
        }
        throw new IllegalArgumentException("a " + kty + " key cannot be bound to " + alg);
    }

    private static KeyBinding octKey(JsonNode jwk, String kid, String alg) {
        requireFamily(alg, "oct", "HS");
        byte[] secret = Base64Url.decode(requiredText(jwk, "k"), "k");
        try {
            return KeyBinding.hmac(kid, alg, secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private static PublicKey rsaKey(JsonNode jwk) {
        // RFC 7518 §6.3.1: n and e are Base64urlUInt, unsigned big-endian.
        BigInteger n = new BigInteger(1, nonEmpty(jwk, "n"));
        BigInteger e = new BigInteger(1, nonEmpty(jwk, "e"));
        return generate("RSA", new RSAPublicKeySpec(n, e));
    }

    private static PublicKey ecKey(JsonNode jwk, String alg) {
        String crv = requiredText(jwk, "crv");
        EcCurve curve = EcCurve.forJwkName(crv)
                .orElseThrow(() -> new IllegalArgumentException("unsupported EC crv " + crv));
        // RFC 7518 §3.4: ES256 is P-256, ES384 is P-384, ES512 is P-521, and nothing else.
        if (!curve.algorithm().equals(alg)) {
            throw new IllegalArgumentException("an EC " + crv + " key cannot be bound to " + alg
                    + "; " + crv + " is for " + curve.algorithm() + " (RFC 7518 §3.4)");
        }
        BigInteger x = coordinate(jwk, "x", curve);
        BigInteger y = coordinate(jwk, "y", curve);
        return generate("EC", new ECPublicKeySpec(new ECPoint(x, y), curve.parameters()));
    }

    private static BigInteger coordinate(JsonNode jwk, String member, EcCurve curve) {
        byte[] bytes = Base64Url.decode(requiredText(jwk, member), member);
        // RFC 7518 §6.2.1.2: the length MUST be the full size of a coordinate for the curve.
        if (bytes.length != curve.coordinateBytes()) {
            throw new IllegalArgumentException(member + " of a " + curve.jwkName() + " key must be "
                    + curve.coordinateBytes() + " bytes, was " + bytes.length + " (RFC 7518 §6.2.1.2)");
        }
        return new BigInteger(1, bytes);
    }

    private static PublicKey okpKey(JsonNode jwk) {
        String crv = requiredText(jwk, "crv");
        byte[] prefix = EDDSA_SPKI_PREFIX.get(crv);
        if (prefix == null) {
            // RFC 8037 §3.1–3.2: Ed25519 and Ed448 sign; X25519 and X448 are for key agreement only.
            throw new IllegalArgumentException("OKP crv " + crv + " is not a signature curve (RFC 8037 §3.1)");
        }
        byte[] x = Base64Url.decode(requiredText(jwk, "x"), "x");
        // RFC 8037 §2: x is the public key in the RFC 8032 encoding, of the curve's fixed length.
        if (x.length != EDDSA_KEY_BYTES.get(crv)) {
            throw new IllegalArgumentException("x of an " + crv + " key must be " + EDDSA_KEY_BYTES.get(crv)
                    + " bytes, was " + x.length + " (RFC 8037 §2)");
        }
        byte[] spki = Arrays.copyOf(prefix, prefix.length + x.length);
        System.arraycopy(x, 0, spki, prefix.length, x.length);
        return generate(crv, new X509EncodedKeySpec(spki));
    }

    private static PublicKey generate(String algorithm, java.security.spec.KeySpec spec) {
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(spec);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a valid " + algorithm + " public key: " + e.getMessage(), e);
        }
    }

    private static void warnAboutPrivateMembers(JsonNode jwk, String kty, String name) {
        List<String> present = PRIVATE_MEMBERS.getOrDefault(kty, List.of()).stream().filter(jwk::has).toList();
        if (!present.isEmpty()) {
            LOG.warn("{} carries private key members {}; they are ignored, only the public key is used. A"
                    + " verifier needs no private key: keep it out of this configuration", name, present);
        }
    }

    private static JsonNode readObject(String json) {
        JsonNode root;
        try {
            root = STRICT_JSON.readTree(json);
        } catch (IOException e) {
            // Jackson's message would quote the input, which may hold a secret.
            throw new IllegalArgumentException("not valid JSON (duplicate members count as invalid)");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("a JWK or JWK Set must be a JSON object (RFC 7517 §4, §5)");
        }
        return root;
    }

    /** "JWK 2 (kid 'abc')" for the third key of a set, "JWK (kid 'abc')" for a lone JWK. */
    private static String describe(JsonNode jwk, int index) {
        String kid = jwk.path("kid").isTextual() ? jwk.get("kid").asText() : null;
        return "JWK" + (index < 0 ? "" : " " + index) + (kid == null ? "" : " (kid '" + kid + "')");
    }

    private static byte[] nonEmpty(JsonNode jwk, String member) {
        byte[] bytes = Base64Url.decode(requiredText(jwk, member), member);
        if (bytes.length == 0) {
            throw new IllegalArgumentException(member + " is empty");
        }
        return bytes;
    }

    private static String requiredText(JsonNode jwk, String member) {
        String value = optionalText(jwk, member);
        if (value == null) {
            throw new IllegalArgumentException("member \"" + member + "\" is required");
        }
        return value;
    }

    private static String optionalText(JsonNode jwk, String member) {
        JsonNode value = jwk.get(member);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("member \"" + member + "\" must be a string");
        }
        return value.asText();
    }
}
