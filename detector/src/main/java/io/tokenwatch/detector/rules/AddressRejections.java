package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.Outcome;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Value of the forged-token burst store: one client address's forgery-signal rejections, one
 * {@link RecentRejections} per configured threshold window (same order as
 * {@link ForgedTokenBurstRule#thresholds()}), and which {@code kid}s its {@code unknown_key}
 * rejections named during the current run of the longest window, so that an issuer's key rotation can
 * be told from forgery. At most {@link #MAX_KIDS} kids are kept by name, the rest count under
 * {@link #OTHER_KIDS}. Immutable.
 *
 * @param windows         rejections per threshold window
 * @param unknownKeyKids  {@code unknown_key} rejections of the current run by claimed kid
 */
public record AddressRejections(List<RecentRejections> windows, Map<String, Long> unknownKeyKids) {

    static final int MAX_KIDS = 8;
    static final String OTHER_KIDS = "(other)";
    static final String NO_KID = "(none)";

    public AddressRejections {
        windows = windows == null ? List.of() : List.copyOf(windows);
        unknownKeyKids = unknownKeyKids == null ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(unknownKeyKids));
    }

    static AddressRejections none() {
        return new AddressRejections(List.of(), Map.of());
    }

    /** Adds one rejection at {@code time} naming {@code kid} (null when none) to every window. */
    AddressRejections withRejection(long time, Outcome outcome, String kid, List<ForgedTokenBurstRule.Threshold> rule) {
        int longest = longestIndex(rule);
        boolean newRun = window(longest).countWithin(time, rule.get(longest).window().toMillis(),
                rule.get(longest).slotMillis()) == 0;
        List<RecentRejections> after = new ArrayList<>(rule.size());
        for (int i = 0; i < rule.size(); i++) {
            ForgedTokenBurstRule.Threshold t = rule.get(i);
            after.add(window(i).withRejection(time, outcome, t.window().toMillis(), t.slotMillis()));
        }
        Map<String, Long> kids = new LinkedHashMap<>(newRun ? Map.of() : unknownKeyKids);
        if (outcome == Outcome.UNKNOWN_KEY) {
            String name = kid == null ? NO_KID : kid;
            if (!kids.containsKey(name) && kids.size() >= MAX_KIDS) {
                name = OTHER_KIDS;
            }
            kids.merge(name, 1L, Long::sum);
        }
        return new AddressRejections(after, kids);
    }

    /** The rejections of window {@code i}; none when the configuration gained a window since they were stored. */
    RecentRejections window(int i) {
        return i < windows.size() ? windows.get(i) : RecentRejections.none();
    }

    /** The rejections of the longest window: the current run as a whole. */
    RecentRejections run(List<ForgedTokenBurstRule.Threshold> rule) {
        return window(longestIndex(rule));
    }

    /** The kid most {@code unknown_key} rejections of the run named, and how many did. */
    Map.Entry<String, Long> dominantKid() {
        return unknownKeyKids.entrySet().stream().max(Map.Entry.comparingByValue())
                .orElse(Map.entry(NO_KID, 0L));
    }

    /** The latest rejection, epoch ms. */
    long lastSeen() {
        long latest = 0;
        for (RecentRejections w : windows) {
            latest = Math.max(latest, w.lastSeen());
        }
        return latest;
    }

    static int longestIndex(List<ForgedTokenBurstRule.Threshold> rule) {
        int longest = 0;
        for (int i = 1; i < rule.size(); i++) {
            if (rule.get(i).window().compareTo(rule.get(longest).window()) > 0) {
                longest = i;
            }
        }
        return longest;
    }
}
