package io.tokenwatch.detector.topology;

import io.tokenwatch.detector.control.ControlListener;
import io.tokenwatch.detector.rules.Detection;

/**
 * Told of every detection as the topology publishes it (after the control gate: the alert as
 * published, the revocations actually sent towards {@code tokenwatch.revocations}), e.g. to count
 * alerts and revocations, and of what the gate did ({@link ControlListener}). Called on stream
 * threads: implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface DetectionListener extends ControlListener {

    /** Listens to nothing. */
    DetectionListener NONE = detection -> {
    };

    void detected(Detection detection);
}
