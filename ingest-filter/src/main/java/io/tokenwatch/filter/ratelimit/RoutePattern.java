package io.tokenwatch.filter.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A glob over route templates, segment by segment: {@code *} matches exactly one segment,
 * {@code **} any number of segments (none included), anything else matches that segment literally.
 * {@code /api/**} matches {@code /api}, {@code /api/accounts} and {@code /api/accounts/{id}};
 * {@code /accounts/*} matches {@code /accounts/{id}} but not {@code /accounts/{id}/cards}.
 *
 * <p>Patterns are matched against the route <em>template</em> the adapter reports
 * ({@code /accounts/{id}}), so a literal segment such as {@code {id}} is fine too. Wildcards inside
 * a segment ({@code v*}) are refused when compiling: half-globs are where route rules surprise people.
 * Matching is case-sensitive and never backtracks more than once per {@code **}.
 *
 * <p>Used by the rate-limit policy and by the security-header policy. Immutable and thread-safe.
 */
public final class RoutePattern {

    private static final String ONE = "*";
    private static final String ANY = "**";

    private final String pattern;
    private final String[] segments;

    private RoutePattern(String pattern, String[] segments) {
        this.pattern = pattern;
        this.segments = segments;
    }

    /**
     * @param glob a pattern starting with {@code /}, e.g. {@code /api/**}; {@code /**} matches every route
     * @throws IllegalArgumentException if it does not start with {@code /} or mixes wildcards into a segment
     */
    public static RoutePattern compile(String glob) {
        Objects.requireNonNull(glob, "pattern");
        if (!glob.startsWith("/")) {
            throw new IllegalArgumentException("a route pattern starts with '/': " + glob);
        }
        String[] segments = split(glob);
        for (String segment : segments) {
            if (segment.indexOf('*') >= 0 && !segment.equals(ONE) && !segment.equals(ANY)) {
                throw new IllegalArgumentException("'*' and '**' must be whole segments: " + glob);
            }
        }
        return new RoutePattern(glob, segments);
    }

    /** True if {@code route} (a template such as {@code /accounts/{id}}) matches this pattern. */
    public boolean matches(String route) {
        if (route == null || !route.startsWith("/")) {
            return false;
        }
        String[] parts = split(route);
        // Segment-wise wildcard matching: remember the last '**' and how much it has swallowed, and on
        // a mismatch let it swallow one more segment. Linear in practice, O(n·m) at worst.
        int p = 0;
        int r = 0;
        int star = -1;
        int swallowedUpTo = 0;
        while (r < parts.length) {
            if (p < segments.length && segments[p].equals(ANY)) {
                star = p++;
                swallowedUpTo = r;
            } else if (p < segments.length && (segments[p].equals(ONE) || segments[p].equals(parts[r]))) {
                p++;
                r++;
            } else if (star >= 0) {
                p = star + 1;
                r = ++swallowedUpTo;
            } else {
                return false;
            }
        }
        while (p < segments.length && segments[p].equals(ANY)) {
            p++;
        }
        return p == segments.length;
    }

    /** The pattern text as given. */
    public String pattern() {
        return pattern;
    }

    @Override
    public String toString() {
        return pattern;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RoutePattern other && pattern.equals(other.pattern);
    }

    @Override
    public int hashCode() {
        return pattern.hashCode();
    }

    /** The segments after the leading '/'; "/" alone has none, a trailing '/' adds an empty one. */
    private static String[] split(String path) {
        if (path.length() == 1) {
            return new String[0];
        }
        List<String> out = new ArrayList<>(8);
        int start = 1;
        while (true) {
            int slash = path.indexOf('/', start);
            if (slash < 0) {
                out.add(path.substring(start));
                return out.toArray(new String[0]);
            }
            out.add(path.substring(start, slash));
            start = slash + 1;
        }
    }
}
