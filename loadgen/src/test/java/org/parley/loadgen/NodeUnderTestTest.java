package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeUnderTestTest {
    @TempDir
    Path dir;

    @Test
    void whatTheNodeStoredIsRemovedButItsLogStays() throws Exception {
        for (String f : List.of("parley.db", "parley.db-wal", "parley.db-shm", "logback.xml", "node.log", "media/blobs/ab/abcdef",
                "media/uploads/u1", "media/url.key", "old/other.log")) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.writeString(dir.resolve(f), "x");
        }
        Files.createDirectories(dir.resolve("media/empty"));
        NodeUnderTest.removeAllButLogs(dir);
        try (var left = Files.walk(dir)) {
            assertThat(left.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList())
                    .containsExactly("node.log", "old/other.log");
        }
        assertThat(dir.resolve("media")).doesNotExist();
    }
}
