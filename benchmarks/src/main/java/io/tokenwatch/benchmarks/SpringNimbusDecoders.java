package io.tokenwatch.benchmarks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.proc.SingleKeyJWSKeySelector;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

import javax.crypto.SecretKey;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Spring Security's {@link NimbusJwtDecoder}, configured the way an application would for one
 * issuer's key, with the same checks the tokenwatch filter makes: signature, {@code exp}/{@code nbf}
 * with 60 s skew, exact {@code iss}, {@code aud} containing ours, {@code typ} JWT or absent.
 *
 * <ul>
 *   <li>HS256, RS256, PS256: Spring's own builders ({@code withSecretKey}, {@code withPublicKey}).</li>
 *   <li>ES256: Spring has no EC builder, so a {@link DefaultJWTProcessor} set up as Spring's builders
 *       do, with a {@link JWSVerificationKeySelector} over an {@link ImmutableJWKSet} — the shape of
 *       Spring's JWKS decoders, which also convert the JWK to a JCA key on every token.</li>
 *   <li>EdDSA: Spring's {@code SignatureAlgorithm} has no EdDSA, and Nimbus 9.37 can neither turn an
 *       {@link OctetKeyPair} into a JCA key (so a JWK-set key selector finds nothing) nor build an
 *       EdDSA verifier in its {@link DefaultJWSVerifierFactory}. The closest honest setup is a
 *       single-key selector plus a verifier factory that hands out Nimbus's own (Tink-backed)
 *       {@link Ed25519Verifier}. Without Tink on the class path there is no Nimbus EdDSA figure.</li>
 * </ul>
 *
 * <p>The decoders built here are thread-safe, as Spring's are.
 */
final class SpringNimbusDecoders {

    private SpringNimbusDecoders() {
    }

    /**
     * A decoder for tokens signed with {@code alg} under {@code kid}, verified with {@code key}, or
     * empty when this class path cannot verify {@code alg} with Nimbus (EdDSA without Tink).
     */
    static Optional<JwtDecoder> create(SigningAlgorithm alg, String kid, Key key, String issuer, String audience) {
        NimbusJwtDecoder decoder;
        switch (alg) {
            case HS256 -> decoder = NimbusJwtDecoder.withSecretKey((SecretKey) key)
                    .macAlgorithm(MacAlgorithm.HS256).build();
            case RS256 -> decoder = NimbusJwtDecoder.withPublicKey((RSAPublicKey) key)
                    .signatureAlgorithm(SignatureAlgorithm.RS256).build();
            case PS256 -> decoder = NimbusJwtDecoder.withPublicKey((RSAPublicKey) key)
                    .signatureAlgorithm(SignatureAlgorithm.PS256).build();
            case ES256 -> {
                ECKey jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) key).keyID(kid).build();
                decoder = new NimbusJwtDecoder(processor(
                        new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, new ImmutableJWKSet<>(new JWKSet(jwk)))));
            }
            case EdDSA -> {
                if (!tinkPresent()) {
                    return Optional.empty();
                }
                DefaultJWTProcessor<SecurityContext> processor =
                        processor(new SingleKeyJWSKeySelector<>(JWSAlgorithm.EdDSA, key));
                processor.setJWSVerifierFactory(new Ed25519VerifierFactory((PublicKey) key, kid));
                decoder = new NimbusJwtDecoder(processor);
            }
            default -> throw new IllegalArgumentException("no decoder for " + alg);
        }
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(List.of(
                new JwtTimestampValidator(Duration.ofSeconds(60)),
                new JwtIssuerValidator(issuer),
                new JwtAudienceValidator(audience))));
        return Optional.of(decoder);
    }

    /** Set up as Spring's {@code NimbusJwtDecoder} builders set theirs up. */
    private static DefaultJWTProcessor<SecurityContext> processor(JWSKeySelector<SecurityContext> keys) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null));
        processor.setJWSKeySelector(keys);
        // As in Spring: claims are checked by the OAuth2TokenValidator, not a second time by Nimbus.
        processor.setJWTClaimsSetVerifier((claims, context) -> {
        });
        return processor;
    }

    static boolean tinkPresent() {
        try {
            Class.forName("com.google.crypto.tink.subtle.Ed25519Verify", false,
                    SpringNimbusDecoders.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Nimbus's default verifier factory plus EdDSA for one configured Ed25519 key. A new verifier per
     * token, as the default factory makes for the other algorithms.
     */
    private static final class Ed25519VerifierFactory implements JWSVerifierFactory {

        private static final int ED25519_KEY_BYTES = 32;

        private final DefaultJWSVerifierFactory defaults = new DefaultJWSVerifierFactory();
        private final PublicKey key;
        private final OctetKeyPair jwk;

        Ed25519VerifierFactory(PublicKey key, String kid) {
            this.key = key;
            // RFC 8410 §4: the X.509 SubjectPublicKeyInfo of an Ed25519 key ends with the 32 raw key bytes,
            // which are RFC 8037 §2's "x".
            byte[] encoded = key.getEncoded();
            byte[] x = Arrays.copyOfRange(encoded, encoded.length - ED25519_KEY_BYTES, encoded.length);
            this.jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build();
        }

        @Override
        public JWSVerifier createJWSVerifier(JWSHeader header, Key candidate) throws JOSEException {
            if (JWSAlgorithm.EdDSA.equals(header.getAlgorithm()) && (candidate == key || key.equals(candidate))) {
                return new Ed25519Verifier(jwk);
            }
            return defaults.createJWSVerifier(header, candidate);
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            Set<JWSAlgorithm> algorithms = new HashSet<>(defaults.supportedJWSAlgorithms());
            algorithms.add(JWSAlgorithm.EdDSA);
            return algorithms;
        }

        @Override
        public JCAContext getJCAContext() {
            return defaults.getJCAContext();
        }
    }
}
