package io.tokenwatch.filter.micronaut;

import io.tokenwatch.filter.ratelimit.RoutePattern;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decisions about a request's raw path that adapters need before the core sees it: whether a path
 * is excluded from checking (health, metrics), and which route template stands for it when the
 * framework matched no route (the gateway proxies everything).
 *
 * <p>A path is only ever excluded when it is in plain form: no dot segments ({@code .}, {@code ..}),
 * no empty segments, no percent-encoding and no backslash. Those forms are exactly what differs
 * between how this check reads a path and how a router or an upstream server may normalize it
 * ({@code /health/../admin}, {@code /health%2F..%2Fadmin}); such a request is checked like any other
 * rather than risk an exclusion that unlocks another route.
 *
 * <p>Route templates use {@code {name}} for one segment: {@code /accounts/{id}} stands for
 * {@code /accounts/42}. The first matching template wins; without a match the raw path is the route.
 *
 * <p>Immutable and thread-safe.
 */
public final class PathRules {

    private final List<RoutePattern> patterns;
    private final List<String[]> templates;
    private final List<String> templateTexts;

    /**
     * @param patterns  glob patterns ({@link RoutePattern}) of the matching paths
     * @param templates route templates for {@link #routeFor(String)}; may be empty
     */
    public PathRules(List<String> patterns, List<String> templates) {
        this.patterns = patterns.stream().map(String::strip).filter(p -> !p.isEmpty()).map(RoutePattern::compile)
                .toList();
        List<String[]> compiled = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (String template : templates) {
            String t = template.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.startsWith("/")) {
                throw new IllegalArgumentException("a route template starts with '/': " + t);
            }
            compiled.add(segments(t));
            texts.add(t);
        }
        this.templates = List.copyOf(compiled);
        this.templateTexts = List.copyOf(texts);
    }

    /** True if {@code rawPath} is in plain form and matches one of the patterns. */
    public boolean matches(String rawPath) {
        if (patterns.isEmpty() || !isPlain(rawPath)) {
            return false;
        }
        for (RoutePattern pattern : patterns) {
            if (pattern.matches(rawPath)) {
                return true;
            }
        }
        return false;
    }

    /** The first template matching {@code rawPath}, or {@code rawPath} itself. */
    public String routeFor(String rawPath) {
        if (templates.isEmpty() || rawPath == null || !rawPath.startsWith("/")) {
            return rawPath;
        }
        String[] parts = segments(rawPath);
        for (int i = 0; i < templates.size(); i++) {
            if (matchesTemplate(templates.get(i), parts)) {
                return templateTexts.get(i);
            }
        }
        return rawPath;
    }

    /** No dot or empty segments, no percent-encoding, no backslash: read the same way by everyone. */
    static boolean isPlain(String rawPath) {
        Objects.requireNonNull(rawPath, "rawPath");
        if (!rawPath.startsWith("/") || rawPath.indexOf('%') >= 0 || rawPath.indexOf('\\') >= 0
                || rawPath.contains("//")) {
            return false;
        }
        for (String segment : segments(rawPath)) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static boolean matchesTemplate(String[] template, String[] parts) {
        if (template.length != parts.length) {
            return false;
        }
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            boolean variable = t.length() > 2 && t.startsWith("{") && t.endsWith("}");
            if (!variable && !t.equals(parts[i])) {
                return false;
            }
            if (variable && parts[i].isEmpty()) {
                return false;
            }
        }
        return true;
    }

    private static String[] segments(String path) {
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return trimmed.equals("/") ? new String[0] : trimmed.substring(1).split("/", -1);
    }
}
