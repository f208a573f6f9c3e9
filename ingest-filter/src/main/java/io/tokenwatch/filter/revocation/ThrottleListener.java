package io.tokenwatch.filter.revocation;

/**
 * Told by {@link RevocationView} when throttle commands start and end, so the rate limiter can tighten
 * and relax its limits. Called on the revocation listener's thread (or the registering thread while
 * the current throttles are replayed to a new listener); implementations must be quick and thread-safe,
 * and must not call back into the view.
 */
public interface ThrottleListener {

    /** {@code throttle} starts, or replaces the earlier throttle under the same key. */
    void throttled(Throttle throttle);

    /** The throttle under {@code throttle.key()} ends: a tombstone, or a block replaced it. */
    void lifted(Throttle throttle);
}
