package io.tokenwatch.filter.micronaut;

import io.tokenwatch.filter.jwks.JwksKeySource;
import io.tokenwatch.filter.validation.JwkKeys;
import io.tokenwatch.filter.validation.KeyBinding;
import io.tokenwatch.filter.validation.KeyRing;
import io.tokenwatch.filter.validation.PemKeys;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns {@code tokenwatch.filter.keys.*} into a {@link KeyRing} of static keys, or into the
 * {@link JwksKeySource} of {@code keys.jwks-uri}, using the validation package's own
 * parsers ({@link JwkKeys}, {@link PemKeys}, {@link KeyBinding#hmac}) so every key is checked for its
 * algorithm exactly as the core would. Keys come from configuration only, never from a token.
 *
 * <p>Every failure is an {@link IllegalArgumentException} naming the property and the problem, never
 * the key material: the process refuses to start rather than run with a key it cannot use.
 *
 * <p>Stateless and thread-safe.
 */
public final class KeySources {

    private static final String PREFIX = TokenwatchFilterConfiguration.PREFIX + ".keys.";

    private KeySources() {
    }

    /** True when the keys come from {@code keys.jwks-uri} rather than from static sources. */
    public static boolean isJwks(TokenwatchFilterConfiguration.Keys keys) {
        return blankToNull(keys.getJwksUri()) != null;
    }

    /**
     * The JWKS source of {@code keys.jwks-uri}, not yet started. Its algorithms are the configured
     * {@code tokenwatch.filter.algorithms}, or {@code keys.alg} alone; one of them is required, since
     * a fetched set must not decide what is accepted. JWKs without {@code alg} take {@code keys.alg},
     * or the one configured algorithm. A JWKS URL does not mix with static keys.
     */
    public static JwksKeySource jwks(TokenwatchFilterConfiguration.Keys keys, List<String> algorithms, Clock clock) {
        String uri = blankToNull(keys.getJwksUri());
        if (uri == null) {
            throw new IllegalArgumentException(PREFIX + "jwks-uri is not set");
        }
        if (blankToNull(keys.getJwk()) != null || blankToNull(keys.getJwksFile()) != null
                || blankToNull(keys.getPemFile()) != null
                || (keys.getHmacSecret() != null && !keys.getHmacSecret().isEmpty())) {
            throw new IllegalArgumentException(PREFIX + "jwks-uri cannot be combined with " + PREFIX + "jwk, "
                    + PREFIX + "jwks-file, " + PREFIX + "pem-file or " + PREFIX + "hmac-secret: configure one source");
        }
        String alg = blankToNull(keys.getAlg());
        Set<String> allowed = new LinkedHashSet<>();
        if (algorithms != null) {
            algorithms.stream().map(KeySources::blankToNull).filter(Objects::nonNull).forEach(allowed::add);
        }
        if (allowed.isEmpty() && alg != null) {
            allowed.add(alg);
        }
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException(PREFIX + "jwks-uri needs " + TokenwatchFilterConfiguration.PREFIX
                    + ".algorithms (or " + PREFIX + "alg): the algorithms the issuer signs with, configured rather"
                    + " than taken from the fetched set (RFC 8725 §3.1)");
        }
        String defaultAlg = alg != null ? alg : allowed.size() == 1 ? allowed.iterator().next() : null;
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(PREFIX + "jwks-uri is not a valid URI: " + e.getReason());
        }
        return named(PREFIX + "jwks-uri", () -> JwksKeySource.builder(parsed, allowed)
                .defaultAlgorithm(defaultAlg)
                .refreshInterval(keys.getJwksRefreshInterval())
                .minRefreshInterval(keys.getJwksMinRefreshInterval())
                .timeout(keys.getJwksTimeout())
                .allowHttp(keys.isJwksAllowHttp())
                .clock(clock)
                .build());
    }

    /** Every configured static key, combined into one ring. */
    public static KeyRing load(TokenwatchFilterConfiguration.Keys keys) {
        List<KeyBinding> bindings = new ArrayList<>();
        String alg = blankToNull(keys.getAlg());
        String kid = blankToNull(keys.getKid());
        if (blankToNull(keys.getJwk()) != null) {
            bindings.addAll(named(PREFIX + "jwk", () -> JwkKeys.parse(keys.getJwk(), alg)));
        }
        if (blankToNull(keys.getJwksFile()) != null) {
            String json = read(keys.getJwksFile(), "jwks-file");
            bindings.addAll(named(PREFIX + "jwks-file " + keys.getJwksFile(), () -> JwkKeys.parse(json, alg)));
        }
        if (blankToNull(keys.getPemFile()) != null) {
            String pem = read(keys.getPemFile(), "pem-file");
            String pemAlg = requireAlg(alg, "pem-file");
            bindings.add(named(PREFIX + "pem-file " + keys.getPemFile(), () -> PemKeys.parsePublicKey(pem, pemAlg, kid)));
        }
        if (keys.getHmacSecret() != null && !keys.getHmacSecret().isEmpty()) {
            String hmacAlg = requireAlg(alg, "hmac-secret");
            byte[] secret = secretBytes(keys.getHmacSecret());
            try {
                bindings.add(named(PREFIX + "hmac-secret", () -> KeyBinding.hmac(kid, hmacAlg, secret)));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }
        if (bindings.isEmpty()) {
            throw new IllegalArgumentException("no verification key configured: set " + PREFIX + "jwks-uri, " + PREFIX + "jwk, " + PREFIX
                    + "jwks-file, " + PREFIX + "pem-file (with alg) or " + PREFIX + "hmac-secret (with alg)");
        }
        return named(PREFIX + "*", () -> new KeyRing(bindings));
    }

    /**
     * The bytes of an HMAC secret: {@code base64:…} (RFC 4648 §4) or {@code base64url:…} (§5) decoded,
     * anything else taken as UTF-8 text.
     */
    static byte[] secretBytes(String configured) {
        try {
            if (configured.startsWith("base64:")) {
                return Base64.getDecoder().decode(configured.substring("base64:".length()).strip());
            }
            if (configured.startsWith("base64url:")) {
                return Base64.getUrlDecoder().decode(configured.substring("base64url:".length()).strip());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PREFIX + "hmac-secret: not valid base64");
        }
        return configured.getBytes(StandardCharsets.UTF_8);
    }

    private static String read(String file, String property) {
        Path path = Path.of(file);
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + PREFIX + property + " " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
    }

    private static String requireAlg(String alg, String property) {
        if (alg == null) {
            throw new IllegalArgumentException(PREFIX + property + " needs " + PREFIX
                    + "alg: a key is bound to exactly one algorithm (RFC 8725 §3.1)");
        }
        return alg;
    }

    private static <T> T named(String source, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
