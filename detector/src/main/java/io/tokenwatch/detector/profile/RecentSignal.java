package io.tokenwatch.detector.profile;

/**
 * One signal a subject's request raised recently, remembered so a second, independent signal a few
 * minutes later can corroborate it (a travel finding on one request, a new device on the next).
 * Immutable.
 *
 * @param family the signal family's ordinal (rules decide what families mean)
 * @param weight the signal's weight in tenths (0.5 is 5)
 * @param time   when it was raised, epoch ms
 */
public record RecentSignal(int family, int weight, long time) {

    public RecentSignal {
        if (family < 0 || family > 255 || weight < 0 || weight > 255) {
            throw new IllegalArgumentException("family and weight must fit a byte");
        }
    }
}
