package io.tokenwatch.filter.conformance;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (conformance vectors and data written by others, kept byte-for-byte)
 * relative to the project root: from the system property {@code tokenwatch.root}, which surefire
 * sets, or else by walking up from the working directory, so a test run from an IDE finds it too.
 * Missing material fails the test that needs it; it is never skipped.
 */
public final class SharedFiles {

    private SharedFiles() {
    }

    /** The file or directory at {@code relative} under {@code shared}, e.g. {@code conformance/README.md}. */
    public static Path resolve(String relative) {
        return root().resolve(relative);
    }

    static Path root() {
        String property = System.getProperty("tokenwatch.root");
        if (property != null && !property.isBlank()) {
            Path candidate = Path.of(property).resolve("../shared").normalize();
            if (isShared(candidate)) {
                return candidate;
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : new Path[] {dir.resolve("../shared"), dir.resolve("shared")}) {
                if (isShared(candidate)) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("shared/conformance not found from tokenwatch.root=" + property
                + " nor above " + Path.of("").toAbsolutePath());
    }

    private static boolean isShared(Path candidate) {
        return Files.isRegularFile(candidate.resolve("conformance/README.md"));
    }
}
