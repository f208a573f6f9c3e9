package io.tokenwatch.detector.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A capped set of things a subject was seen with (countries, networks, devices, user-agent families),
 * each with when it was last seen, to the minute. When full, the least recently seen entry makes
 * room: LRU by event time, so a subject's current context is always kept and an old one ages out.
 * Immutable.
 *
 * @param entries at most the cap the caller passes to {@link #seen}, most recently seen last
 * @param <K>     what is remembered
 */
public record LastSeen<K>(List<Sighting<K>> entries) {

    private static final long MINUTE = 60_000L;

    public LastSeen {
        entries = List.copyOf(entries);
    }

    /**
     * One remembered thing.
     *
     * @param value    what was seen
     * @param lastSeen when it was last seen, epoch ms, to the minute
     */
    public record Sighting<K>(K value, long lastSeen) {
        public Sighting {
            Objects.requireNonNull(value, "value");
        }
    }

    public static <K> LastSeen<K> none() {
        return new LastSeen<>(List.of());
    }

    public boolean contains(K value) {
        for (Sighting<K> entry : entries) {
            if (entry.value().equals(value)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    public List<K> values() {
        return entries.stream().map(Sighting::value).toList();
    }

    /** {@code value} seen at {@code time}; keeps at most {@code cap} entries, evicting the least recently seen. */
    public LastSeen<K> seen(K value, long time, int cap) {
        long minute = Math.floorDiv(time, MINUTE) * MINUTE;
        List<Sighting<K>> next = new ArrayList<>(entries.size() + 1);
        long last = minute;
        for (Sighting<K> entry : entries) {
            if (entry.value().equals(value)) {
                last = Math.max(last, entry.lastSeen());
            } else {
                next.add(entry);
            }
        }
        next.add(new Sighting<>(value, last));
        next.sort(Comparator.comparingLong(Sighting::lastSeen));
        while (next.size() > cap) {
            next.remove(0);
        }
        return new LastSeen<>(next);
    }
}
