package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.Revocation;

import java.util.List;
import java.util.Objects;

/**
 * What a rule concluded about one incident: the alert for the SIEM and the revocations that contain
 * it. Passed between processors in memory only; never serialized.
 *
 * @param alert       the finding
 * @param revocations revocations to publish (possibly none)
 */
public record Detection(Alert alert, List<Revocation> revocations) {
    public Detection {
        Objects.requireNonNull(alert, "alert");
        revocations = List.copyOf(revocations);
    }
}
