package io.tokenwatch.detector.rules;

import io.tokenwatch.schemas.JsonSerde;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A compact binary form of {@link TokenSightings}, the value the token-replay rule reads and writes
 * on every accepted request: a version byte, then the fields in declaration order (strings as
 * length-prefixed UTF-8 with a presence flag, nullable longs with a presence flag, each list as a
 * count and its entries; version 2 appends {@code alertedAt}, version 1 is still read). JSON cost about a fifth of the detector's stream thread here.
 *
 * <p>Values written before this format existed are JSON objects; they start with {@code '{'}, which
 * is never a version byte, and are still read, so a detector upgraded in place keeps its replay
 * state. A truncated or otherwise unreadable value raises {@link SerializationException}.
 *
 * <p>Stateless and thread-safe.
 */
public final class TokenSightingsSerde implements Serde<TokenSightings>, Serializer<TokenSightings>,
        Deserializer<TokenSightings> {

    private static final byte VERSION = 2;
    /** The first binary format: without {@code alertedAt}. */
    private static final byte VERSION_1 = 1;
    /** More entries than any rule keeps ({@code maxTrackedUses} is bounded well below this). */
    private static final int MAX_ENTRIES = 1024;
    private static final JsonSerde<TokenSightings> LEGACY_JSON = new JsonSerde<>(TokenSightings.class);

    @Override
    public byte[] serialize(String topic, TokenSightings value) {
        if (value == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writeText(out, value.issuer());
            writeText(out, value.jti());
            writeText(out, value.subject());
            writeLong(out, value.expiresAt());
            out.writeShort(value.uses().size());
            for (TokenSightings.Use use : value.uses()) {
                writeText(out, use.network());
                writeText(out, use.ip());
                writeText(out, use.country());
                out.writeLong(use.lastSeen());
            }
            writeLong(out, value.revokedAt());
            writeSeen(out, value.devices());
            writeSeen(out, value.countries());
            writeLong(out, value.alertedAt());
        } catch (IOException e) {
            // Only writeUTF can fail in memory: a text over 65,535 bytes, which no bounded token carries.
            throw new SerializationException("token sightings for " + topic + " cannot be written: " + e.getMessage());
        }
        return bytes.toByteArray();
    }

    @Override
    public TokenSightings deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] == '{') {
            return LEGACY_JSON.deserializer().deserialize(topic, data);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION && version != VERSION_1) {
                throw new SerializationException("token sightings from " + topic + " have unknown version " + version);
            }
            String issuer = readText(in);
            String jti = readText(in);
            String subject = readText(in);
            Long expiresAt = readLong(in);
            int uses = count(in);
            List<TokenSightings.Use> useList = new ArrayList<>(uses);
            for (int i = 0; i < uses; i++) {
                useList.add(new TokenSightings.Use(readText(in), readText(in), readText(in), in.readLong()));
            }
            Long revokedAt = readLong(in);
            List<TokenSightings.Seen> devices = readSeen(in);
            List<TokenSightings.Seen> countries = readSeen(in);
            Long alertedAt = version == VERSION_1 ? null : readLong(in);
            if (in.available() > 0) {
                throw new SerializationException("token sightings from " + topic + " have trailing bytes");
            }
            return new TokenSightings(issuer, jti, subject, expiresAt, useList, revokedAt, devices, countries,
                    alertedAt);
        } catch (EOFException e) {
            throw new SerializationException("token sightings from " + topic + " are truncated");
        } catch (IOException e) {
            throw new SerializationException("token sightings from " + topic + " are not valid: " + e.getMessage());
        }
    }

    private static void writeSeen(DataOutputStream out, List<TokenSightings.Seen> seen) throws IOException {
        out.writeShort(seen.size());
        for (TokenSightings.Seen s : seen) {
            writeText(out, s.value());
            writeText(out, s.ip());
            out.writeLong(s.lastSeen());
        }
    }

    private static List<TokenSightings.Seen> readSeen(DataInputStream in) throws IOException {
        int n = count(in);
        List<TokenSightings.Seen> seen = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            seen.add(new TokenSightings.Seen(readText(in), readText(in), in.readLong()));
        }
        return seen;
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readUnsignedShort();
        if (n > MAX_ENTRIES) {
            throw new SerializationException("token sightings list of " + n + " entries");
        }
        return n;
    }

    /** Modified UTF-8 with a presence flag; {@code writeUTF} refuses text over 65,535 bytes. */
    private static void writeText(DataOutputStream out, String text) throws IOException {
        out.writeBoolean(text != null);
        if (text != null) {
            out.writeUTF(text);
        }
    }

    private static String readText(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeLong(DataOutputStream out, Long value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value);
        }
    }

    private static Long readLong(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: the format is fixed by its version byte.
    }

    @Override
    public void close() {
        // Nothing held.
    }

    @Override
    public Serializer<TokenSightings> serializer() {
        return this;
    }

    @Override
    public Deserializer<TokenSightings> deserializer() {
        return this;
    }
}
