package io.tokenwatch.schemas;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared/specs} (the specifications outputs are validated against) relative to the
 * project root: from the system property {@code tokenwatch.root}, which surefire sets, or else by
 * walking up from the working directory, so a test run from an IDE finds it too.
 */
public final class SharedSpecs {

    private SharedSpecs() {
    }

    /** The file at {@code relative} under {@code shared/specs}. */
    public static Path resolve(String relative) {
        return root().resolve(relative);
    }

    static Path root() {
        String property = System.getProperty("tokenwatch.root");
        if (property != null && !property.isBlank()) {
            Path candidate = Path.of(property).resolve("../shared/specs").normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            for (Path candidate : new Path[] {dir.resolve("../shared/specs"), dir.resolve("shared/specs")}) {
                if (Files.isRegularFile(candidate.resolve("README.md"))) {
                    return candidate.normalize();
                }
            }
        }
        throw new IllegalStateException("shared/specs not found from tokenwatch.root=" + property
                + " nor above " + Path.of("").toAbsolutePath());
    }
}
