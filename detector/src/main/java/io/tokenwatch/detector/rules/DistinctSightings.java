package io.tokenwatch.detector.rules;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded set of distinct things (tokens, addresses, subjects) seen recently, each with the last
 * time it was seen: how forgery and failure rules count "how many different" rather than "how many".
 * A client retrying one token a thousand times is one token; a stash of forty stolen tokens is forty.
 *
 * <p>Things are kept as 64-bit hashes ({@link #id}), never as the values themselves, so the state
 * holds no token material and no address list an operator did not ask for, and its size does not
 * depend on how long the values are. At most {@code cap} entries are kept (the least recently seen go
 * first): a rule only needs to know whether a count reached its threshold, so a cap a little above the
 * threshold bounds the state of a flood of any size without changing any decision. Immutable.
 *
 * @param seen the things still inside the window, least recently seen first
 */
public record DistinctSightings(List<Sighting> seen) {

    public DistinctSightings {
        seen = seen == null ? List.of() : List.copyOf(seen);
    }

    /**
     * The wire form: one flat array {@code [id, lastSeen, id, lastSeen, …]}, about half the bytes of
     * an array of objects; these values sit in stores with one entry per address or subject.
     */
    @JsonValue
    long[] wire() {
        long[] flat = new long[seen.size() * 2];
        for (int i = 0; i < seen.size(); i++) {
            flat[2 * i] = seen.get(i).id();
            flat[2 * i + 1] = seen.get(i).lastSeen();
        }
        return flat;
    }

    /** Reads {@link #wire()}; an odd-length array is not one of ours and is refused. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static DistinctSightings fromWire(long[] flat) {
        if (flat == null) {
            return none();
        }
        if (flat.length % 2 != 0) {
            throw new IllegalArgumentException("distinct sightings: expected id/time pairs, got " + flat.length
                    + " numbers");
        }
        List<Sighting> seen = new ArrayList<>(flat.length / 2);
        for (int i = 0; i < flat.length; i += 2) {
            seen.add(new Sighting(flat[i], flat[i + 1]));
        }
        return new DistinctSightings(seen);
    }

    /**
     * One thing and when it was last seen.
     *
     * @param id       its {@link #id} hash
     * @param lastSeen epoch ms
     */
    public record Sighting(long id, long lastSeen) {
    }

    static DistinctSightings none() {
        return new DistinctSightings(List.of());
    }

    /**
     * 64-bit FNV-1a of the UTF-8 bytes. Written out (six lines) rather than taken from a library
     * because none in the build offers a 64-bit non-cryptographic hash, and a collision here only makes
     * a count one lower, which a cryptographic hash's cost per request would not be worth.
     */
    static long id(String value) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    /**
     * Records {@code id} as seen at {@code time}, dropping what the window (as of the newest sighting)
     * has left behind and, beyond {@code cap}, the least recently seen. A sighting older than the
     * window is ignored: it can no longer count.
     */
    DistinctSightings with(long id, long time, long windowMillis, int cap) {
        long newest = Math.max(time, lastSeen());
        if (time <= newest - windowMillis) {
            return this;
        }
        List<Sighting> kept = new ArrayList<>(Math.min(seen.size() + 1, cap + 1));
        long previous = Long.MIN_VALUE;
        for (Sighting s : seen) {
            if (s.id() == id) {
                previous = s.lastSeen();
            } else if (s.lastSeen() > newest - windowMillis) {
                kept.add(s);
            }
        }
        Sighting updated = new Sighting(id, Math.max(time, previous));
        int at = kept.size();
        while (at > 0 && kept.get(at - 1).lastSeen() > updated.lastSeen()) {
            at--;
        }
        kept.add(at, updated);
        while (kept.size() > cap) {
            kept.remove(0);
        }
        return new DistinctSightings(kept);
    }

    /** True when {@code id} was seen within the window ending at {@code time}. */
    boolean contains(long id, long time, long windowMillis) {
        for (Sighting s : seen) {
            if (s.id() == id) {
                return s.lastSeen() > time - windowMillis;
            }
        }
        return false;
    }

    /** Distinct things seen within the window ending at {@code time} (at most the cap). */
    int countWithin(long time, long windowMillis) {
        int count = 0;
        for (Sighting s : seen) {
            if (s.lastSeen() > time - windowMillis) {
                count++;
            }
        }
        return count;
    }

    /** The latest sighting, epoch ms; 0 when empty. */
    long lastSeen() {
        return seen.isEmpty() ? 0 : seen.get(seen.size() - 1).lastSeen();
    }
}
