package io.tokenwatch.filter.validation;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One snapshot of an issuer's verification keys, looked up by {@code kid}: the static keys of the
 * configuration, or one fetched JWK Set. A {@link KeyRing} holds a fixed one or asks a
 * {@link KeySource} for the latest.
 *
 * <p>Immutable and thread-safe.
 */
public final class KeySet {

    private final Map<String, KeyBinding> byKid;
    private final KeyBinding only;
    private final Set<String> algorithms;
    private final int size;

    /**
     * @throws IllegalArgumentException when empty, when two keys share a kid, or when one of several
     *                                  keys has no kid (RFC 7517 §4.5: the lookup would be a guess)
     */
    public KeySet(List<KeyBinding> bindings) {
        if (bindings.isEmpty()) {
            throw new IllegalArgumentException("at least one key is required");
        }
        Map<String, KeyBinding> map = new HashMap<>();
        Set<String> algs = new TreeSet<>();
        for (KeyBinding binding : bindings) {
            if (binding.kid() == null && bindings.size() > 1) {
                throw new IllegalArgumentException("with several keys, every key needs a kid");
            }
            if (binding.kid() != null && map.put(binding.kid(), binding) != null) {
                throw new IllegalArgumentException("duplicate kid: " + binding.kid());
            }
            algs.add(binding.algorithm());
        }
        this.byKid = Map.copyOf(map);
        this.only = bindings.size() == 1 ? bindings.get(0) : null;
        this.algorithms = Collections.unmodifiableSet(algs);
        this.size = bindings.size();
    }

    /**
     * The key for a token header's {@code kid}. A token without {@code kid} is matched only when a
     * single key is held: with several, guessing would let one key stand in for another.
     */
    public Optional<KeyBinding> find(String kid) {
        if (kid == null) {
            return Optional.ofNullable(only);
        }
        return Optional.ofNullable(byKid.get(kid));
    }

    /** Every algorithm some key of this set is bound to. */
    public Set<String> algorithms() {
        return algorithms;
    }

    /** How many keys this set holds. */
    public int size() {
        return size;
    }
}
