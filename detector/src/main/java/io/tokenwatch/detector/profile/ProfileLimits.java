package io.tokenwatch.detector.profile;

/**
 * Caps on the collections inside one profile, so that no subject's state grows without bound
 * whatever its traffic: with the defaults a profile serializes to well under 2 KB (see
 * {@code ProfileSizeTest}). Each cap is at most 255 (one byte in the binary format).
 *
 * @param routeClasses request-rate baselines kept (least recently counted evicted)
 * @param countries    countries remembered
 * @param networks     client networks (ASN, /24 or /48) remembered
 * @param devices      device ids remembered
 * @param userAgents   user-agent families remembered
 * @param places       located places remembered, one per holder (device, or token without one)
 * @param trails       network trails remembered, one per holder (device and token), for interleaving
 * @param signals      recent signals remembered for corroboration
 */
public record ProfileLimits(int routeClasses, int countries, int networks, int devices, int userAgents,
                            int places, int trails, int signals) {

    static final int MAX = 255;

    public ProfileLimits {
        for (int cap : new int[] {routeClasses, countries, networks, devices, userAgents, places, trails, signals}) {
            if (cap < 1 || cap > MAX) {
                throw new IllegalArgumentException("profile caps must be between 1 and 255, was " + cap);
            }
        }
    }

    /**
     * 6 route classes, 8 countries, 16 networks, 8 devices, 8 user-agent families, 4 places (holders),
     * 4 trails, 6 signals.
     */
    public static ProfileLimits defaults() {
        return new ProfileLimits(6, 8, 16, 8, 8, 4, 4, 6);
    }
}
