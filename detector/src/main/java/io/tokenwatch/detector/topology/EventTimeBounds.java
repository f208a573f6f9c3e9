package io.tokenwatch.detector.topology;

import java.time.Duration;
import java.util.Objects;

/**
 * How far a usage event's {@code event_time} may lie from the time Kafka gives its record before the
 * detector refuses to judge it. Immutable.
 *
 * <p>The reference is the record's own timestamp, the producer's create time that the broker accepted
 * (within its {@code log.message.timestamp.after.max.ms}, 1 h by default since Kafka 4.0), capped by the
 * detector's wall clock for the future side, so a topic reprocessed from an old offset is judged against
 * the times its records were written, not against today.
 *
 * @param maxFutureSkew how far past the reference {@code event_time} may be; a filter whose clock runs
 *                      ahead by more is refused, since its times would be written to changelogs and
 *                      outputs that the broker rejects past its own limit (which would stop the detector)
 * @param maxAge        how far before the reference {@code event_time} may be; an older event reports a
 *                      decision no window of any rule still covers (the usage topic keeps 7 days)
 */
public record EventTimeBounds(Duration maxFutureSkew, Duration maxAge) {

    /** Five minutes of clock skew, a week of age: the usage topic's own retention. */
    public static final EventTimeBounds DEFAULT = new EventTimeBounds(Duration.ofMinutes(5), Duration.ofDays(7));

    public EventTimeBounds {
        Objects.requireNonNull(maxFutureSkew, "maxFutureSkew");
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxFutureSkew.isNegative() || maxFutureSkew.isZero()) {
            throw new IllegalArgumentException("max future skew must be positive, was " + maxFutureSkew);
        }
        if (maxAge.compareTo(maxFutureSkew) <= 0) {
            throw new IllegalArgumentException("max age must exceed the max future skew, was " + maxAge);
        }
    }

    /**
     * Why {@code eventTime} is implausible for a record stamped {@code recordTime} seen at {@code nowMillis},
     * or {@code null} when it is plausible.
     */
    public String implausibility(long eventTime, long recordTime, long nowMillis) {
        long futureReference = Math.min(recordTime, nowMillis);
        long ahead = saturatingSubtract(eventTime, futureReference);
        if (ahead > maxFutureSkew.toMillis()) {
            return "event_time " + eventTime + " is " + ahead + " ms ahead of the record's time " + futureReference
                    + " (max future skew " + maxFutureSkew.toMillis() + " ms): the deciding filter's clock runs ahead";
        }
        long behind = saturatingSubtract(recordTime, eventTime);
        if (behind > maxAge.toMillis()) {
            return "event_time " + eventTime + " is " + behind + " ms older than the record's time " + recordTime
                    + " (max age " + maxAge.toMillis() + " ms)";
        }
        return null;
    }

    private static long saturatingSubtract(long a, long b) {
        long r = a - b;
        // Overflow only when the operands' signs differ and the result's sign differs from a's.
        if (((a ^ b) & (a ^ r)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }
}
