package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.IncidentPolicy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of the forged-token burst rule, per client address: reaching any of
 * {@code thresholds} (forgery-signal rejections: {@code bad_signature}, {@code alg_not_allowed},
 * {@code unknown_key}, {@code malformed}, from one client IP within that threshold's window) raises an
 * alert and blocks that address. Several windows, so that a flood paced just under the short window's
 * threshold still reaches a longer one. The block lasts {@code firstBlock}, multiplied by
 * {@code blockGrowth} for each repeat offence, up to {@code maxBlock}; an address whose last block
 * ended more than {@code offenceMemory} ago starts over.
 *
 * <p>A burst of {@code unknown_key} for one {@code kid} from an address that also carries many
 * verified subjects ({@code rotation}) is an issuer that signs with a key the filters do not have yet:
 * the operator is alerted ({@link #KEY_ROTATION}) and the address is not blocked.
 *
 * @param thresholds    (count, window) pairs, shortest window first; at least one
 * @param firstBlock    how long the first offence blocks the address
 * @param blockGrowth   factor by which each repeat offence lengthens the block (at least 1)
 * @param maxBlock      the longest block
 * @param offenceMemory how long after a block ends an offence still counts as a repeat
 * @param rotation      when a burst is an issuer's key rotation rather than forgery
 * @param campaign      the alert-only aggregates across addresses, per claimed subject and per claimed
 *                      {@code kid}/{@code alg} ({@link ForgedTokenCampaignProcessor})
 * @param incidents     how repeats are grouped into one incident and how often it is re-reported
 */
public record ForgedTokenBurstRule(List<Threshold> thresholds, Duration firstBlock, int blockGrowth,
                                   Duration maxBlock, Duration offenceMemory, KeyRotation rotation,
                                   Campaign campaign, IncidentPolicy incidents) {

    public static final String NAME = "forged_token_burst";
    public static final String VERSION = "2";
    /** The operator finding for an issuer's key rotation seen as an {@code unknown_key} burst. */
    public static final String KEY_ROTATION = "key_rotation_suspected";
    /** Rejections are counted in at most this many slots per window, which bounds state per address. */
    static final int SLOTS_PER_WINDOW = 60;

    /**
     * At least {@code count} forgery-signal rejections from one address within {@code window}.
     *
     * @param count  rejections that make a burst (at least 2)
     * @param window how far back they count (a sliding window)
     */
    public record Threshold(int count, Duration window) {

        public Threshold {
            if (count < 2) {
                throw new IllegalArgumentException("threshold must be at least 2");
            }
            requirePositive(window, "window");
        }

        /** Width of one counting slot: the window split in {@link #SLOTS_PER_WINDOW}, at least 1 s. */
        long slotMillis() {
            return Math.max(1000, window.toMillis() / SLOTS_PER_WINDOW);
        }
    }

    /**
     * When a burst from one address is an issuer-side key rotation: at least {@code unknownKeyShare} of
     * the burst is {@code unknown_key}, at least that share of those name one {@code kid}, and the
     * address carried at least {@code minVerifiedSubjects} distinct verified subjects within
     * {@code populationWindow} (a corporate NAT, not an attacker's host).
     *
     * @param minVerifiedSubjects distinct verified subjects that make an address a shared one; 0 turns
     *                            the distinction off (every burst blocks)
     * @param populationWindow    how far back verified subjects count
     * @param unknownKeyShare     share (0–1] of the burst that must be {@code unknown_key} for one kid
     */
    public record KeyRotation(int minVerifiedSubjects, Duration populationWindow, double unknownKeyShare) {

        public KeyRotation {
            if (minVerifiedSubjects < 0) {
                throw new IllegalArgumentException("min verified subjects must not be negative");
            }
            requirePositive(populationWindow, "population window");
            if (!(unknownKeyShare > 0 && unknownKeyShare <= 1)) {
                throw new IllegalArgumentException("unknown-key share must be in (0, 1]");
            }
        }

        /**
         * 20 verified subjects within 24 h (a day, so that a rotation that breaks everyone's first
         * request of the morning still finds yesterday's users behind the NAT); 80 % of the burst
         * {@code unknown_key} for one kid.
         */
        public static KeyRotation defaults() {
            return new KeyRotation(20, Duration.ofHours(24), 0.8);
        }

        boolean enabled() {
            return minVerifiedSubjects > 0;
        }

        /** Most subjects remembered per address: the decision only needs to know the minimum was reached. */
        int subjectCap() {
            return minVerifiedSubjects + 8;
        }
    }

    /**
     * Forged tokens aggregated across addresses, alert only: at least {@code minRejections} forgery
     * signals from at least {@code minAddresses} distinct client networks ({@link ClientNetwork}: /24,
     * /48) within {@code window} naming one
     * claimed subject (a victim targeted from a botnet, each address below its own threshold), or one
     * claimed {@code kid}/{@code alg}. When such a {@code kid} aggregate is almost all
     * {@code unknown_key} and names at least {@code manySubjects} distinct subjects, it is an issuer's
     * key rotation seen by many users, reported as {@link #KEY_ROTATION}.
     *
     * @param minAddresses  distinct client networks (at least 2)
     * @param minRejections forgery signals (at least 2)
     * @param window        how far back both count
     * @param manySubjects  distinct claimed subjects that make a {@code kid} aggregate a rotation
     */
    public record Campaign(int minAddresses, int minRejections, Duration window, int manySubjects) {

        public Campaign {
            if (minAddresses < 2 || minRejections < 2 || manySubjects < 2) {
                throw new IllegalArgumentException("campaign minimums must be at least 2");
            }
            requirePositive(window, "campaign window");
        }

        /** 10 networks and 20 rejections within 1 h; 10 claimed subjects make a rotation. */
        public static Campaign defaults() {
            return new Campaign(10, 20, Duration.ofHours(1), 10);
        }

        long slotMillis() {
            return Math.max(1000, window.toMillis() / SLOTS_PER_WINDOW);
        }

        int cap() {
            return Math.max(minAddresses, manySubjects) + 8;
        }
    }

    public ForgedTokenBurstRule {
        Objects.requireNonNull(thresholds, "thresholds");
        if (thresholds.isEmpty()) {
            throw new IllegalArgumentException("at least one threshold");
        }
        thresholds = List.copyOf(thresholds);
        requirePositive(firstBlock, "first block");
        requirePositive(maxBlock, "max block");
        requirePositive(offenceMemory, "offence memory");
        if (maxBlock.compareTo(firstBlock) < 0) {
            throw new IllegalArgumentException("max block must be at least the first block");
        }
        if (blockGrowth < 1) {
            throw new IllegalArgumentException("block growth must be at least 1");
        }
        Objects.requireNonNull(rotation, "rotation");
        Objects.requireNonNull(campaign, "campaign");
        Objects.requireNonNull(incidents, "incidents");
    }

    /**
     * 20 within 1 min, 100 within 10 min (a flood paced at 19 a minute reaches it in under 6 min),
     * 300 within 1 h; blocks of 5 min, ×4 per repeat, at most 24 h; offences remembered 24 h; key
     * rotation per {@link KeyRotation#defaults()}.
     */
    public static ForgedTokenBurstRule defaults() {
        return new ForgedTokenBurstRule(List.of(new Threshold(20, Duration.ofMinutes(1)),
                new Threshold(100, Duration.ofMinutes(10)), new Threshold(300, Duration.ofHours(1))),
                Duration.ofMinutes(5), 4, Duration.ofHours(24), Duration.ofHours(24), KeyRotation.defaults(),
                Campaign.defaults(), IncidentPolicy.defaults());
    }

    /** The shortest window's count. */
    public int threshold() {
        return thresholds.get(0).count();
    }

    /** The shortest window. */
    public Duration window() {
        return thresholds.get(0).window();
    }

    /** The longest window: how long an address's rejections are remembered. */
    public Duration longestWindow() {
        return thresholds.stream().map(Threshold::window).max(Duration::compareTo).orElseThrow();
    }

    /** Changes the shortest window's count. */
    public ForgedTokenBurstRule withThreshold(int value) {
        return withFirst(new Threshold(value, window()));
    }

    /** Changes the shortest window. */
    public ForgedTokenBurstRule withWindow(Duration value) {
        return withFirst(new Threshold(threshold(), value));
    }

    public ForgedTokenBurstRule withThresholds(List<Threshold> value) {
        return new ForgedTokenBurstRule(value, firstBlock, blockGrowth, maxBlock, offenceMemory, rotation,
                campaign, incidents);
    }

    public ForgedTokenBurstRule withBlocks(Duration first, int growth, Duration max) {
        return new ForgedTokenBurstRule(thresholds, first, growth, max, offenceMemory, rotation,
                campaign, incidents);
    }

    public ForgedTokenBurstRule withOffenceMemory(Duration value) {
        return new ForgedTokenBurstRule(thresholds, firstBlock, blockGrowth, maxBlock, value, rotation,
                campaign, incidents);
    }

    public ForgedTokenBurstRule withRotation(KeyRotation value) {
        return new ForgedTokenBurstRule(thresholds, firstBlock, blockGrowth, maxBlock, offenceMemory, value,
                campaign, incidents);
    }

    public ForgedTokenBurstRule withCampaign(Campaign value) {
        return new ForgedTokenBurstRule(thresholds, firstBlock, blockGrowth, maxBlock, offenceMemory, rotation, value,
                incidents);
    }

    public ForgedTokenBurstRule withIncidents(IncidentPolicy value) {
        return new ForgedTokenBurstRule(thresholds, firstBlock, blockGrowth, maxBlock, offenceMemory, rotation,
                campaign, value);
    }

    private ForgedTokenBurstRule withFirst(Threshold first) {
        List<Threshold> changed = new ArrayList<>(thresholds);
        changed.set(0, first);
        return withThresholds(changed);
    }

    /** How long the {@code offence}-th offence (1 = first) blocks an address. */
    public Duration blockFor(int offence) {
        if (offence < 1) {
            throw new IllegalArgumentException("offences count from 1");
        }
        Duration block = firstBlock;
        for (int i = 1; i < offence && block.compareTo(maxBlock) < 0; i++) {
            block = block.multipliedBy(blockGrowth);
        }
        return block.compareTo(maxBlock) > 0 ? maxBlock : block;
    }

    /** Width of the shortest window's counting slot. */
    long slotMillis() {
        return thresholds.get(0).slotMillis();
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
