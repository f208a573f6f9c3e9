package io.tokenwatch.detector;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Rebuilds the global stores ({@code tokenwatch.revocations}, {@code tokenwatch.suppressions}) from their
 * topics after any unclean stop, because Kafka Streams 4.4 cannot: after a SIGKILL once the global
 * RocksDB store has been flushed, opening it again fails with {@code TaskCorruptedException} for task
 * {@code -1_-1}; a stream task's corruption is repaired by Streams (wipe and restore from the changelog),
 * but nothing handles it for the global task, so every start exits the same way until someone deletes
 * {@code <state-dir>/<application-id>/global} by hand.
 *
 * <p>So the detector does that itself, before Kafka Streams opens anything: {@link #markRunning()} at
 * start removes a marker file and, if the marker was missing while a global state directory exists (the
 * last run did not close cleanly), wipes that directory; {@link #markClosedCleanly()} writes the marker
 * after a close that completed. A clean restart keeps its global state and reads the topics on from its
 * checkpoint; a restart after a kill re-reads them from offset 0 (about a second per 100,000 revocations
 * here), whether or not the store would have opened: telling a corrupt store from a sound one would mean
 * depending on RocksDB and Streams internals, and the global stores are only copies of compacted topics.
 * Stream tasks' state is left to Kafka Streams, which restores it from changelogs as needed.
 *
 * <p>Before wiping it takes the lock Kafka Streams holds on the application's state directory
 * ({@code .lock}) while an instance runs, and wipes nothing if another process holds it (Streams then
 * refuses to start with its own message).
 *
 * <p>Not thread-safe; the detector calls it from its constructor and {@code close()}.
 */
final class GlobalStateRecovery {

    /** Written after a clean close, removed at start; its absence next to a global directory means a kill. */
    static final String MARKER = "tokenwatch-global-closed-cleanly";

    private static final Logger LOG = LoggerFactory.getLogger(GlobalStateRecovery.class);

    private final Path applicationDir;

    /** For the application {@code applicationId} under the Kafka Streams state directory {@code stateDir}. */
    GlobalStateRecovery(Path stateDir, String applicationId) {
        this.applicationDir = Objects.requireNonNull(stateDir, "stateDir").resolve(
                Objects.requireNonNull(applicationId, "applicationId"));
    }

    Path globalDir() {
        return applicationDir.resolve("global");
    }

    /**
     * Called before Kafka Streams is created: wipes the global state if the last run did not close cleanly,
     * and removes the marker, so that this run counts as unclean until {@link #markClosedCleanly()}.
     *
     * @return true if the global state was wiped
     */
    boolean markRunning() {
        Path marker = applicationDir.resolve(MARKER);
        try {
            boolean closedCleanly = Files.deleteIfExists(marker);
            if (closedCleanly || !Files.isDirectory(globalDir())) {
                return false;
            }
            return wipeUnlessLocked();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the detector's global state in " + applicationDir, e);
        }
    }

    /** Called once Kafka Streams closed within its timeout: the global state on disk is consistent. */
    void markClosedCleanly() {
        try {
            Files.createDirectories(applicationDir);
            Files.writeString(applicationDir.resolve(MARKER), "closed cleanly\n");
        } catch (IOException e) {
            // The next start then rebuilds the global stores from their topics, which is safe, only slower.
            LOG.warn("cannot record the clean close in {}: {}", applicationDir, e.getMessage());
        }
    }

    private boolean wipeUnlessLocked() throws IOException {
        Path lockFile = applicationDir.resolve(".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                LOG.warn("{} is in use by another Kafka Streams instance; its global state is left as it is",
                        applicationDir);
                return false;
            }
            try {
                LOG.warn("the detector did not close cleanly last time; rebuilding its global stores from their "
                        + "topics (deleting {})", globalDir());
                deleteRecursively(globalDir());
                return true;
            } finally {
                lock.release();
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // Already gone: nothing to rebuild from.
        }
    }
}
