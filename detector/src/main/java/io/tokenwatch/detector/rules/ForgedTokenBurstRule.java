package io.tokenwatch.detector.rules;

import io.tokenwatch.detector.incident.IncidentPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the forged-token burst rule: at least {@code threshold} forgery-signal rejections
 * ({@code bad_signature}, {@code alg_not_allowed}, {@code unknown_key}, {@code malformed}) from one
 * client IP within {@code window} raise an alert and block that address. The block lasts
 * {@code firstBlock}, multiplied by {@code blockGrowth} for each repeat offence, up to
 * {@code maxBlock}; an address whose last block ended more than {@code offenceMemory} ago starts over.
 *
 * @param threshold     rejections within the window that make a burst (at least 2)
 * @param window        how far back rejections count (a sliding window)
 * @param firstBlock    how long the first offence blocks the address
 * @param blockGrowth   factor by which each repeat offence lengthens the block (at least 1)
 * @param maxBlock      the longest block
 * @param offenceMemory how long after a block ends an offence still counts as a repeat
 * @param incidents     how repeats are grouped into one incident and how often it is re-reported
 */
public record ForgedTokenBurstRule(int threshold, Duration window, Duration firstBlock, int blockGrowth,
                                   Duration maxBlock, Duration offenceMemory, IncidentPolicy incidents) {

    public static final String NAME = "forged_token_burst";
    public static final String VERSION = "1";
    /** Rejections are counted in at most this many slots per window, which bounds state per address. */
    static final int SLOTS_PER_WINDOW = 60;

    public ForgedTokenBurstRule {
        if (threshold < 2) {
            throw new IllegalArgumentException("threshold must be at least 2");
        }
        requirePositive(window, "window");
        requirePositive(firstBlock, "first block");
        requirePositive(maxBlock, "max block");
        requirePositive(offenceMemory, "offence memory");
        if (maxBlock.compareTo(firstBlock) < 0) {
            throw new IllegalArgumentException("max block must be at least the first block");
        }
        if (blockGrowth < 1) {
            throw new IllegalArgumentException("block growth must be at least 1");
        }
        Objects.requireNonNull(incidents, "incidents");
    }

    /** 20 within 60 s; blocks of 5 min, ×4 per repeat, at most 24 h; offences remembered 24 h. */
    public static ForgedTokenBurstRule defaults() {
        return new ForgedTokenBurstRule(20, Duration.ofSeconds(60), Duration.ofMinutes(5), 4, Duration.ofHours(24),
                Duration.ofHours(24), IncidentPolicy.defaults());
    }

    public ForgedTokenBurstRule withThreshold(int value) {
        return new ForgedTokenBurstRule(value, window, firstBlock, blockGrowth, maxBlock, offenceMemory, incidents);
    }

    public ForgedTokenBurstRule withWindow(Duration value) {
        return new ForgedTokenBurstRule(threshold, value, firstBlock, blockGrowth, maxBlock, offenceMemory, incidents);
    }

    public ForgedTokenBurstRule withBlocks(Duration first, int growth, Duration max) {
        return new ForgedTokenBurstRule(threshold, window, first, growth, max, offenceMemory, incidents);
    }

    public ForgedTokenBurstRule withOffenceMemory(Duration value) {
        return new ForgedTokenBurstRule(threshold, window, firstBlock, blockGrowth, maxBlock, value, incidents);
    }

    public ForgedTokenBurstRule withIncidents(IncidentPolicy value) {
        return new ForgedTokenBurstRule(threshold, window, firstBlock, blockGrowth, maxBlock, offenceMemory, value);
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

    /** Width of one counting slot: the window split in {@link #SLOTS_PER_WINDOW}, at least 1 s. */
    long slotMillis() {
        return Math.max(1000, window.toMillis() / SLOTS_PER_WINDOW);
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
