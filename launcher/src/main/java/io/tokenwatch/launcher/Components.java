package io.tokenwatch.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The parts of an in-process system in the order they were started, stopped in reverse: the gateway
 * or filter before the detector, the detector before the broker. A part that fails to stop is
 * reported on stderr and the rest are still stopped, so a failed close never leaves a broker running.
 *
 * <p>Not thread-safe; its owners synchronize where they need to.
 */
final class Components {

    private final List<AutoCloseable> started = new ArrayList<>();

    /** Remembers {@code component} for {@link #closeAll()} and returns it. */
    <T extends AutoCloseable> T add(T component) {
        started.add(component);
        return component;
    }

    /** Closes every remembered part, newest first, and forgets them. */
    void closeAll() {
        List<AutoCloseable> reverse = new ArrayList<>(started);
        Collections.reverse(reverse);
        for (AutoCloseable component : reverse) {
            try {
                component.close();
            } catch (Exception e) {
                System.err.println("tokenwatch: stopping " + component.getClass().getSimpleName() + " failed: " + e);
            }
        }
        started.clear();
    }

    /** Deletes {@code dir} and everything under it; nothing to do if it does not exist. */
    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
