package io.tokenwatch.launcher.bench;

/**
 * What the traffic generator simulates. Immutable.
 *
 * @param seed             the only source of randomness: one seed, one stream of events
 * @param users            benign users simulated (victims are drawn from them)
 * @param historyDays      days of ordinary traffic before the evaluation window, so profiles are past
 *                         the detector's learning period (50 events over 3 days by default)
 * @param evaluationDays   days in which attacks, trips and new devices happen
 * @param attacksPerType   attacks of each {@link AttackType}, each on its own victim
 * @param travelShare      share of users who take a train trip in the evaluation window
 * @param newDeviceShare   share of users who start using a new phone in the evaluation window
 * @param start            event time of the first simulated day's midnight (UTC), epoch ms
 */
public record Scenario(long seed, int users, int historyDays, int evaluationDays, int attacksPerType,
                       double travelShare, double newDeviceShare, long start) {

    public static final long DEFAULT_START = 1_800_230_400_000L; // 2027-01-16T00:00Z, a Saturday
    private static final long DAY = 86_400_000L;

    public Scenario {
        if (users < 1 || historyDays < 4 || evaluationDays < 1 || attacksPerType < 0) {
            throw new IllegalArgumentException("need users >= 1, history >= 4 days (learning is 3), evaluation >= 1 day");
        }
        if (4L * attacksPerType > users) {
            throw new IllegalArgumentException("each attack needs its own victim: 4 x attacks per type must not exceed users");
        }
        if (!(travelShare >= 0 && travelShare <= 1) || !(newDeviceShare >= 0 && newDeviceShare <= 1)) {
            throw new IllegalArgumentException("shares must be in [0, 1]");
        }
        if (start % DAY != 0) {
            throw new IllegalArgumentException("start must be a UTC midnight");
        }
    }

    /** 1000 users, 10 days of history, 2 days of evaluation, 20 attacks of each type, 3 % travel, 2 % new phones. */
    public static Scenario defaults() {
        return new Scenario(42, 1000, 10, 2, 20, 0.03, 0.02, DEFAULT_START);
    }

    public Scenario withUsers(int value) {
        return new Scenario(seed, value, historyDays, evaluationDays, attacksPerType, travelShare, newDeviceShare, start);
    }

    public Scenario withSeed(long value) {
        return new Scenario(value, users, historyDays, evaluationDays, attacksPerType, travelShare, newDeviceShare, start);
    }

    public Scenario withDays(int history, int evaluation) {
        return new Scenario(seed, users, history, evaluation, attacksPerType, travelShare, newDeviceShare, start);
    }

    public Scenario withAttacksPerType(int value) {
        return new Scenario(seed, users, historyDays, evaluationDays, value, travelShare, newDeviceShare, start);
    }

    public Scenario withStart(long value) {
        return new Scenario(seed, users, historyDays, evaluationDays, attacksPerType, travelShare, newDeviceShare, value);
    }

    public long evaluationStart() {
        return start + historyDays * DAY;
    }

    public long end() {
        return evaluationStart() + evaluationDays * DAY;
    }
}
