package io.tokenwatch.detector.rules;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which subjects of a peer group (one issuer, service and route class) were active and which were
 * elevated (well above their own rate baseline) today, so that a spike most of a team shares — month-end
 * reporting — is not a per-user anomaly ({@link RateSpikeRule}). A group surges when at least
 * {@code minPeers} of its members are elevated and they are at least {@code share} of its active
 * members, or on a month's last or first day (UTC) when at least {@code minPeers} are.
 *
 * <p>Why per task and in memory: events are keyed by subject, so a group's members are spread over
 * partitions, and a global count would need every event repartitioned by group. Each task instead
 * judges from the members it holds — a sample of the group, which for a group of any size gives the
 * same share — at no cost per event beyond a set insertion. The price: a small team spread over many
 * partitions may not reach {@code minPeers} in any one task, and after a restart the day's counts
 * start over (a surge is then noticed again within minutes, as members keep being elevated). Bounded:
 * at most {@code maxGroups} groups (least recently used evicted) of at most {@code maxMembers}
 * members each. Not thread-safe; one instance per processor (task).
 */
final class PeerActivity {

    private static final long DAY_MILLIS = 86_400_000L;

    private final int minPeers;
    private final double share;
    private final int maxGroups;
    private final int maxMembers;
    private final Map<String, Group> groups;

    PeerActivity(int minPeers, double share, int maxGroups, int maxMembers) {
        this.minPeers = minPeers;
        this.share = share;
        this.maxGroups = maxGroups;
        this.maxMembers = maxMembers;
        this.groups = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Group> eldest) {
                return size() > PeerActivity.this.maxGroups;
            }
        };
    }

    /** 3 peers and 4 % of the active members; 1,000 groups of 20,000 members. */
    static PeerActivity defaults() {
        return new PeerActivity(3, 0.04, 1_000, 20_000);
    }

    /** The group's key: issuer, service and route class. */
    static String group(String issuer, String service, String routeClass) {
        return issuer + "|" + service + "|" + routeClass;
    }

    /** {@code member} was active in {@code group} at {@code time}, elevated or not. */
    void record(String group, long member, long time, boolean elevated) {
        Group g = groupFor(group, time);
        if (g.active.size() < maxMembers) {
            g.active.add(member);
        }
        if (elevated && g.elevated.size() < maxMembers) {
            g.elevated.add(member);
        }
    }

    /** Whether {@code group} surges on the day of {@code time}. */
    boolean surging(String group, long time) {
        Group g = groups.get(group);
        if (g == null || g.day != Math.floorDiv(time, DAY_MILLIS)) {
            return false;
        }
        int elevated = g.elevated.size();
        if (elevated < minPeers) {
            return false;
        }
        return elevated >= share * g.active.size() || isMonthTurn(time);
    }

    private Group groupFor(String group, long time) {
        long day = Math.floorDiv(time, DAY_MILLIS);
        Group g = groups.get(group);
        if (g == null || day > g.day) {
            g = new Group(day);
            groups.put(group, g);
        }
        return g;
    }

    /** A month's last or first day, UTC: when reporting peaks. */
    static boolean isMonthTurn(long time) {
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(time, DAY_MILLIS));
        return date.getDayOfMonth() == 1 || date.getDayOfMonth() == date.lengthOfMonth();
    }

    private static final class Group {
        final long day;
        final Set<Long> active = new HashSet<>();
        final Set<Long> elevated = new HashSet<>();

        Group(long day) {
            this.day = day;
        }
    }
}
