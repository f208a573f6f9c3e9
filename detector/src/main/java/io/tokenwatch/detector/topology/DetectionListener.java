package io.tokenwatch.detector.topology;

import io.tokenwatch.detector.rules.Detection;

/**
 * Told of every detection as the topology emits it, e.g. to count alerts and revocations. Called on
 * stream threads: implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface DetectionListener {

    /** Listens to nothing. */
    DetectionListener NONE = detection -> {
    };

    void detected(Detection detection);
}
