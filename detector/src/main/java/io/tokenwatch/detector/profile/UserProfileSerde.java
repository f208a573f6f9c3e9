package io.tokenwatch.detector.profile;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Compact binary form of a {@link UserProfile}, the value of the {@code user-profiles} store. Binary
 * rather than JSON because state per active user is a figure to reach (DESIGN.md §5: ≤ 2 KB): the same
 * typical profile is about 3.5 times larger as JSON (field names repeated in every route, sighting and
 * bin; {@code ProfileSizeTest} prints both). The store is the detector's own, never a contract another
 * program reads, so the format is private and versioned by its first byte.
 *
 * <p>Format version 1, in order: version byte; flags byte (bit 0: a throttle time follows; bit 1: a
 * revoked-token hash follows); first seen, last seen (epoch ms) and events as unsigned varints; the
 * throttle end (varint) and the token hash (8 bytes) if flagged; then each collection as a count byte
 * and its entries: route rates (name, weight, mean, spread as floats, folded intervals, last folded and
 * current interval start in epoch minutes, current count), countries (name, last seen minute),
 * networks and devices (8-byte hash, last seen minute), user-agent families (ordinal byte, last seen
 * minute); the hour histogram (updated-at ms varint, a 3-byte mask of non-zero bins, a float per
 * non-zero bin); places (lat, lon floats, country, network hash, last seen ms varint). Strings are a
 * length byte and UTF-8 (length 0 is null).
 *
 * <p>Format version 2 (version 1 is still read, its new parts empty) adds: per route
 * rate, the recent interval counts (count byte, varints), the cumulative excess (float), the hourly
 * baseline and the busy intervals per busy hour (each as a route rate); per place,
 * the accuracy radius (varint) and the holder hash (8 bytes); then the network trails (count; each a
 * holder hash, the client hash, a hop count and per hop the network hash, a wobbly byte and last seen ms varint), the
 * recent signals (count; family byte, weight byte, time ms varint), the anonymizer bit set (byte) and
 * the UTC offset plus 64 (byte). Times in minutes are exact because everything stored in
 * minutes is rounded to the minute when learned.
 *
 * <p>Format version 3 (written now; versions 1 and 2 are still read, the pace starting afresh at the
 * last seen time) appends the pace: the visit size (byte), the hour its counts start (epoch minutes,
 * varint), {@link Pace#HOURS} single-visit counts (a byte each) and the single visits per active day (a
 * route rate).
 *
 * <p>{@code null} maps to {@code null}. Bytes that are not a profile of a known version raise
 * {@link SerializationException}. Stateless and thread-safe.
 */
public final class UserProfileSerde implements Serde<UserProfile>, Serializer<UserProfile>,
        Deserializer<UserProfile> {

    static final byte VERSION = 3;
    /** The second format: no pace. */
    static final byte VERSION_2 = 2;
    /** The first format: no recent intervals, holders, trails, signals, anonymizers or offset. */
    static final byte VERSION_1 = 1;
    private static final int OFFSET_BIAS = 64;
    private static final long MINUTE = 60_000L;
    private static final int FLAG_THROTTLED = 1;
    private static final int FLAG_REVOKED_TOKEN = 2;

    @Override
    public byte[] serialize(String topic, UserProfile profile) {
        if (profile == null) {
            return null;
        }
        Writer out = new Writer();
        out.byteValue(VERSION);
        int flags = (profile.throttledUntil() != 0 ? FLAG_THROTTLED : 0)
                | (profile.revokedToken() != 0 ? FLAG_REVOKED_TOKEN : 0);
        out.byteValue(flags);
        out.varLong(profile.firstSeen());
        out.varLong(profile.lastSeen());
        out.varLong(profile.events());
        if (profile.throttledUntil() != 0) {
            out.varLong(profile.throttledUntil());
        }
        if (profile.revokedToken() != 0) {
            out.fixedLong(profile.revokedToken());
        }
        out.count(profile.routes().size());
        for (UserProfile.RouteRate route : profile.routes()) {
            DecayedRate rate = route.rate();
            out.string(route.routeClass());
            out.floatValue(rate.weight());
            out.floatValue(rate.mean());
            out.floatValue(rate.spread());
            out.varLong(rate.intervals());
            out.varLong(minutes(rate.lastFolded()));
            out.varLong(minutes(rate.currentStart()));
            out.varLong(rate.currentCount());
            RecentCounts recent = route.recent();
            out.count(recent.length());
            for (int i = 0; i < recent.length(); i++) {
                out.varLong(recent.count(i));
            }
            out.floatValue(recent.cusum());
            out.rate(route.hourly());
            out.rate(route.coverage());
        }
        out.sightings(profile.countries(), out::string);
        out.sightings(profile.networks(), out::fixedLong);
        out.sightings(profile.devices(), out::fixedLong);
        out.sightings(profile.userAgents(), ua -> out.byteValue(ua.ordinal()));
        HourHistogram hours = profile.hours();
        out.varLong(hours.updatedAt());
        float[] bins = hours.bins();
        int mask = 0;
        for (int h = 0; h < HourHistogram.HOURS; h++) {
            if (bins[h] != 0) {
                mask |= 1 << h;
            }
        }
        out.byteValue(mask);
        out.byteValue(mask >>> 8);
        out.byteValue(mask >>> 16);
        for (float bin : bins) {
            if (bin != 0) {
                out.floatValue(bin);
            }
        }
        out.count(profile.places().size());
        for (Place place : profile.places()) {
            out.floatValue(place.lat());
            out.floatValue(place.lon());
            out.string(place.country());
            out.fixedLong(place.network());
            out.varLong(place.lastSeen());
            out.varLong(place.radiusKm());
            out.fixedLong(place.holder());
        }
        out.count(profile.trails().size());
        for (NetworkTrail trail : profile.trails()) {
            out.fixedLong(trail.holder());
            out.fixedLong(trail.client());
            out.count(trail.hops().size());
            for (NetworkTrail.Hop hop : trail.hops()) {
                out.fixedLong(hop.network());
                out.byteValue(hop.wobbly() ? 1 : 0);
                out.varLong(hop.lastSeen());
            }
        }
        out.count(profile.signals().size());
        for (RecentSignal signal : profile.signals()) {
            out.byteValue(signal.family());
            out.byteValue(signal.weight());
            out.varLong(signal.time());
        }
        out.byteValue(profile.anonymizers());
        out.byteValue(profile.utcOffset() + OFFSET_BIAS);
        Pace pace = profile.pace();
        out.byteValue(pace.visitSize());
        out.varLong(minutes(pace.hourStart()));
        for (int count : pace.singles()) {
            out.byteValue(count);
        }
        out.rate(pace.daily());
        return out.toByteArray();
    }

    @Override
    public UserProfile deserialize(String topic, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return read(ByteBuffer.wrap(bytes));
        } catch (BufferUnderflowException e) {
            throw new SerializationException("user profile from " + topic + " is truncated");
        } catch (IllegalArgumentException e) {
            throw new SerializationException("user profile from " + topic + " is not valid: " + e.getMessage());
        }
    }

    private static UserProfile read(ByteBuffer in) {
        byte version = in.get();
        boolean v1 = version == VERSION_1;
        if (version != VERSION && version != VERSION_2 && !v1) {
            throw new IllegalArgumentException("unknown format version " + version);
        }
        int flags = in.get() & 0xff;
        long firstSeen = varLong(in);
        long lastSeen = varLong(in);
        long events = varLong(in);
        long throttledUntil = (flags & FLAG_THROTTLED) != 0 ? varLong(in) : 0;
        long revokedToken = (flags & FLAG_REVOKED_TOKEN) != 0 ? in.getLong() : 0;
        int routeCount = in.get() & 0xff;
        List<UserProfile.RouteRate> routes = new ArrayList<>(routeCount);
        for (int i = 0; i < routeCount; i++) {
            String name = string(in);
            float weight = in.getFloat();
            float mean = in.getFloat();
            float spread = in.getFloat();
            int intervals = Math.toIntExact(varLong(in));
            long lastFolded = varLong(in) * MINUTE;
            long currentStart = varLong(in) * MINUTE;
            int currentCount = Math.toIntExact(varLong(in));
            RecentCounts recent = RecentCounts.empty(0);
            DecayedRate hourly = DecayedRate.startingAt(Math.floorDiv(currentStart, UserProfile.HOUR_MILLIS)
                    * UserProfile.HOUR_MILLIS);
            DecayedRate coverage = hourly;
            if (!v1) {
                int[] counts = new int[in.get() & 0xff];
                for (int c = 0; c < counts.length; c++) {
                    counts[c] = Math.toIntExact(varLong(in));
                }
                recent = new RecentCounts(counts, in.getFloat());
                hourly = rate(in);
                coverage = rate(in);
            }
            routes.add(new UserProfile.RouteRate(requireText(name),
                    new DecayedRate(weight, mean, spread, intervals, lastFolded, currentStart, currentCount), recent,
                    hourly, coverage));
        }
        LastSeen<String> countries = sightings(in, b -> requireText(string(b)));
        LastSeen<Long> networks = sightings(in, ByteBuffer::getLong);
        LastSeen<Long> devices = sightings(in, ByteBuffer::getLong);
        LastSeen<UaFamily> userAgents = sightings(in, b -> UaFamily.ofOrdinal(b.get() & 0xff));
        long updatedAt = varLong(in);
        int mask = (in.get() & 0xff) | (in.get() & 0xff) << 8 | (in.get() & 0xff) << 16;
        float[] bins = new float[HourHistogram.HOURS];
        for (int h = 0; h < HourHistogram.HOURS; h++) {
            if ((mask & 1 << h) != 0) {
                bins[h] = in.getFloat();
            }
        }
        int placeCount = in.get() & 0xff;
        List<Place> places = new ArrayList<>(placeCount);
        for (int i = 0; i < placeCount; i++) {
            float lat = in.getFloat();
            float lon = in.getFloat();
            String country = string(in);
            long network = in.getLong();
            long seen = varLong(in);
            int radius = v1 ? 0 : Math.toIntExact(varLong(in));
            long holder = v1 ? 0 : in.getLong();
            places.add(new Place(lat, lon, country, network, seen, radius, holder));
        }
        List<NetworkTrail> trails = new ArrayList<>();
        List<RecentSignal> signals = new ArrayList<>();
        int anonymizers = 0;
        int utcOffset = UserProfile.UNKNOWN_OFFSET;
        if (!v1) {
            int trailCount = in.get() & 0xff;
            for (int i = 0; i < trailCount; i++) {
                long holder = in.getLong();
                long client = in.getLong();
                int hopCount = in.get() & 0xff;
                List<NetworkTrail.Hop> hops = new ArrayList<>(hopCount);
                for (int h = 0; h < hopCount; h++) {
                    hops.add(new NetworkTrail.Hop(in.getLong(), in.get() != 0, varLong(in)));
                }
                trails.add(new NetworkTrail(holder, hops, client));
            }
            int signalCount = in.get() & 0xff;
            for (int i = 0; i < signalCount; i++) {
                signals.add(new RecentSignal(in.get() & 0xff, in.get() & 0xff, varLong(in)));
            }
            anonymizers = in.get() & 0xff;
            utcOffset = (in.get() & 0xff) - OFFSET_BIAS;
        }
        Pace pace = Pace.startingAt(lastSeen);
        if (version == VERSION) {
            int visitSize = in.get() & 0xff;
            long hourStart = varLong(in) * MINUTE;
            int[] singles = new int[Pace.HOURS];
            for (int h = 0; h < singles.length; h++) {
                singles[h] = in.get() & 0xff;
            }
            pace = new Pace(visitSize, hourStart, singles, rate(in));
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException(in.remaining() + " trailing bytes");
        }
        return new UserProfile(firstSeen, lastSeen, events, routes, countries, networks, devices, userAgents,
                new HourHistogram(updatedAt, bins), places, throttledUntil, revokedToken, trails, signals,
                anonymizers, utcOffset, pace);
    }

    /** A rate as {@code Writer#rate} writes it: weight, mean, spread, intervals, minutes, count. */
    private static DecayedRate rate(ByteBuffer in) {
        return new DecayedRate(in.getFloat(), in.getFloat(), in.getFloat(), Math.toIntExact(varLong(in)),
                varLong(in) * MINUTE, varLong(in) * MINUTE, Math.toIntExact(varLong(in)));
    }

    private static <K> LastSeen<K> sightings(ByteBuffer in, Function<ByteBuffer, K> value) {
        int count = in.get() & 0xff;
        List<LastSeen.Sighting<K>> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            K k = value.apply(in);
            entries.add(new LastSeen.Sighting<>(k, varLong(in) * MINUTE));
        }
        return new LastSeen<>(entries);
    }

    private static String string(ByteBuffer in) {
        int length = in.get() & 0xff;
        if (length == 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String requireText(String value) {
        if (value == null) {
            throw new IllegalArgumentException("missing name");
        }
        return value;
    }

    private static long varLong(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                if (value < 0) {
                    throw new IllegalArgumentException("negative number");
                }
                return value;
            }
        }
        throw new IllegalArgumentException("number longer than 10 bytes");
    }

    private static long minutes(long epochMillis) {
        return Math.floorDiv(epochMillis, MINUTE);
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: the format is fixed by its version byte.
    }

    @Override
    public void close() {
        // Stateless: nothing to release.
    }

    @Override
    public Serializer<UserProfile> serializer() {
        return this;
    }

    @Override
    public Deserializer<UserProfile> deserializer() {
        return this;
    }

    /** An append-only byte writer with the primitives of the format. */
    private static final class Writer {

        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);

        void byteValue(int value) {
            bytes.write(value);
        }

        void count(int value) {
            if (value > ProfileLimits.MAX) {
                throw new SerializationException("a profile collection holds more than " + ProfileLimits.MAX);
            }
            bytes.write(value);
        }

        void varLong(long value) {
            if (value < 0) {
                throw new SerializationException("negative number in a user profile");
            }
            long v = value;
            while ((v & ~0x7fL) != 0) {
                bytes.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            bytes.write((int) v);
        }

        void fixedLong(long value) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes.write((int) (value >>> shift));
            }
        }

        void floatValue(float value) {
            int bits = Float.floatToIntBits(value);
            for (int shift = 24; shift >= 0; shift -= 8) {
                bytes.write(bits >>> shift);
            }
        }

        void string(String value) {
            if (value == null) {
                bytes.write(0);
                return;
            }
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            if (utf8.length == 0 || utf8.length > 255) {
                throw new SerializationException("profile text must be 1 to 255 bytes");
            }
            bytes.write(utf8.length);
            bytes.writeBytes(utf8);
        }

        void rate(DecayedRate rate) {
            floatValue(rate.weight());
            floatValue(rate.mean());
            floatValue(rate.spread());
            varLong(rate.intervals());
            varLong(minutes(rate.lastFolded()));
            varLong(minutes(rate.currentStart()));
            varLong(rate.currentCount());
        }

        <K> void sightings(LastSeen<K> seen, java.util.function.Consumer<K> value) {
            count(seen.size());
            for (LastSeen.Sighting<K> entry : seen.entries()) {
                value.accept(entry.value());
                varLong(minutes(entry.lastSeen()));
            }
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }
}
