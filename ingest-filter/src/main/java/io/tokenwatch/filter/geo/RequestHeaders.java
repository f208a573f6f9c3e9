package io.tokenwatch.filter.geo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Read access to the headers of one request, so resolvers stay free of any HTTP framework: adapters
 * pass a method reference to their own lookup ({@code headers::getAll} in Micronaut).
 *
 * <p>Implementations must be safe to call from the request's thread for the request's lifetime.
 */
@FunctionalInterface
public interface RequestHeaders {

    /** A request without headers, or one whose adapter does not offer them. */
    RequestHeaders NONE = name -> List.of();

    /**
     * Every value of the header {@code name}, in the order received; empty if absent, never null.
     * Names are case-insensitive (RFC 9110 §5.1).
     */
    List<String> values(String name);

    /** Fixed headers, e.g. for tests; names are matched case-insensitively. */
    static RequestHeaders of(Map<String, List<String>> headers) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> byName.put(name, List.copyOf(values)));
        return name -> byName.getOrDefault(name, List.of());
    }

    /** Headers with one value each: {@code of("CloudFront-Viewer-Country", "DE")}. */
    static RequestHeaders of(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values come in pairs");
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.computeIfAbsent(namesAndValues[i], n -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        return of(headers);
    }
}
