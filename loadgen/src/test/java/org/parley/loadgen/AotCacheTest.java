package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        String jdk = "25.0.3+9-LTS /usr/lib/jvm/temurin-25-jdk-amd64";
        Instant t = Instant.parse("2026-11-27T12:00:00Z");
        setTime(jar, t);
        setTime(vertx, t);
        assertThat(AotCache.fresh(cache, jar, jdk)).as("none yet").isFalse();
        Files.writeString(cache, "cache");
        setTime(cache, t.plusSeconds(60));
        assertThat(AotCache.fresh(cache, jar, jdk)).as("no word of the JDK that made it").isFalse();
        Files.writeString(dir.resolve("node.aot.jdk"), jdk + "\n");
        assertThat(AotCache.fresh(cache, jar, jdk)).isTrue();
        assertThat(AotCache.fresh(cache, jar, "25.0.4+7-LTS /usr/lib/jvm/temurin-25-jdk-amd64")).as("made by another JDK").isFalse();
        setTime(lib.resolve("notes.txt"), t.plusSeconds(120));
        assertThat(AotCache.fresh(cache, jar, jdk)).as("only jars count").isTrue();
        setTime(vertx, t.plusSeconds(120));
        assertThat(AotCache.fresh(cache, jar, jdk)).as("a library rebuilt after the cache").isFalse();
        setTime(vertx, t);
        setTime(jar, t.plusSeconds(120));
        assertThat(AotCache.fresh(cache, jar, jdk)).as("the server rebuilt after the cache").isFalse();
    }

    @Test
    void theTrainingStormFitsTheOpenFileLimit() {
        assertThat(AotCache.trainingDevices(-1)).as("limit unknown").isEqualTo(15_000);
        assertThat(AotCache.trainingDevices(1_048_576)).isEqualTo(15_000);
        assertThat(AotCache.trainingDevices(8_192)).as("what is left beside the node's own files").isEqualTo(7_192);
        assertThat(AotCache.trainingDevices(2_000)).isEqualTo(1_000);
        assertThatThrownBy(() -> AotCache.trainingDevices(1_999)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ulimit -n");
    }

    private static void setTime(Path p, Instant t) throws Exception {
        Files.setLastModifiedTime(p, FileTime.from(t));
    }
}
