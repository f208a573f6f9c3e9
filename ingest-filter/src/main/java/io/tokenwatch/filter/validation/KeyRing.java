package io.tokenwatch.filter.validation;

import io.tokenwatch.schemas.Outcome;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The verification keys of one issuer, looked up by {@code kid}: either a fixed {@link KeySet} from
 * configuration ({@link #KeyRing(List)}) or the latest set of a {@link KeySource} such as a JWKS URL
 * ({@link #of(KeySource)}). Keys come only from configuration or from the configured source, never
 * from a token header ({@code jku}, {@code x5u}, {@code jwk} are ignored for lookup and rejected by
 * the verifier).
 *
 * <p>With a source, a {@code kid} not in the latest set asks the source to refresh (rate-limited by
 * the source, waited for a bounded time); when the source never obtained any key, the token is
 * rejected with {@link Outcome#KEYS_UNAVAILABLE}: the filter could not check it, which is not the
 * client's fault.
 *
 * <p>Thread-safe: a fixed ring is immutable, a source ring reads the source's latest immutable set.
 */
public final class KeyRing {

    private final KeySet fixed;
    private final KeySource source;
    private final Set<String> algorithms;

    /** A fixed ring of configured keys. */
    public KeyRing(List<KeyBinding> bindings) {
        this.fixed = new KeySet(bindings);
        this.source = null;
        this.algorithms = fixed.algorithms();
    }

    private KeyRing(KeySource source) {
        this.fixed = null;
        this.source = Objects.requireNonNull(source, "source");
        this.algorithms = Collections.unmodifiableSet(new TreeSet<>(source.algorithms()));
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException("a key source must name the algorithms its keys are bound to");
        }
    }

    /** A ring that always holds the latest keys of {@code source}. */
    public static KeyRing of(KeySource source) {
        return new KeyRing(source);
    }

    /**
     * The key for a token header's {@code kid}. A token without {@code kid} is matched only when a
     * single key is held: with several, guessing would let one key stand in for another.
     *
     * @throws TokenRejectedException with {@link Outcome#KEYS_UNAVAILABLE} when this ring's source
     *                                never obtained a key set
     */
    public Optional<KeyBinding> find(String kid) {
        if (source == null) {
            return fixed.find(kid);
        }
        KeySet latest = source.keys().orElse(null);
        if (latest != null) {
            Optional<KeyBinding> found = latest.find(kid);
            // Without a kid a refresh cannot help: a set of several keys never matches a kid-less token.
            if (found.isPresent() || kid == null) {
                return found;
            }
        }
        KeySet refreshed = source.refreshFor(kid).orElseThrow(() ->
                new TokenRejectedException(Outcome.KEYS_UNAVAILABLE, "no key set obtained from the key source yet"));
        return refreshed.find(kid);
    }

    /**
     * Every algorithm a key of this ring is (or, with a source, may be) bound to. Fixed for the life of
     * the ring, so {@link IssuerPolicy} checks its allow-list against it once.
     */
    public Set<String> algorithms() {
        return algorithms;
    }

    /** True when keys are at hand: always for a fixed ring, once the first set arrived for a source. */
    public boolean isLoaded() {
        return source == null || source.keys().isPresent();
    }

    /** The source behind this ring, empty for a fixed ring. */
    public Optional<KeySource> source() {
        return Optional.ofNullable(source);
    }
}
