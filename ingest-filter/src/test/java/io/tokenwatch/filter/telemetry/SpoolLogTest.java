package io.tokenwatch.filter.telemetry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpoolLogTest {

    @TempDir
    Path dir;

    @Test
    void shouldReadBackAppendedRecordsInOrderAcrossSegments() throws IOException {
        try (SpoolLog log = new SpoolLog(dir, 1 << 20, 1024)) {
            for (int i = 0; i < 100; i++) {
                assertThat(log.append(i, "k" + i, value(i))).isTrue();
            }
            List<SpoolLog.Entry> read = readAll(log);

            assertThat(read).extracting(SpoolLog.Entry::eventTime)
                    .containsExactlyElementsOf(range(0, 100));
            assertThat(read.get(42).key()).isEqualTo("k42");
            assertThat(new String(read.get(42).value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":42}");
            assertThat(segments()).as("rolled at 1 KiB").hasSizeGreaterThan(2);
        }
    }

    @Test
    void shouldRefuseAppendsBeyondTheBoundAndFreeCommittedSegments() throws IOException {
        try (SpoolLog log = new SpoolLog(dir, 4096, 1024)) {
            int accepted = 0;
            while (log.append(accepted, "key", value(accepted))) {
                accepted++;
            }
            assertThat(log.bytes()).isLessThanOrEqualTo(4096);
            assertThat(accepted).isPositive();

            List<SpoolLog.Entry> read = readAll(log);
            log.commit(read.get(read.size() - 1).next());

            assertThat(log.isEmpty()).isTrue();
            assertThat(log.bytes()).isZero();
            assertThat(log.append(1, "key", value(1))).as("room again once acknowledged").isTrue();
        }
    }

    @Test
    void shouldResumeFromTheCommittedCursorAfterRestart() throws IOException {
        try (SpoolLog log = new SpoolLog(dir, 1 << 20, 512)) {
            for (int i = 0; i < 50; i++) {
                log.append(i, "k", value(i));
            }
            List<SpoolLog.Entry> first = log.read(20);
            log.commit(first.get(19).next());
            // Read but never acknowledged: must come back after the restart.
            log.read(10);
        }
        try (SpoolLog log = new SpoolLog(dir, 1 << 20, 512)) {
            log.append(50, "k", value(50));

            assertThat(readAll(log)).extracting(SpoolLog.Entry::eventTime).containsExactlyElementsOf(range(20, 51));
        }
    }

    @Test
    void shouldSkipACorruptTailAndKeepReadingLaterSegments() throws IOException {
        try (SpoolLog log = new SpoolLog(dir, 1 << 20, 1 << 20)) {
            for (int i = 0; i < 10; i++) {
                log.append(i, "k", value(i));
            }
        }
        Path torn = segments().get(0);
        long size = Files.size(torn);
        // A crash mid-write: the last record cut short, then garbage in the middle of record 6.
        try (FileChannel channel = FileChannel.open(torn, StandardOpenOption.WRITE)) {
            channel.truncate(size - 5);
        }
        long recordSize = size / 10;
        try (FileChannel channel = FileChannel.open(torn, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7}), recordSize * 6 + 12);
        }
        try (SpoolLog log = new SpoolLog(dir, 1 << 20, 1 << 20)) {
            log.append(100, "k", value(100));

            List<SpoolLog.Entry> read = readAll(log);

            assertThat(read).extracting(SpoolLog.Entry::eventTime).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 100L);
            assertThat(log.corruptSegments()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameDirectory() throws IOException {
        try (SpoolLog log = new SpoolLog(dir, 1 << 20, 1024)) {
            assertThatThrownBy(() -> new SpoolLog(dir, 1 << 20, 1024))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("in use");
        }
    }

    private static List<SpoolLog.Entry> readAll(SpoolLog log) throws IOException {
        List<SpoolLog.Entry> all = new ArrayList<>();
        for (List<SpoolLog.Entry> batch = log.read(7); !batch.isEmpty(); batch = log.read(7)) {
            all.addAll(batch);
        }
        return all;
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static byte[] value(int n) {
        return ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }
}
