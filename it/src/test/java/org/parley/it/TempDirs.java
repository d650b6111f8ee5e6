package org.parley.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Removes what a test put in the temporary folder, so that ./test leaves nothing behind there. */
public final class TempDirs {
    private TempDirs() {}

    /** Deletes {@code dir} and all below it; best effort (a file still held open is left). */
    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException | RuntimeException e) {
            // left for the system's own clean-up of the temporary folder
        }
    }
}
