package io.tokenwatch.filter.validation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured verification keys of one issuer, looked up by {@code kid}. Keys come only from
 * configuration, never from a token header ({@code jku}, {@code x5u}, {@code jwk} are ignored for
 * lookup and rejected by the verifier).
 *
 * <p>Immutable and thread-safe.
 */
public final class KeyRing {

    private final Map<String, KeyBinding> byKid;
    private final KeyBinding only;

    public KeyRing(List<KeyBinding> bindings) {
        if (bindings.isEmpty()) {
            throw new IllegalArgumentException("at least one key is required");
        }
        Map<String, KeyBinding> map = new HashMap<>();
        for (KeyBinding binding : bindings) {
            if (binding.kid() == null && bindings.size() > 1) {
                throw new IllegalArgumentException("with several keys, every key needs a kid");
            }
            if (binding.kid() != null && map.put(binding.kid(), binding) != null) {
                throw new IllegalArgumentException("duplicate kid: " + binding.kid());
            }
        }
        this.byKid = Map.copyOf(map);
        this.only = bindings.size() == 1 ? bindings.get(0) : null;
    }

    /**
     * The key for a token header's {@code kid}. A token without {@code kid} is matched only when a
     * single key is configured: with several, guessing would let one key stand in for another.
     */
    public Optional<KeyBinding> find(String kid) {
        if (kid == null) {
            return Optional.ofNullable(only);
        }
        return Optional.ofNullable(byKid.get(kid));
    }

    /** Every algorithm some key is bound to. */
    public java.util.Set<String> algorithms() {
        java.util.Set<String> algs = new java.util.TreeSet<>();
        byKid.values().forEach(b -> algs.add(b.algorithm()));
        if (only != null) {
            algs.add(only.algorithm());
        }
        return algs;
    }
}
