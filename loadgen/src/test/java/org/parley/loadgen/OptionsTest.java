package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OptionsTest {
    @Test
    void defaultsFollowTheScenario() {
        Options direct = Options.parse(new String[] {"direct"});
        assertThat(direct.clients()).isEqualTo(2_000);
        assertThat(direct.rate()).isEqualTo(24_000);
        Options group = Options.parse(new String[] {"group", "--group-size", "50", "--find-max", "--p99-bound", "100"});
        assertThat(group.clients()).isEqualTo(500);
        assertThat(group.findMax()).isTrue();
        assertThat(group.p99BoundMs()).isEqualTo(100);
        assertThat(Options.parse(new String[] {"idle"}).clients()).as("below this machine's 20,000 open-file cap").isEqualTo(18_000);
        assertThat(Options.parse(new String[] {"reconnect"}).clients()).isEqualTo(18_000);
        assertThat(direct.warmupS()).as("the JIT of node and driver still busy at 20 s on a 2-core machine").isEqualTo(30);
        assertThat(Options.parse(new String[] {"idle"}).warmupS()).isEqualTo(5);
        assertThat(Options.parse(new String[] {"direct", "--warmup", "0"}).warmupS()).isZero();
    }

    @Test
    void reconnectWarmsUpWithStormsOfItsOwn() {
        assertThat(Options.parse(new String[] {"reconnect"}).warmupStorms()).as("the nodes' JIT still busy in the third storm").isEqualTo(3);
        assertThat(Options.parse(new String[] {"reconnect", "--warmup-storms", "0"}).warmupStorms()).isZero();
        assertThat(Options.parse(new String[] {"reconnect", "--warmup-storms", "5"}).warmupStorms()).isEqualTo(5);
        assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--warmup-storms", "6"})).hasMessageContaining("--warmup-storms must be an integer in 0..5");
        assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--warmup-storms", "-1"})).hasMessageContaining("0..5");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--warmup-storms", "1"})).hasMessageContaining("--warmup-storms is for reconnect");
        assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--warmup", "0", "--warmup-storms", "2"})).hasMessageContaining("--warmup 0 runs no warm-up storm");
        assertThat(Options.parse(new String[] {"reconnect", "--warmup", "0", "--warmup-storms", "0"}).warmupS()).isZero();
    }

    @Test
    void badOptionsAreRefusedWithAReason() {
        assertThatThrownBy(() -> Options.parse(new String[] {})).hasMessageContaining("scenario");
        assertThatThrownBy(() -> Options.parse(new String[] {"stampede"})).hasMessageContaining("unknown scenario");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--rate", "fast"})).hasMessageContaining("--rate");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--clients"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--target", "http://10.0.0.5:8080"}))
                .as("load goes to loopback only").hasMessageContaining("loopback");
        assertThat(Options.parse(new String[] {"direct", "--target", "http://127.0.0.1:8080"}).target()).isEqualTo("http://127.0.0.1:8080");
    }

    @Test
    void aRelayIsForDirectAndStartedByBench() {
        assertThat(Options.parse(new String[] {"direct", "--relay", "--find-max"}).relay()).isTrue();
        assertThat(Options.parse(new String[] {"direct"}).relay()).isFalse();
        for (String[] bad : new String[][] {{"group", "--relay"}, {"history", "--relay"}, {"direct", "--relay", "--target", "http://127.0.0.1:8080"},
                {"direct", "--relay", "--store", "postgres"}, {"direct", "--relay", "--aot-cache", "/tmp/x.aot"}}) {
            assertThatThrownBy(() -> Options.parse(bad)).as(String.join(" ", bad)).hasMessageContaining("--relay is for direct");
        }
    }

    @Test
    void outputPathsAreCheckedBeforeTheRun(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "x");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--out", "/dev/null"})).hasMessageContaining("--out is a folder, not the file");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--out", plain.toString()})).hasMessageContaining("--out is a folder");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--out", plain + "/run"})).hasMessageContaining("bench cannot write in " + plain);
        assertThat(Options.parse(new String[] {"direct", "--out", dir + "/runs/today"}).outDir()).isEqualTo(dir.resolve("runs/today"));
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--json", dir.toString()})).hasMessageContaining("--json is a file, not the folder");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--json", plain + "/x.json"})).as("found before a run of minutes, not after")
                .hasMessageContaining("bench cannot write in " + plain);
        assertThat(Options.parse(new String[] {"direct", "--json", dir + "/new/x.json"}).json()).isEqualTo(dir.resolve("new/x.json"));
        assertThat(Options.parse(new String[] {"direct", "--json", "/dev/null"}).json()).as("a device is fine for the summary").hasToString("/dev/null");
        Bench.writeJson(dir.resolve("new/x.json"), java.util.Map.of("scenario", "direct"));
        assertThat(Files.readString(dir.resolve("new/x.json"))).as("its folder made").contains("\"scenario\" : \"direct\"");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--pg-url", "postgres://127.0.0.1/test"})).hasMessageContaining("--pg-url is a PostgreSQL JDBC URL");
    }

    @Test
    void storeRunsInProcessWithABatchSize() {
        Options store = Options.parse(new String[] {"store", "--batch", "50", "--store", "postgres"});
        assertThat(store.batch()).isEqualTo(50);
        assertThat(store.store()).isEqualTo("postgres");
        assertThat(Options.parse(new String[] {"store"}).batch()).isEqualTo(15);
        assertThatThrownBy(() -> Options.parse(new String[] {"store", "--batch", "0"})).hasMessageContaining("--batch");
        assertThatThrownBy(() -> Options.parse(new String[] {"store", "--find-max"})).hasMessageContaining("no --find-max");
        assertThatThrownBy(() -> Options.parse(new String[] {"store", "--target", "http://127.0.0.1:8080"})).hasMessageContaining("no --target");
    }

    @Test
    void severalNodesAreForIdleAndReconnectOnOnePostgresSchema() {
        assertThat(Options.parse(new String[] {"idle", "--clients", "250000", "--nodes", "14", "--store", "postgres"}).nodes()).isEqualTo(14);
        assertThat(Options.parse(new String[] {"idle"}).nodes()).isEqualTo(1);
        assertThat(Options.parse(new String[] {"reconnect", "--clients", "50000", "--nodes", "3", "--store", "postgres"}).nodes()).isEqualTo(3);
        assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--nodes", "2"})).hasMessageContaining("--store postgres");
        assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--nodes", "2", "--store", "postgres", "--target", "http://127.0.0.1:8080"}))
                .hasMessageContaining("not --target");
        assertThatThrownBy(() -> Options.parse(new String[] {"direct", "--nodes", "2", "--store", "postgres"})).hasMessageContaining("--nodes is for idle and reconnect");
        assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--nodes", "0"})).hasMessageContaining("--nodes must be an integer in 1..40");
        assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--nodes", "41", "--store", "postgres"})).hasMessageContaining("1..40");
        assertThatThrownBy(() -> Options.parse(new String[] {"idle", "--clients", "3", "--nodes", "4", "--store", "postgres"}))
                .hasMessageContaining("--clients must be at least --nodes");
    }

    @Test
    void anAotCacheIsAFileForTheNodesBenchStarts() throws Exception {
        Path dir = Files.createTempDirectory("parley-options");
        if (Runtime.version().feature() < 25) {
            assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--aot-cache", "node.aot"})).hasMessageContaining("JDK 25");
            Files.delete(dir);
            return;
        }
        try {
            Options o = Options.parse(new String[] {"reconnect", "--aot-cache", "node.aot"});
            assertThat(o.aotCache()).as("resolved where bench was started").isAbsolute().hasFileName("node.aot");
            assertThat(Options.parse(new String[] {"direct"}).aotCache()).isNull();
            assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--aot-cache", dir.toString()})).hasMessageContaining("not the folder");
            assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--aot-cache", "caches/"})).hasMessageContaining("is a file");
            assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--aot-cache", "/dev/null"})).hasMessageContaining("not the special file");
            Path notAFolder = Files.writeString(dir.resolve("plain"), "x");
            assertThatThrownBy(() -> Options.parse(new String[] {"reconnect", "--aot-cache", notAFolder + "/node.aot"}))
                    .as("checked before two minutes of training").hasMessageContaining("bench cannot write in " + notAFolder);
            Files.delete(notAFolder);
            assertThat(Options.parse(new String[] {"reconnect", "--aot-cache", dir + "/caches/new/node.aot"}).aotCache())
                    .as("folders still to make, in one bench may write").isEqualTo(dir.resolve("caches/new/node.aot"));
            for (String[] args : new String[][] {{"store", "--aot-cache", "node.aot"}, {"compare", "--aot-cache", "node.aot"},
                    {"direct", "--target", "http://127.0.0.1:8080", "--aot-cache", "node.aot"}}) {
                assertThatThrownBy(() -> Options.parse(args)).hasMessageContaining("--aot-cache is for the nodes bench starts");
            }
            Options training = o.aotTraining(300, dir);
            assertThat(training.scenario()).isEqualTo("reconnect");
            assertThat(training.clients()).isEqualTo(300);
            assertThat(training.nodes()).isEqualTo(1);
            assertThat(training.warmupS()).as("the storm twice").isPositive();
            assertThat(training.warmupStorms()).isEqualTo(1);
            assertThat(training.aotCache()).as("a training run uses no cache").isNull();
            assertThat(training.outDir()).isEqualTo(dir);
        } finally {
            Files.delete(dir);
        }
    }
}
