package io.tokenwatch.launcher.bench;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;

/**
 * What the traffic generator simulates. Immutable.
 *
 * @param seed           the only source of randomness: one seed, one stream of events
 * @param users          subjects simulated: people and service accounts (victims are drawn from the people)
 * @param historyDays    days of ordinary traffic before the evaluation window, from which the detector
 *                       learns; no attack and no false alarm is counted in them
 * @param evaluationDays days in which attacks happen and false alarms are counted
 * @param attacksPerType attacks of each {@link AttackType}, each on its own victim
 * @param start          event time of the first simulated day's midnight (UTC), epoch ms
 */
public record Scenario(long seed, int users, int historyDays, int evaluationDays, int attacksPerType, long start) {

    /** 2027-01-18T00:00Z, a Monday: with 7 + 7 days the month-end reporting day (Friday 29th) is evaluated. */
    public static final long DEFAULT_START = 1_800_230_400_000L;
    private static final long DAY = 86_400_000L;

    public Scenario {
        if (users < 40 || historyDays < 2 || evaluationDays < 1 || attacksPerType < 0) {
            throw new IllegalArgumentException("need users >= 40, history >= 2 days, evaluation >= 1 day, attacks >= 0");
        }
        if (3L * attacksPerType * AttackType.values().length > users) {
            throw new IllegalArgumentException("each attack needs its own victim among ordinary people: 3 x "
                    + AttackType.values().length + " x attacks per type must not exceed users");
        }
        if (start % DAY != 0) {
            throw new IllegalArgumentException("start must be a UTC midnight");
        }
    }

    /** 1000 subjects, 7 days of history and 7 of evaluation (14 days in all), 10 attacks of each type. */
    public static Scenario defaults() {
        return new Scenario(1, 1000, 7, 7, 10, DEFAULT_START);
    }

    public Scenario withSeed(long value) {
        return new Scenario(value, users, historyDays, evaluationDays, attacksPerType, start);
    }

    public Scenario withUsers(int value) {
        return new Scenario(seed, value, historyDays, evaluationDays, attacksPerType, start);
    }

    public Scenario withStart(long value) {
        return new Scenario(seed, users, historyDays, evaluationDays, attacksPerType, value);
    }

    public long evaluationStart() {
        return start + historyDays * DAY;
    }

    public long end() {
        return evaluationStart() + evaluationDays * DAY;
    }

    /**
     * Midnight (UTC) of the month-end reporting day: the last weekday of the month if it falls in the
     * evaluation window, otherwise the last weekday of the window (short runs still get a burst day).
     */
    public long monthEndDay() {
        LocalDate first = LocalDate.ofInstant(Instant.ofEpochMilli(evaluationStart()), ZoneOffset.UTC);
        LocalDate last = LocalDate.ofInstant(Instant.ofEpochMilli(end() - 1), ZoneOffset.UTC);
        LocalDate monthEnd = lastWeekdayOnOrBefore(first.with(TemporalAdjusters.lastDayOfMonth()));
        LocalDate day = !monthEnd.isBefore(first) && !monthEnd.isAfter(last) ? monthEnd : lastWeekdayOnOrBefore(last);
        if (day.isBefore(first)) {
            day = last;
        }
        return day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static LocalDate lastWeekdayOnOrBefore(LocalDate date) {
        LocalDate d = date;
        while (d.getDayOfWeek() == DayOfWeek.SATURDAY || d.getDayOfWeek() == DayOfWeek.SUNDAY) {
            d = d.minusDays(1);
        }
        return d;
    }
}
