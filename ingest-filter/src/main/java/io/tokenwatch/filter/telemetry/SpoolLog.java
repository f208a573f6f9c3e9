package io.tokenwatch.filter.telemetry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A bounded, append-only disk queue of usage events, the shape of a log shipper's disk buffer
 * (Filebeat's disk queue, Vector's disk buffer): numbered segment files holding length- and
 * CRC-framed records, one read cursor, and a cursor file that says how far Kafka has acknowledged.
 *
 * <p><b>Why hand-written.</b> The build holds no disk queue library, and the candidates do not fit:
 * Chronicle Queue brings off-heap memory mapping, its own threads and a large dependency for a buffer
 * that is empty nearly all of the time; Square's Tape is a single circular file that cannot be bounded
 * by deleting what was acknowledged and is no longer maintained for the JVM. What is needed here is
 * a few hundred lines: append, read in order, delete acknowledged segments, survive a torn tail.
 *
 * <p><b>Layout.</b> {@code <dir>/<20-digit number>.seg} segment files and {@code <dir>/cursor}. A record
 * is {@code int length | int crc32c | long eventTime | short keyLength | key (UTF-8) | value}, where the
 * CRC-32C covers everything after it and {@code length} counts everything after the CRC. Each process
 * start appends to a new segment, so a segment torn by a crash is never written again.
 *
 * <p><b>Bound.</b> The sum of the segment files' sizes never exceeds {@code maxBytes}: an append that
 * would cross it is refused (the caller counts the drop). A segment is deleted once the cursor has
 * passed it, which frees its bytes.
 *
 * <p><b>Durability (fsync policy).</b> Appends are written to the OS at once ({@link #flush} after each
 * batch), so a crash of the process loses nothing already appended. {@link #sync} forces data to the
 * device; the publisher calls it about once a second, on every segment roll and on close, so a crash
 * of the host can lose up to the last second of spooled events. The cursor file is replaced atomically
 * and fsynced; after a crash, records between the last saved cursor and the true position are sent again
 * (at-least-once, never lost).
 *
 * <p><b>Corruption.</b> A record whose length is impossible, whose CRC does not match, or that is cut
 * short ends its segment for the reader: the rest of that segment is counted in
 * {@link #corruptSegments()} and skipped, and reading goes on with the next segment. A corrupt tail
 * left by a crash therefore costs only what was torn.
 *
 * <p>Not thread-safe: one thread (the publisher's) appends, reads and commits. {@link #bytes()} and the
 * counters may be read from any thread.
 */
final class SpoolLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolLog.class);
    private static final String SUFFIX = ".seg";
    private static final String CURSOR = "cursor";
    /** Bytes before the length-counted part: length and CRC. */
    private static final int FRAME = 8;
    /** eventTime and keyLength. */
    private static final int FIXED = 10;
    /** A usage event is well under this; a larger length is corruption, not data. */
    static final int MAX_RECORD = 1 << 20;

    /** One spooled event as read back: its position after it, its time, key and serialized value. */
    record Entry(Position next, long eventTime, String key, byte[] value) {
    }

    /** A place in the log: a segment number and a byte offset in it. */
    record Position(long segment, long offset) {
    }

    private final Path directory;
    private final long maxBytes;
    private final long segmentBytes;
    /** Segment number → its size on disk as this instance knows it. */
    private final TreeMap<Long, Long> segments = new TreeMap<>();
    private volatile long totalBytes;
    private volatile long corrupt;

    private final FileChannel lockChannel;
    private FileChannel writer;
    private long writeSegment;
    private long writeOffset;
    private final ByteBuffer writeBuffer = ByteBuffer.allocate(64 * 1024);

    private Position read;
    private Position committed;
    private FileChannel reader;
    private long readerSegment = -1;
    private boolean dirtySinceSync;

    /**
     * Opens (or creates) the log in {@code directory}, keeping what an earlier run left unsent.
     *
     * @param maxBytes     the most the segment files may hold together
     * @param segmentBytes size after which a new segment is started
     * @throws UncheckedIOException if the directory cannot be created, read or written
     */
    SpoolLog(Path directory, long maxBytes, long segmentBytes) {
        this.directory = Objects.requireNonNull(directory, "directory");
        if (maxBytes < FRAME + FIXED + 1) {
            throw new IllegalArgumentException("spool max bytes too small: " + maxBytes);
        }
        if (segmentBytes < 1) {
            throw new IllegalArgumentException("segment bytes must be positive");
        }
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.min(segmentBytes, maxBytes);
        try {
            Files.createDirectories(directory);
            lockChannel = FileChannel.open(directory.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (!locked(lockChannel)) {
                lockChannel.close();
                throw new IOException("in use by another filter (each filter needs its own spool directory)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open event spool " + directory + ": " + e.getMessage(), e);
        }
        try {
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Long number = segmentNumber(file);
                    if (number != null) {
                        segments.put(number, Files.size(file));
                    }
                }
            }
            committed = loadCursor();
            // Segments wholly before the cursor were acknowledged but not yet deleted when the last run ended.
            while (!segments.isEmpty() && segments.firstKey() < committed.segment()) {
                Files.deleteIfExists(segmentFile(segments.pollFirstEntry().getKey()));
            }
            if (!segments.isEmpty() && segments.firstKey() > committed.segment()) {
                committed = new Position(segments.firstKey(), 0);
            }
            read = committed;
            writeSegment = segments.isEmpty() ? Math.max(committed.segment(), 0) : segments.lastKey() + 1;
            openWriter();
            if (read.segment() > writeSegment) {
                read = new Position(writeSegment, 0);
                committed = read;
            }
            recountBytes();
        } catch (IOException e) {
            try {
                lockChannel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot open event spool " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends one event; false (nothing written) if it would take the log over its bound.
     *
     * @throws UncheckedIOException if the disk refuses the write
     */
    boolean append(long eventTime, String key, byte[] value) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        int length = FIXED + keyBytes.length + value.length;
        if (length > MAX_RECORD || keyBytes.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("event too large to spool: " + length + " bytes");
        }
        int size = FRAME + length;
        if (totalBytes + size > maxBytes) {
            return false;
        }
        try {
            if (writeOffset > 0 && writeOffset + size > segmentBytes) {
                roll();
            }
            ByteBuffer record = ByteBuffer.allocate(size);
            record.putInt(length).putInt(0).putLong(eventTime).putShort((short) keyBytes.length)
                    .put(keyBytes).put(value);
            CRC32C crc = new CRC32C();
            crc.update(record.array(), FRAME, length);
            record.putInt(4, (int) crc.getValue());
            record.flip();
            if (writeBuffer.remaining() < size) {
                flush();
            }
            if (size > writeBuffer.capacity()) {
                writeFully(record);
            } else {
                writeBuffer.put(record);
            }
            writeOffset += size;
            segments.put(writeSegment, writeOffset);
            totalBytes += size;
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("event spool write failed: " + e.getMessage(), e);
        }
    }

    /** Hands what was appended to the OS, so a crash of this process cannot lose it. */
    void flush() throws IOException {
        if (writeBuffer.position() > 0) {
            writeBuffer.flip();
            writeFully(writeBuffer);
            writeBuffer.clear();
            dirtySinceSync = true;
        }
    }

    /** Forces appended data to the device (see the class Javadoc for when). */
    void sync() throws IOException {
        flush();
        if (dirtySinceSync) {
            writer.force(false);
            dirtySinceSync = false;
        }
    }

    /**
     * Up to {@code max} entries from the read position on, moving the read position past them; an
     * empty list when everything appended has been read.
     */
    List<Entry> read(int max) throws IOException {
        flush();
        List<Entry> out = new ArrayList<>();
        while (out.size() < max) {
            Long size = segments.get(read.segment());
            if (size == null || read.offset() >= size) {
                if (read.segment() >= writeSegment) {
                    break;
                }
                Long next = segments.higherKey(read.segment());
                read = new Position(next == null ? writeSegment : next, 0);
                continue;
            }
            Entry entry = readAt(read, size);
            if (entry == null) {
                corrupt++;
                LOG.warn("event spool segment {} is corrupt from offset {}; its remaining {} bytes are skipped",
                        segmentFile(read.segment()), read.offset(), size - read.offset());
                // Nothing after a torn record can be trusted to start on a record boundary.
                segments.put(read.segment(), read.offset());
                recountBytes();
                continue;
            }
            out.add(entry);
            read = entry.next();
        }
        return out;
    }

    /** Where the next {@link #read} starts. */
    Position readPosition() {
        return read;
    }

    /** Moves the read position back to the last committed one, to read again what was not acknowledged. */
    void rewind() {
        read = committed;
    }

    /** Whether every appended record has been read. */
    boolean caughtUp() throws IOException {
        flush();
        return read.segment() >= writeSegment && read.offset() >= writeOffset;
    }

    /** Whether every appended record has been committed. */
    boolean isEmpty() {
        return committed.segment() >= writeSegment && committed.offset() >= writeOffset;
    }

    /** {@link #isEmpty()} for other threads: no segment holds bytes (committed segments are deleted). */
    boolean isEmptyForReaders() {
        return totalBytes == 0;
    }

    /**
     * Records everything before {@code position} as acknowledged: deletes the segments it has left
     * behind and saves the cursor.
     */
    void commit(Position position) throws IOException {
        boolean readWasHere = read.equals(position);
        committed = position;
        if (position.segment() == writeSegment && position.offset() == writeOffset && writeOffset > 0) {
            // Everything is acknowledged: start a new segment so the old one's bytes are freed now,
            // not when the active segment fills up.
            roll();
            committed = new Position(writeSegment, 0);
            if (readWasHere) {
                read = committed;
            }
        }
        position = committed;
        boolean deleted = false;
        while (!segments.isEmpty() && segments.firstKey() < position.segment()) {
            long number = segments.pollFirstEntry().getKey();
            if (number == readerSegment) {
                closeReader();
            }
            Files.deleteIfExists(segmentFile(number));
            deleted = true;
        }
        if (deleted) {
            recountBytes();
        }
        saveCursor(position);
    }

    /** The bytes the segment files hold, acknowledged or not, as counted against the bound. */
    long bytes() {
        return totalBytes;
    }

    /** Segments whose tail was skipped as corrupt. */
    long corruptSegments() {
        return corrupt;
    }

    Path directory() {
        return directory;
    }

    @Override
    public void close() throws IOException {
        try {
            sync();
        } finally {
            writer.close();
            closeReader();
            lockChannel.close();
        }
    }

    /** Another process holds the lock: null; another instance in this JVM: an exception. Both mean "in use". */
    private static boolean locked(FileChannel channel) throws IOException {
        try {
            return channel.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            return false;
        }
    }

    private Entry readAt(Position at, long segmentSize) throws IOException {
        FileChannel channel = readerFor(at.segment());
        long remaining = segmentSize - at.offset();
        if (remaining < FRAME + FIXED) {
            return null;
        }
        ByteBuffer head = ByteBuffer.allocate(FRAME);
        readFully(channel, head, at.offset());
        int length = head.getInt(0);
        int crc = head.getInt(4);
        if (length < FIXED || length > MAX_RECORD || FRAME + (long) length > remaining) {
            return null;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(channel, body, at.offset() + FRAME);
        CRC32C check = new CRC32C();
        check.update(body.array(), 0, length);
        if ((int) check.getValue() != crc) {
            return null;
        }
        body.flip();
        long eventTime = body.getLong();
        int keyLength = body.getShort();
        if (keyLength < 0 || keyLength > body.remaining()) {
            return null;
        }
        String key = new String(body.array(), FIXED, keyLength, StandardCharsets.UTF_8);
        byte[] value = new byte[length - FIXED - keyLength];
        System.arraycopy(body.array(), FIXED + keyLength, value, 0, value.length);
        return new Entry(new Position(at.segment(), at.offset() + FRAME + length), eventTime, key, value);
    }

    private FileChannel readerFor(long segment) throws IOException {
        if (segment != readerSegment) {
            closeReader();
            reader = FileChannel.open(segmentFile(segment), StandardOpenOption.READ);
            readerSegment = segment;
        }
        return reader;
    }

    private void closeReader() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
            readerSegment = -1;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new IOException("segment shorter than recorded");
            }
            at += n;
        }
    }

    private void writeFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            writer.write(buffer);
        }
    }

    private void roll() throws IOException {
        sync();
        writer.close();
        writeSegment++;
        openWriter();
    }

    private void openWriter() throws IOException {
        writer = FileChannel.open(segmentFile(writeSegment), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        writeOffset = 0;
        segments.put(writeSegment, 0L);
    }

    private void recountBytes() {
        totalBytes = segments.values().stream().mapToLong(Long::longValue).sum();
    }

    private Position loadCursor() throws IOException {
        Path file = directory.resolve(CURSOR);
        if (!Files.exists(file)) {
            return new Position(segments.isEmpty() ? 0 : segments.firstKey(), 0);
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        String[] parts = text.split(" ");
        try {
            return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        } catch (RuntimeException e) {
            // A torn cursor costs duplicates, never events: start from the oldest segment kept.
            LOG.warn("event spool cursor {} unreadable ({}); resending from the oldest segment", file, text);
            return new Position(segments.isEmpty() ? 0 : segments.firstKey(), 0);
        }
    }

    private void saveCursor(Position position) throws IOException {
        Path file = directory.resolve(CURSOR);
        Path temp = directory.resolve(CURSOR + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap((position.segment() + " " + position.offset() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            channel.force(false);
        }
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private Path segmentFile(long number) {
        return directory.resolve(String.format("%020d%s", number, SUFFIX));
    }

    private static Long segmentNumber(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SUFFIX) || name.length() != 20 + SUFFIX.length()) {
            return null;
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
