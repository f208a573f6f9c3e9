package io.tokenwatch.detector.explain;

import io.tokenwatch.schemas.JsonSerde;

import java.util.Map;
import java.util.Objects;

/**
 * An answer of the explain endpoint: an HTTP status and a JSON body. Immutable.
 *
 * @param status HTTP status: 200, 400 (missing or bad parameters), 404 (unknown subject), 502 (the
 *               owning instance could not be asked), 503 (not running, or the key's owner unknown)
 * @param json   the body
 */
public record ExplainAnswer(int status, String json) {

    public ExplainAnswer {
        Objects.requireNonNull(json, "json");
    }

    public static ExplainAnswer ok(Map<String, Object> body) {
        return new ExplainAnswer(200, ExplainJson.write(body));
    }

    public static ExplainAnswer error(int status, String code, String detail) {
        return new ExplainAnswer(status, ExplainJson.write(Map.of("error", code, "detail", detail)));
    }

    /** JSON for the endpoint: snake_case like every tokenwatch contract. */
    static final class ExplainJson {
        private ExplainJson() {
        }

        static String write(Object value) {
            try {
                return JsonSerde.MAPPER.writeValueAsString(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot write explanation", e);
            }
        }
    }
}
