package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Outcome;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Value of a sliding-window rejection count: the rejections one thing (a client address for the
 * forged-token burst rule, a verified subject for the failure-burst rule) caused recently, counted
 * per time slot (oldest first), so a flood of any size costs at most
 * {@link ForgedTokenBurstRule#SLOTS_PER_WINDOW} + 1 slots of state. Immutable.
 *
 * @param slots    rejections per slot, oldest first; only slots that can still fall in the window
 * @param since    the first rejection of the current run (the run ends when the window empties)
 * @param lastSeen the latest rejection, epoch ms
 * @param outcomes rejections of the current run by outcome wire name, e.g. {@code bad_signature}
 */
public record RecentRejections(List<Slot> slots, long since, long lastSeen, Map<String, Long> outcomes) {

    public RecentRejections {
        slots = slots == null ? List.of() : List.copyOf(slots);
        outcomes = outcomes == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outcomes));
    }

    /**
     * Rejections that began in one slot.
     *
     * @param start the slot's start, epoch ms, a multiple of the slot width
     * @param count rejections in it
     */
    public record Slot(long start, long count) {
    }

    static RecentRejections none() {
        return new RecentRejections(List.of(), 0, 0, Map.of());
    }

    /**
     * Adds one rejection at {@code time}, dropping slots that have left the window. A rejection older
     * than the window (as of the latest one seen) is ignored: it can no longer be part of a burst.
     */
    RecentRejections withRejection(long time, Outcome outcome, long windowMillis, long slotMillis) {
        long newest = Math.max(time, lastSeen);
        if (time <= newest - windowMillis) {
            return this;
        }
        boolean newRun = countWithin(time, windowMillis, slotMillis) == 0;
        long slotStart = Math.floorDiv(time, slotMillis) * slotMillis;
        List<Slot> kept = new ArrayList<>();
        boolean added = false;
        for (Slot slot : slots) {
            if (!overlaps(slot, newest, windowMillis, slotMillis)) {
                continue;
            }
            if (!added && slot.start() == slotStart) {
                kept.add(new Slot(slotStart, slot.count() + 1));
                added = true;
            } else {
                if (!added && slot.start() > slotStart) {
                    kept.add(new Slot(slotStart, 1));
                    added = true;
                }
                kept.add(slot);
            }
        }
        if (!added) {
            kept.add(new Slot(slotStart, 1));
        }
        Map<String, Long> byOutcome = new LinkedHashMap<>(newRun ? Map.of() : outcomes);
        byOutcome.merge(outcome.wire(), 1L, Long::sum);
        return new RecentRejections(kept, newRun ? time : Math.min(since, time), newest, byOutcome);
    }

    /** Rejections in the window ending at {@code time}, to the nearest slot. */
    long countWithin(long time, long windowMillis, long slotMillis) {
        long count = 0;
        for (Slot slot : slots) {
            if (slot.start() <= time && overlaps(slot, time, windowMillis, slotMillis)) {
                count += slot.count();
            }
        }
        return count;
    }

    /** Start of the earliest slot in the window ending at {@code time}: when the burst began. */
    long firstWithin(long time, long windowMillis, long slotMillis) {
        for (Slot slot : slots) {
            if (overlaps(slot, time, windowMillis, slotMillis)) {
                return Math.max(slot.start(), since);
            }
        }
        return time;
    }

    private static boolean overlaps(Slot slot, long time, long windowMillis, long slotMillis) {
        return slot.start() + slotMillis > time - windowMillis;
    }
}
