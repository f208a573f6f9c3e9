package io.tokenwatch.detector.rules;

/**
 * Value of the forged-token campaign store: the forgery-signal rejections that named one claim (a
 * claimed subject, or a claimed {@code kid}/{@code alg}) within the campaign window, from how many
 * distinct client networks and naming how many distinct claimed subjects. Bounded: the rejections by slot
 * ({@link RecentRejections}), the addresses and subjects as capped {@link DistinctSightings}. Immutable.
 *
 * @param rejections the rejections, by slot and outcome
 * @param addresses  the distinct client networks (/24, /48) they came from
 * @param subjects   the distinct subjects they claimed
 */
public record ClaimTally(RecentRejections rejections, DistinctSightings addresses, DistinctSightings subjects) {

    public ClaimTally {
        rejections = rejections == null ? RecentRejections.none() : rejections;
        addresses = addresses == null ? DistinctSightings.none() : addresses;
        subjects = subjects == null ? DistinctSightings.none() : subjects;
    }

    static ClaimTally none() {
        return new ClaimTally(null, null, null);
    }
}
