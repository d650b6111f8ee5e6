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

    @Test
    void aCollectorNamedInTheNodesExtraOptionsReplacesTheParallelOne() {
        assertThat(NodeUnderTest.javaCommand("java", List.of("-Xmn64m")))
                .containsExactly("java", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC");
        assertThat(NodeUnderTest.javaCommand("java", List.of("-Xlog:gc", "-XX:+UseG1GC")))
                .as("the JVM refuses two collectors; an AOT cache is made with the nodes' one")
                .containsExactly("java", "--enable-native-access=ALL-UNNAMED", "-XX:+UseG1GC");
        assertThat(NodeUnderTest.javaCommand("java", List.of("-XX:+UseZGC"))).endsWith("-XX:+UseZGC");
        assertThat(NodeUnderTest.javaCommand("java", List.of("-XX:+UseMaximumCompactionOnSystemGC"))).as("an option, not a collector")
                .endsWith("-XX:+UseParallelGC");
    }

    @Test
    void nodesOfAReconnectStormTakeTheirWholeHeapAtStartWhenTheyFitInAQuarterOfTheMachine() {
        long gib = 1L << 30;
        List<String> touched = List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch");
        List<String> growing = List.of("-Xms256m", "-Xmx1g");
        assertThat(NodeUnderTest.heap(options("reconnect", 3), 24 * gib)).isEqualTo(touched);
        assertThat(NodeUnderTest.heap(options("reconnect", 6), 24 * gib)).as("6 GiB: just fits").isEqualTo(touched);
        assertThat(NodeUnderTest.heap(options("reconnect", 7), 24 * gib)).isEqualTo(growing);
        assertThat(NodeUnderTest.heap(options("reconnect", 3), 8 * gib)).isEqualTo(growing);
        assertThat(NodeUnderTest.heap(options("idle", 3), 24 * gib)).as("idle measures what each socket adds").isEqualTo(growing);
        assertThat(NodeUnderTest.heap(options("reconnect", 1), 24 * gib)).as("a lone node").containsExactly("-Xms1g", "-Xmx4g");
    }

    private static Options options(String scenario, int nodes) {
        return nodes == 1 ? Options.parse(new String[] {scenario})
                : Options.parse(new String[] {scenario, "--nodes", Integer.toString(nodes), "--store", "postgres"});
    }
}
