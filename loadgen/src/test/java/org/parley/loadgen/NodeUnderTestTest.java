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
    void whatTheNodeStoredIsRemovedFolderAndAll() throws Exception {
        Path data = dir.resolve("parley-bench1");
        for (String f : List.of("parley.db", "parley.db-wal", "parley.db-shm", "logback.xml", "media/blobs/ab/abcdef", "media/uploads/u1",
                "media/url.key")) {
            Files.createDirectories(data.resolve(f).getParent());
            Files.writeString(data.resolve(f), "x");
        }
        Files.createDirectories(data.resolve("media/empty"));
        Files.writeString(dir.resolve("node.log"), "the log, in the run's folder");
        NodeUnderTest.deleteAll(data);
        assertThat(data).doesNotExist();
        assertThat(dir.resolve("node.log")).exists();
        NodeUnderTest.deleteAll(data); // already gone: nothing to do
    }
}
