package io.tokenwatch.filter.validation;

import java.util.Optional;
import java.util.Set;

/**
 * Where a {@link KeyRing} gets its keys when they change at run time, e.g. a JWKS URL that is
 * fetched and refreshed. The source comes from configuration only: nothing in a token (neither
 * {@code jku} nor {@code x5u} nor {@code kid}) ever names where keys are fetched from (RFC 8725 §3.10).
 *
 * <p>Implementations must be thread-safe: every request thread calls {@link #keys()}, and those
 * that meet an unknown {@code kid} call {@link #refreshFor(String)}.
 */
public interface KeySource {

    /**
     * The algorithms every key this source will ever supply is bound to. Fixed for the life of the
     * source, so an issuer's algorithm allow-list can be checked once, at start-up; a fetched key bound
     * to anything else is skipped.
     */
    Set<String> algorithms();

    /** The latest key set, or empty when none was ever obtained. Never blocks. */
    Optional<KeySet> keys();

    /**
     * Called when {@code kid} is not in {@link #keys()} (or no keys were ever obtained): the source may
     * start a refresh, subject to its own rate limit, and wait for it a bounded time. Callers arriving
     * while a refresh is in flight share it.
     *
     * @param kid the unknown key id, or {@code null} for a token without one; for diagnostics only,
     *            never a location
     * @return the key set after the refresh (or after the wait gave up), empty when none was ever obtained
     */
    Optional<KeySet> refreshFor(String kid);
}
