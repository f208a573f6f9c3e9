package io.tokenwatch.detector.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Groups route templates into the classes request rates are learned for: by default the first path
 * segment ({@code /accounts/{id}/transfers} → {@code accounts}), or the class of the longest
 * configured prefix that matches ({@code "/admin" → "admin"}, {@code "/api/v1/reports" → "reports"}).
 * Class names are cut to {@link #MAX_BYTES} UTF-8 bytes, so a service with odd routes cannot make a
 * profile grow. Immutable and thread-safe.
 *
 * @param mapping route-template prefix → class name; empty for first-segment classes only
 */
public record RouteClasses(Map<String, String> mapping) {

    /** Longest class name stored, in UTF-8 bytes. */
    public static final int MAX_BYTES = 32;
    /** Class of {@code /} and of routes with no segment. */
    public static final String ROOT = "root";

    public RouteClasses {
        mapping = Map.copyOf(mapping);
        mapping.forEach((prefix, name) -> {
            if (prefix.isBlank() || name.isBlank()) {
                throw new IllegalArgumentException("route class prefixes and names must not be blank");
            }
        });
    }

    public static RouteClasses firstSegment() {
        return new RouteClasses(Map.of());
    }

    /** The class of {@code routeTemplate}. */
    public String classOf(String routeTemplate) {
        Objects.requireNonNull(routeTemplate, "routeTemplate");
        String mapped = longestPrefixMatch(routeTemplate);
        if (mapped != null) {
            return Text.truncateUtf8(mapped, MAX_BYTES);
        }
        String path = routeTemplate.startsWith("/") ? routeTemplate.substring(1) : routeTemplate;
        int end = path.indexOf('/');
        String first = end < 0 ? path : path.substring(0, end);
        return first.isBlank() ? ROOT : Text.truncateUtf8(first, MAX_BYTES);
    }

    private String longestPrefixMatch(String route) {
        List<String> prefixes = new ArrayList<>(mapping.keySet());
        prefixes.sort(Comparator.comparingInt(String::length).reversed());
        for (String prefix : prefixes) {
            // "/admin" matches "/admin" and "/admin/users", not "/administrators".
            if (route.equals(prefix) || route.startsWith(prefix.endsWith("/") ? prefix : prefix + "/")) {
                return mapping.get(prefix);
            }
        }
        return null;
    }
}
