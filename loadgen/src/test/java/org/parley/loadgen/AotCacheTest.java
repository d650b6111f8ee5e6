package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AotCacheTest {
    @TempDir
    Path dir;

    @Test
    void aCacheIsTrainedAgainWhenTheServerOrAnyOfItsLibrariesChangedAfterIt() throws Exception {
        Path jar = Files.writeString(dir.resolve("parley-server.jar"), "jar");
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path vertx = Files.writeString(lib.resolve("vertx-core.jar"), "jar");
        Files.writeString(lib.resolve("notes.txt"), "not on the class path");
        Path cache = dir.resolve("node.aot");
        Instant t = Instant.parse("2026-11-27T12:00:00Z");
        setTime(jar, t);
        setTime(vertx, t);
        assertThat(AotCache.fresh(cache, jar)).as("none yet").isFalse();
        Files.writeString(cache, "cache");
        setTime(cache, t.plusSeconds(60));
        assertThat(AotCache.fresh(cache, jar)).isTrue();
        setTime(lib.resolve("notes.txt"), t.plusSeconds(120));
        assertThat(AotCache.fresh(cache, jar)).as("only jars count").isTrue();
        setTime(vertx, t.plusSeconds(120));
        assertThat(AotCache.fresh(cache, jar)).as("a library rebuilt after the cache").isFalse();
        setTime(vertx, t);
        setTime(jar, t.plusSeconds(120));
        assertThat(AotCache.fresh(cache, jar)).as("the server rebuilt after the cache").isFalse();
    }

    private static void setTime(Path p, Instant t) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(t));
    }
}
