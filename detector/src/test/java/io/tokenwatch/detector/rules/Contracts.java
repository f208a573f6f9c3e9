package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Alert;
import io.tokenwatch.schemas.JsonSerde;
import io.tokenwatch.schemas.OcsfValidator;
import io.tokenwatch.schemas.Revocation;
import io.tokenwatch.schemas.SchemaValidation;
import io.tokenwatch.schemas.Topics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Asserts that what a rule publishes is what SIEMs and filters are promised: the wire form, checked. */
final class Contracts {

    private Contracts() {
    }

    /** The alert, as serialized to its topic, is an OCSF 1.5 Detection Finding and matches our schema. */
    static void assertConforms(Alert alert) {
        byte[] wire = Topics.ALERTS.valueSerde().serializer().serialize(Topics.ALERTS.name(), alert);
        try {
            assertThat(OcsfValidator.ocsf150().validate("detection_finding", JsonSerde.MAPPER.readTree(wire)))
                    .as(alert.findingInfo().analytic() == null ? "alert" : alert.findingInfo().analytic().name())
                    .isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(SchemaValidation.errors(Alert.class, new String(wire, StandardCharsets.UTF_8))).isEmpty();
    }

    /** The revocation, as serialized to its topic, matches the revocation schema. */
    static void assertConforms(Revocation revocation) {
        byte[] wire = Topics.REVOCATIONS.valueSerde().serializer().serialize(Topics.REVOCATIONS.name(), revocation);
        assertThat(SchemaValidation.errors(Revocation.class, new String(wire, StandardCharsets.UTF_8))).isEmpty();
    }
}
