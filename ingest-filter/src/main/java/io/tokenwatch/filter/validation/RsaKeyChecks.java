package io.tokenwatch.filter.validation;

import java.math.BigInteger;
import java.security.interfaces.RSAPublicKey;
import java.util.BitSet;
import java.util.stream.IntStream;

/**
 * Refuses RSA verification keys that are too small, malformed, or known to be factorable. Checked
 * once, when a key is configured.
 *
 * <p>Stateless and thread-safe.
 */
final class RsaKeyChecks {

    /** RFC 7518 §3.3 and §3.5: a key of size 2048 bits or larger MUST be used with RS* and PS*. */
    static final int MIN_MODULUS_BITS = 2048;

    private static final BigInteger MIN_EXPONENT = BigInteger.TWO.pow(16);
    private static final BigInteger MAX_EXPONENT = BigInteger.TWO.pow(256);
    private static final BigInteger GENERATOR = BigInteger.valueOf(65537);

    /**
     * The odd primes up to 167. Every modulus made by the Infineon library behind ROCA (CVE-2017-15361)
     * is, modulo each of these, a power of 65537, because its primes were built as k·M + 65537^a with
     * M a primorial that all of them divide. A random modulus shows that pattern with probability
     * about 4·10⁻⁹ over these primes.
     */
    private static final int[] ROCA_PRIMES = IntStream.rangeClosed(3, 167).filter(RsaKeyChecks::isPrime).toArray();
    /** For each prime in {@link #ROCA_PRIMES}, the residues that are powers of 65537. */
    private static final BitSet[] ROCA_RESIDUES = java.util.Arrays.stream(ROCA_PRIMES)
            .mapToObj(RsaKeyChecks::powersOfGenerator).toArray(BitSet[]::new);

    private RsaKeyChecks() {
    }

    /** Throws {@link IllegalArgumentException} unless {@code key} is fit to verify {@code alg} signatures. */
    static void requireFit(RSAPublicKey key, String alg) {
        BigInteger n = key.getModulus();
        BigInteger e = key.getPublicExponent();
        if (n.bitLength() < MIN_MODULUS_BITS) {
            throw new IllegalArgumentException("RSA key for " + alg + " must be at least " + MIN_MODULUS_BITS
                    + " bits, was " + n.bitLength() + " (RFC 7518 §3.3)");
        }
        if (!n.testBit(0)) {
            throw new IllegalArgumentException("RSA modulus is even: not a product of two odd primes");
        }
        // RFC 8017 §3.1 asks only 3 <= e < n; FIPS 186-4 B.3.1 narrows it to an odd 2^16 < e < 2^256.
        // e = 1 would make every value its own signature.
        if (!e.testBit(0) || e.compareTo(MIN_EXPONENT) <= 0 || e.compareTo(MAX_EXPONENT) >= 0) {
            throw new IllegalArgumentException("RSA public exponent must be odd and between 2^16 and 2^256"
                    + " (FIPS 186-4 B.3.1), was " + (e.bitLength() > 64 ? e.bitLength() + " bits" : e.toString()));
        }
        if (hasRocaFingerprint(n)) {
            throw new IllegalArgumentException("RSA key has the ROCA fingerprint (CVE-2017-15361): its private key"
                    + " can be computed from the public key; replace it");
        }
    }

    static boolean hasRocaFingerprint(BigInteger modulus) {
        for (int i = 0; i < ROCA_PRIMES.length; i++) {
            int residue = modulus.mod(BigInteger.valueOf(ROCA_PRIMES[i])).intValue();
            if (!ROCA_RESIDUES[i].get(residue)) {
                return false;
            }
        }
        return true;
    }

    private static BitSet powersOfGenerator(int prime) {
        BitSet powers = new BitSet(prime);
        int g = GENERATOR.mod(BigInteger.valueOf(prime)).intValue();
        int value = 1;
        while (!powers.get(value)) {
            powers.set(value);
            value = value * g % prime;
        }
        return powers;
    }

    private static boolean isPrime(int candidate) {
        for (int d = 2; d * d <= candidate; d++) {
            if (candidate % d == 0) {
                return false;
            }
        }
        return candidate > 1;
    }
}
