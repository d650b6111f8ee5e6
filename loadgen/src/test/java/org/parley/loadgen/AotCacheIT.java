package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./bench reconnect --aot-cache FILE}: a cache trained on a real node, then nodes that start with it (JDK 25+). */
class AotCacheIT {
    @TempDir
    Path out;

    @Test
    void aCacheTrainedOnAStormIsUsedByTheNodesOfTheRunAndABadOneStopsThem() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 25, "AOT caches with method profiles need JDK 25");
        Path cache = out.resolve("caches/node.aot");
        Options o = Options.parse(new String[] {"reconnect", "--clients", "60", "--aot-cache", cache.toString(), "--out", out.resolve("run").toString()});
        AotCache.train(o, 40);
        assertThat(cache).isRegularFile();
        assertThat(Files.size(cache)).as("the server's classes, loaded and linked, and their profiles").isGreaterThan(10 << 20);
        assertThat(AotCache.fresh(cache, Path.of(NodeUnderTest.serverJar()), AotCache.jdk())).as("named after this JDK").isTrue();
        assertThat(out.resolve("run/aot-training")).as("the training node's log kept, its recording removed")
                .isDirectoryContaining("glob:**/node.log").isDirectoryNotContaining("glob:**/node.aotconf");

        Result r;
        try (NodeUnderTest node = NodeUnderTest.start(o); ReconnectScenario reconnect = new ReconnectScenario(o, node)) {
            reconnect.setUp();
            r = reconnect.run(0, 0, 0);
        }
        assertThat(r.correct()).as("a node on the cache (-XX:AOTMode=on would have stopped it were the cache not used): %s", r).isTrue();
        assertThat(r.delivered()).isEqualTo(60 * 20);

        Files.writeString(cache, "not a cache");
        assertThatThrownBy(() -> NodeUnderTest.start(o).close()).as("a node does not run unnoticed without its cache")
                .hasMessageContaining("server exited").hasMessageContaining("delete it");
        assertThat(Files.readString(out.resolve("run/node.log"))).contains("Unable to use AOT cache");
    }
}
