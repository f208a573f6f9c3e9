package io.tokenwatch.filter.validation;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.util.Optional;

/**
 * The three curves JWS uses for ECDSA, each tied to its one algorithm (RFC 7518 §3.4: ES256 is
 * P-256 with SHA-256, ES384 is P-384 with SHA-384, ES512 is P-521 with SHA-512).
 *
 * <p>Immutable and thread-safe.
 */
enum EcCurve {
    P_256("P-256", "secp256r1", "ES256", 32),
    P_384("P-384", "secp384r1", "ES384", 48),
    P_521("P-521", "secp521r1", "ES512", 66);

    private final String jwkName;
    private final String algorithm;
    private final int coordinateBytes;
    private final ECParameterSpec parameters;

    EcCurve(String jwkName, String jcaName, String algorithm, int coordinateBytes) {
        this.jwkName = jwkName;
        this.algorithm = algorithm;
        this.coordinateBytes = coordinateBytes;
        this.parameters = lookUp(jcaName);
    }

    /** The curve a JWK {@code crv} names (RFC 7518 §6.2.1.1). */
    static Optional<EcCurve> forJwkName(String crv) {
        for (EcCurve curve : values()) {
            if (curve.jwkName.equals(crv)) {
                return Optional.of(curve);
            }
        }
        return Optional.empty();
    }

    /** The curve an {@code ES*} algorithm requires. */
    static Optional<EcCurve> forAlgorithm(String alg) {
        for (EcCurve curve : values()) {
            if (curve.algorithm.equals(alg)) {
                return Optional.of(curve);
            }
        }
        return Optional.empty();
    }

    /** The curve of a key's domain parameters, compared by value: a key may carry explicit parameters. */
    static Optional<EcCurve> of(ECParameterSpec spec) {
        for (EcCurve curve : values()) {
            ECParameterSpec p = curve.parameters;
            if (p.getCurve().equals(spec.getCurve()) && p.getGenerator().equals(spec.getGenerator())
                    && p.getOrder().equals(spec.getOrder()) && p.getCofactor() == spec.getCofactor()) {
                return Optional.of(curve);
            }
        }
        return Optional.empty();
    }

    String jwkName() {
        return jwkName;
    }

    String algorithm() {
        return algorithm;
    }

    /** Octets of one coordinate: a JWK's {@code x} and {@code y} are exactly this long (RFC 7518 §6.2.1.2). */
    int coordinateBytes() {
        return coordinateBytes;
    }

    ECParameterSpec parameters() {
        return parameters;
    }

    /**
     * True when {@code point} is a finite point of this curve: y² = x³ + ax + b over the prime field.
     * A point off the curve turns ECDSA into arithmetic on some weaker curve the attacker chose.
     */
    boolean contains(ECPoint point) {
        if (ECPoint.POINT_INFINITY.equals(point)) {
            return false;
        }
        EllipticCurve curve = parameters.getCurve();
        BigInteger p = ((ECFieldFp) curve.getField()).getP();
        BigInteger x = point.getAffineX();
        BigInteger y = point.getAffineY();
        if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        // The NIST prime curves have cofactor 1, so a point on the curve is in the prime-order group.
        return left.equals(right);
    }

    private static ECParameterSpec lookUp(String jcaName) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(jcaName));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(jcaName + " is required of every JVM", e);
        }
    }
}
