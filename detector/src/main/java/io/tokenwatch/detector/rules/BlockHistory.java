package io.tokenwatch.detector.rules;

/**
 * Value of the offence store: how often one client address has been blocked for forged-token bursts,
 * so that a repeat offender is blocked for longer. Immutable.
 *
 * @param offences     blocks issued to the address so far (1 after the first)
 * @param blockedAt    when the latest block was issued, epoch ms
 * @param blockedUntil when the latest block ends ({@code expires_at} of its revocation), epoch ms
 */
public record BlockHistory(int offences, long blockedAt, long blockedUntil) {

    public BlockHistory {
        if (offences < 1) {
            throw new IllegalArgumentException("offences count from 1");
        }
        if (blockedUntil <= blockedAt) {
            throw new IllegalArgumentException("a block must end after it starts");
        }
    }

    /** True while the latest block is in force at {@code time}. */
    boolean isBlockedAt(long time) {
        return time < blockedUntil;
    }

    /** True while an offence at {@code time} still counts as a repeat of this history. */
    boolean remembersAt(long time, long memoryMillis) {
        return time - blockedUntil <= memoryMillis;
    }
}
