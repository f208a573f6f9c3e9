package io.tokenwatch.detector.profile;

import java.util.Locale;

/**
 * Coarse user-agent families: enough to tell a browser from a script, not a fingerprint. A stolen
 * token replayed from {@code python-requests} by a user who only ever used Chrome is the signal; the
 * browser's version is not. Stateless and thread-safe.
 */
public enum UaFamily {
    /** No {@code User-Agent} header at all. */
    NONE,
    CURL,
    PYTHON_REQUESTS,
    OKHTTP,
    FIREFOX,
    /** Chrome and the Chromium family (Edge, Opera, Brave, Chrome on iOS). */
    CHROME,
    SAFARI,
    OTHER;

    private static final UaFamily[] BY_ORDINAL = values();

    /** The family of a {@code User-Agent} header value. */
    public static UaFamily of(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return NONE;
        }
        String ua = userAgent.toLowerCase(Locale.ROOT);
        // Tools first: their strings are short and never claim to be a browser.
        if (ua.startsWith("curl/")) {
            return CURL;
        }
        if (ua.startsWith("python-requests/")) {
            return PYTHON_REQUESTS;
        }
        if (ua.startsWith("okhttp/") || ua.contains(" okhttp/")) {
            return OKHTTP;
        }
        // Browsers name their ancestors too (Chrome says Safari, Edge says Chrome): most specific first.
        if (ua.contains("firefox/") || ua.contains("fxios/")) {
            return FIREFOX;
        }
        if (ua.contains("chrome/") || ua.contains("chromium/") || ua.contains("crios/")) {
            return CHROME;
        }
        if (ua.contains("safari/")) {
            return SAFARI;
        }
        return OTHER;
    }

    /** Inverse of {@link #ordinal()}, for the binary profile format. */
    static UaFamily ofOrdinal(int ordinal) {
        if (ordinal < 0 || ordinal >= BY_ORDINAL.length) {
            throw new IllegalArgumentException("unknown user-agent family " + ordinal);
        }
        return BY_ORDINAL[ordinal];
    }
}
