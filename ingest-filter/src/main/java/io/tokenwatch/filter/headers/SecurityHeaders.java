package io.tokenwatch.filter.headers;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tokenwatch.filter.ratelimit.RoutePattern;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The response-header policy (seed layer 6): which security headers go on every response the filter
 * sees, refusals included, with per-route overrides.
 *
 * <p>Defaults, for a JSON API that no browser should frame, sniff, cache or render as a page:
 * <ul>
 *   <li>{@code Content-Security-Policy: default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'}
 *       (CSP Level 3: nothing may load; {@code frame-ancestors 'none'} forbids framing)</li>
 *   <li>{@code X-Frame-Options: DENY} (RFC 7034, for browsers without {@code frame-ancestors})</li>
 *   <li>{@code X-Content-Type-Options: nosniff}</li>
 *   <li>{@code Referrer-Policy: strict-origin-when-cross-origin}</li>
 *   <li>{@code Cross-Origin-Opener-Policy: same-origin}</li>
 *   <li>{@code Permissions-Policy} denying sensors, camera, microphone, geolocation, payment, USB</li>
 *   <li>{@code X-XSS-Protection: 0}: the legacy XSS auditor is itself an attack surface; turn it off</li>
 *   <li>{@code Strict-Transport-Security: max-age=31536000; includeSubDomains} only on HTTPS
 *       responses (RFC 6797 §7.2: not over plain HTTP), unless {@link Builder#hstsAlways(boolean)} says
 *       TLS ends in front of the filter</li>
 *   <li>{@code Cache-Control: no-store} only on authenticated responses (RFC 9111 §5.2.2.5): what a
 *       token unlocked must not sit in any cache</li>
 * </ul>
 *
 * <p>A route override ({@link Builder#route(String, Consumer)}) starts from the defaults and sets or
 * removes headers for routes matching a {@link RoutePattern}; the first matching override wins.
 * {@code Strict-Transport-Security} and {@code Cache-Control} may be overridden or removed too, but
 * keep their conditions. Header names compare case-insensitively. Names and values are checked at
 * build time (no CR/LF), so configuration cannot inject headers.
 *
 * <p>Immutable and thread-safe. Every combination of route override × secure × authenticated is
 * built once, so a lookup allocates nothing.
 */
public final class SecurityHeaders {

    public static final String CONTENT_SECURITY_POLICY = "Content-Security-Policy";
    public static final String X_FRAME_OPTIONS = "X-Frame-Options";
    public static final String X_CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";
    public static final String REFERRER_POLICY = "Referrer-Policy";
    public static final String CROSS_ORIGIN_OPENER_POLICY = "Cross-Origin-Opener-Policy";
    public static final String PERMISSIONS_POLICY = "Permissions-Policy";
    public static final String X_XSS_PROTECTION = "X-XSS-Protection";
    public static final String STRICT_TRANSPORT_SECURITY = "Strict-Transport-Security";
    public static final String CACHE_CONTROL = "Cache-Control";

    private static final Map<String, String> DEFAULTS = defaultsInOrder();
    private static final int NO_ROUTE = -1;

    private final Variants defaults;
    private final List<RoutePattern> patterns;
    private final List<Variants> overrides;
    private final boolean hstsAlways;
    private final Cache<String, Integer> overrideIndexByRoute = Caffeine.newBuilder().maximumSize(4096).build();

    private SecurityHeaders(Builder builder) {
        this.hstsAlways = builder.hstsAlways;
        this.defaults = new Variants(builder.headers);
        this.patterns = List.copyOf(builder.patterns);
        List<Variants> compiled = new ArrayList<>();
        for (Consumer<Overrides> change : builder.changes) {
            Overrides route = new Overrides(builder.headers);
            change.accept(route);
            compiled.add(new Variants(route.headers));
        }
        this.overrides = List.copyOf(compiled);
    }

    /** The defaults above, HSTS on HTTPS only, no route overrides. */
    public static SecurityHeaders defaults() {
        return builder().build();
    }

    /** No headers at all: for deployments where something else in front sets them. */
    public static SecurityHeaders none() {
        Builder builder = builder();
        for (String name : DEFAULTS.keySet()) {
            builder.remove(name);
        }
        return builder.build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The headers to put on one response. Unmodifiable.
     *
     * @param route         the route template of the request
     * @param secure        true if the request arrived over HTTPS
     * @param authenticated true if the response is served on the strength of a verified token
     */
    public Map<String, String> headersFor(String route, boolean secure, boolean authenticated) {
        return variantsFor(route).get(secure || hstsAlways, authenticated);
    }

    private Variants variantsFor(String route) {
        if (patterns.isEmpty() || route == null) {
            return defaults;
        }
        int index = overrideIndexByRoute.get(route, this::firstMatch);
        return index == NO_ROUTE ? defaults : overrides.get(index);
    }

    private int firstMatch(String route) {
        for (int i = 0; i < patterns.size(); i++) {
            if (patterns.get(i).matches(route)) {
                return i;
            }
        }
        return NO_ROUTE;
    }

    private static Map<String, String> defaultsInOrder() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        d.put(X_FRAME_OPTIONS, "DENY");
        d.put(X_CONTENT_TYPE_OPTIONS, "nosniff");
        d.put(REFERRER_POLICY, "strict-origin-when-cross-origin");
        d.put(CROSS_ORIGIN_OPENER_POLICY, "same-origin");
        d.put(PERMISSIONS_POLICY, "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                + "microphone=(), payment=(), usb=()");
        d.put(X_XSS_PROTECTION, "0");
        d.put(STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
        d.put(CACHE_CONTROL, "no-store");
        return d;
    }

    /** The four prebuilt header maps of one header set: (HSTS or not) × (authenticated or not). */
    private static final class Variants {

        private final Map<String, String> plain;
        private final Map<String, String> hsts;
        private final Map<String, String> authenticated;
        private final Map<String, String> hstsAuthenticated;

        Variants(Map<String, String> headers) {
            Map<String, String> always = new LinkedHashMap<>(headers);
            String hstsValue = always.remove(STRICT_TRANSPORT_SECURITY);
            String cacheValue = always.remove(CACHE_CONTROL);
            this.plain = Map.copyOf(always);
            this.hsts = with(always, STRICT_TRANSPORT_SECURITY, hstsValue);
            this.authenticated = with(always, CACHE_CONTROL, cacheValue);
            this.hstsAuthenticated = with(with(always, STRICT_TRANSPORT_SECURITY, hstsValue), CACHE_CONTROL, cacheValue);
        }

        Map<String, String> get(boolean hstsApplies, boolean isAuthenticated) {
            if (hstsApplies) {
                return isAuthenticated ? hstsAuthenticated : hsts;
            }
            return isAuthenticated ? authenticated : plain;
        }

        private static Map<String, String> with(Map<String, String> base, String name, String value) {
            if (value == null) {
                return Map.copyOf(base);
            }
            Map<String, String> out = new LinkedHashMap<>(base);
            out.put(name, value);
            return Map.copyOf(out);
        }
    }

    /** The header changes of one route override; starts from the policy's defaults. Not thread-safe. */
    public static final class Overrides {

        private final Map<String, String> headers;

        private Overrides(Map<String, String> defaults) {
            this.headers = new LinkedHashMap<>(defaults);
        }

        /** Sets (or replaces) a header for the matching routes. */
        public Overrides set(String name, String value) {
            put(headers, name, value);
            return this;
        }

        /** Sends no such header on the matching routes. */
        public Overrides remove(String name) {
            headers.remove(canonicalName(headers, requireName(name)));
            return this;
        }
    }

    /** Options of a {@link SecurityHeaders} policy, starting from the defaults. Not thread-safe. */
    public static final class Builder {

        private final Map<String, String> headers = new LinkedHashMap<>(DEFAULTS);
        private final List<RoutePattern> patterns = new ArrayList<>();
        private final List<Consumer<Overrides>> changes = new ArrayList<>();
        private boolean hstsAlways;

        private Builder() {
        }

        /** Sets (or replaces) a header on every response, e.g. a less strict CSP for all routes. */
        public Builder set(String name, String value) {
            put(headers, name, value);
            return this;
        }

        /** Sends no such header by default. */
        public Builder remove(String name) {
            headers.remove(canonicalName(headers, requireName(name)));
            return this;
        }

        /**
         * Sends {@code Strict-Transport-Security} on plain-HTTP requests too: for a filter behind a
         * TLS-terminating proxy, where the client's connection is HTTPS though the filter's is not.
         */
        public Builder hstsAlways(boolean hstsAlways) {
            this.hstsAlways = hstsAlways;
            return this;
        }

        /**
         * Overrides headers for routes matching {@code pattern}, e.g. an HTML page that needs its own CSP:
         * {@code route("/docs/**", r -> r.set("Content-Security-Policy", "default-src 'self'"))}.
         * Overrides are tried in the order added; they apply on top of this builder's headers as they
         * are when {@link #build()} runs.
         */
        public Builder route(String pattern, Consumer<Overrides> change) {
            patterns.add(RoutePattern.compile(pattern));
            changes.add(Objects.requireNonNull(change, "change"));
            return this;
        }

        public SecurityHeaders build() {
            return new SecurityHeaders(this);
        }
    }

    private static void put(Map<String, String> headers, String name, String value) {
        requireName(name);
        requireValue(name, value);
        String existing = canonicalName(headers, name);
        headers.remove(existing);
        // Keep our spelling of well-known names, so the conditional ones are still recognized.
        headers.put(wellKnownSpelling(name), value);
    }

    private static String canonicalName(Map<String, String> headers, String name) {
        for (String key : headers.keySet()) {
            if (key.equalsIgnoreCase(name)) {
                return key;
            }
        }
        return name;
    }

    private static String wellKnownSpelling(String name) {
        for (String known : DEFAULTS.keySet()) {
            if (known.equalsIgnoreCase(name)) {
                return known;
            }
        }
        return name;
    }

    /** RFC 9110 §5.1: a field name is a token. */
    private static String requireName(String name) {
        Objects.requireNonNull(name, "header name");
        if (name.isEmpty() || !name.chars().allMatch(SecurityHeaders::isTokenChar)) {
            throw new IllegalArgumentException("not a header name: " + name);
        }
        return name;
    }

    /** RFC 9110 §5.5: visible characters, spaces and tabs; never CR, LF or NUL. */
    private static void requireValue(String name, String value) {
        Objects.requireNonNull(value, () -> "value of " + name);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7e))) {
                throw new IllegalArgumentException("header " + name + " has a character that is not allowed");
            }
        }
    }

    private static boolean isTokenChar(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
