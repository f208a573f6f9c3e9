package io.tokenwatch.detector.revocation;

import io.tokenwatch.schemas.Revocation;

import java.util.Objects;
import java.util.Optional;

/**
 * Decides what the detector publishes under a key, given the revocation a rule issued and what
 * {@code tokenwatch.revocations} already holds there ({@link LatestRevocations.Latest}), so that the
 * detector never weakens a revocation: an operator's, another rule's or another deployment's decision
 * to revoke for longer or more strongly stands. The topic is compacted and filters enforce only the last
 * value under a key, so publishing a rule's 5-minute block over an operator's live 2-hour block would
 * end the operator's block after 5 minutes, and a throttle over a block would downgrade it.
 *
 * <p>The rule, with "stronger" meaning {@code block} &gt; {@code step_up} &gt; {@code throttle}:
 * <ul>
 *   <li>nothing under the key, or a void entry: what was issued is published as it is;</li>
 *   <li>a live revocation that already covers what was issued (as strong an action, an
 *       {@code expires_at} as late, and for subject scope a {@code not_before} cutoff as late, since a
 *       later cutoff revokes more tokens): nothing is published; the topic already says it;</li>
 *   <li>a live revocation that what was issued covers: what was issued is published as it is (nothing
 *       of the old entry would survive a merge, so none is noted);</li>
 *   <li>otherwise a merge of both: the stronger action, the later {@code expires_at}, for subject scope
 *       the later {@code not_before}; reason and source are the issued ones, the reason noting the
 *       source merged with; {@code created_at} is now. One record cannot express "block until 5 min,
 *       then throttle until 2 h", so a merge can revoke more than either record asked for (here: block
 *       for 2 h). That is the side to err on.</li>
 * </ul>
 * A live value whose terms this version cannot know is never overwritten, because what it revokes
 * cannot be shown to be covered: one that cannot be read but may be a revocation, one from a later
 * {@code schema_version} (fields this version would drop), and one whose content does not belong
 * under the key. Such a key gets no revocation from the detector until someone rewrites or lifts it.
 * An issued revocation that is already void when it reaches this step (issued from a backlog of old
 * events) adds nothing a filter would enforce, so it is not published over a live entry either.
 *
 * <p>Liveness is judged by the wall clock passed in, the clock filters enforce by, and against the
 * latest value this instance has read, which trails the topic (see {@link LatestRevocations}). This is
 * read-then-write, not compare-and-set, which Kafka does not offer: a value someone else publishes under
 * the key within that lag before ours is not seen, and ours can still replace it.
 *
 * <p>Stateless and thread-safe.
 */
final class NeverWeaken {

    /** Longest {@code reason} a merge writes; an operator's source string is theirs, not bounded upstream. */
    static final int MAX_REASON_LENGTH = 256;
    /** Longest part of the merged-with source quoted in a merged reason. */
    static final int MAX_NOTED_SOURCE_LENGTH = 96;

    private NeverWeaken() {
    }

    /**
     * What to publish under {@code issued.key()} instead of {@code issued}, if anything.
     *
     * @param issued    what a rule issued
     * @param latest    what the topic holds under the same key at {@code nowMillis}
     * @param nowMillis the wall clock
     * @return the revocation to publish: {@code issued} itself, or a merge; empty if the topic already
     *         holds as much or its value cannot be compared
     */
    static Optional<Revocation> toPublish(Revocation issued, LatestRevocations.Latest latest, long nowMillis) {
        Objects.requireNonNull(issued, "issued");
        Objects.requireNonNull(latest, "latest");
        if (latest.state() != LatestRevocations.State.LIVE) {
            return Optional.of(issued);
        }
        if (issued.isVoidAt(nowMillis)) {
            return Optional.empty();
        }
        if (latest.garbage()) {
            // Garbage revokes nothing for any filter (each keeps what it had, a new one gets nothing once
            // compaction has dropped the record before it): writing over it can only add protection.
            return Optional.of(issued);
        }
        if (!isComparable(latest, issued)) {
            return Optional.empty();
        }
        Revocation live = latest.revocation();
        if (covers(live, issued)) {
            return Optional.empty();
        }
        if (covers(issued, live)) {
            return Optional.of(issued);
        }
        return Optional.of(merge(issued, live, nowMillis));
    }

    /**
     * True if the terms of the live value are known here: it could be read, its contract version is not
     * later than this one's, and it is a revocation of the same thing ({@link Revocation#key()} equal,
     * hence the same scope, issuer and value).
     */
    static boolean isComparable(LatestRevocations.Latest latest, Revocation issued) {
        Revocation live = latest.revocation();
        return live != null
                && live.schemaVersion() <= Revocation.SCHEMA_VERSION
                && live.key().equals(issued.key());
    }

    /** True if filters enforcing {@code a} reject at least every request {@code b} would have them reject. */
    static boolean covers(Revocation a, Revocation b) {
        return strength(a.action()) >= strength(b.action())
                && a.expiresAt() >= b.expiresAt()
                && (a.scope() != Revocation.Scope.SUBJECT || a.notBefore() >= b.notBefore());
    }

    /** {@code block} refuses the request, {@code step_up} demands a new login, {@code throttle} only slows it. */
    static int strength(Revocation.Action action) {
        return switch (action) {
            case BLOCK -> 3;
            case STEP_UP -> 2;
            case THROTTLE -> 1;
        };
    }

    private static Revocation merge(Revocation issued, Revocation live, long nowMillis) {
        Revocation.Action action = strength(live.action()) > strength(issued.action()) ? live.action()
                : issued.action();
        Long notBefore = issued.scope() == Revocation.Scope.SUBJECT
                ? Long.valueOf(Math.max(issued.notBefore(), live.notBefore()))
                : issued.notBefore();
        // expires_at >= live's, which is after nowMillis since live is live: a valid created_at.
        return new Revocation(Revocation.SCHEMA_VERSION, issued.scope(), issued.issuer(), issued.value(), action,
                notBefore, Math.max(issued.expiresAt(), live.expiresAt()), mergedReason(issued, live),
                issued.source(), nowMillis);
    }

    private static String mergedReason(Revocation issued, Revocation live) {
        String reason = issued.reason() + "; merged with " + bounded(live.source(), MAX_NOTED_SOURCE_LENGTH);
        return bounded(reason, MAX_REASON_LENGTH);
    }

    /** {@code text} on one line, cut to {@code max} characters (an ellipsis marking the cut). */
    private static String bounded(String text, int max) {
        String oneLine = text.replaceAll("\\p{Cntrl}", " ");
        if (oneLine.length() <= max) {
            return oneLine;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
            end--;
        }
        return oneLine.substring(0, end) + "…";
    }
}
