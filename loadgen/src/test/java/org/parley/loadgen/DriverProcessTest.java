package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DriverProcessTest {
    @Test
    void aCountOneProcessCannotHoldIsRefusedWithTheNodesItWouldNeed() {
        Options one = Options.parse(new String[] {"idle", "--clients", "250000"});
        assertThatThrownBy(() -> DriverProcess.checkFileLimit(one, 20_000)).hasMessageContaining("250,000 sockets per process")
                .hasMessageContaining("--nodes 14");
        assertThatThrownBy(() -> DriverProcess.checkFileLimit(Options.parse(new String[] {"idle", "--clients", "250000", "--nodes", "12", "--store", "postgres"}),
                20_000)).hasMessageContaining("20,834 sockets per process");
        // 17,858 each, and the default 18,000 in one process, fit 20,000 open files with room for the rest
        DriverProcess.checkFileLimit(Options.parse(new String[] {"idle", "--clients", "250000", "--nodes", "14", "--store", "postgres"}), 20_000);
        DriverProcess.checkFileLimit(Options.parse(new String[] {"idle"}), 20_000);
        DriverProcess.checkFileLimit(one, -1); // limit unknown: nothing to check against
        assertThatThrownBy(() -> DriverProcess.checkFileLimit(one, 1_500)).hasMessageContaining("raise the limit");
        assertThatThrownBy(() -> DriverProcess.checkFileLimit(Options.parse(new String[] {"idle", "--clients", "1000000"}), 20_000))
                .as("53 nodes would be needed, more than --nodes allows").hasMessageContaining("raise the limit");
        assertThatThrownBy(() -> DriverProcess.checkFileLimit(Options.parse(new String[] {"idle", "--clients", "250000", "--target", "http://127.0.0.1:8080"}),
                20_000)).as("--nodes is not for a target").hasMessageContaining("raise the limit").hasMessageNotContaining("--nodes");
        assertThatThrownBy(() -> DriverProcess.checkFileLimit(Options.parse(new String[] {"reconnect", "--clients", "50000"}), 20_000))
                .hasMessageContaining("--nodes 3");
        DriverProcess.checkFileLimit(Options.parse(new String[] {"reconnect", "--clients", "50000", "--nodes", "3", "--store", "postgres"}), 20_000);
    }

    @Test
    void onlySocketsBeyondTheFirstGroupToANodeBindASourceAddress() {
        assertThat(IdleSockets.boundBlocks(1)).isZero();
        assertThat(IdleSockets.boundBlocks(25_000)).isZero();
        assertThat(IdleSockets.boundBlocks(25_001)).isEqualTo(1);
        assertThat(IdleSockets.boundBlocks(50_000)).isEqualTo(1);
        assertThat(IdleSockets.boundBlocks(50_001)).isEqualTo(2);
        // a reconnect storm's devices: 10,000 per source address (the connect-time port search)
        assertThat(SyncingDevices.boundBlocks(10_000)).isZero();
        assertThat(SyncingDevices.boundBlocks(10_001)).isEqualTo(1);
        assertThat(SyncingDevices.boundBlocks(16_667)).isEqualTo(1);
        assertThat(SyncingDevices.boundBlocks(20_000)).isEqualTo(1);
        assertThat(SyncingDevices.boundBlocks(20_001)).isEqualTo(2);
        assertThat(IdleSockets.usersFor(17_858)).isEqualTo(358);
        assertThat(java.util.stream.IntStream.range(0, 14).map(k -> DriverProcess.share(250_000, 14, k)).sum()).isEqualTo(250_000);
        assertThat(DriverProcess.share(250_000, 14, 0)).isEqualTo(17_858);
        assertThat(DriverProcess.share(250_000, 14, 13)).isEqualTo(17_857);
    }

    @Test
    void aDriversConnectTimesCrossTheProcessBoundaryWhole() throws Exception {
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 1; i <= 1_000; i++) h.recordValue(i * 1_000L);
        Histogram back = DriverProcess.decode(DriverProcess.encode(h));
        assertThat(back.getTotalCount()).isEqualTo(1_000);
        assertThat(back.getValueAtPercentile(50)).isEqualTo(h.getValueAtPercentile(50));
        assertThat(back.getMaxValue()).isEqualTo(h.getMaxValue());
    }

    @Test
    void aDriverThatFailsFailsTheRunAtOnceSayingWhyAndWhereItsLogIs(@TempDir Path out) throws Exception {
        DriverProcess ok = DriverProcess.start(1, ScriptedDriver.class, out, DriverProcess.GROWING_HEAP, List.of("ready 1"));
        DriverProcess failing = DriverProcess.start(2, ScriptedDriver.class, out, DriverProcess.GROWING_HEAP, List.of("open 10", "failed no route to the node"));
        try {
            long started = System.nanoTime();
            // the first driver never fails but stays silent after its line; the second fails at once
            assertThatThrownBy(() -> DriverProcess.awaitAll(List.of(ok, failing), "ready ", 60)).hasMessageContaining("driver 2: failed no route to the node")
                    .hasMessageContaining("driver-2.log");
            assertThat(System.nanoTime() - started).as("not after the timeout").isLessThan(TimeUnit.SECONDS.toNanos(50));
        } finally {
            DriverProcess.closeAll(List.of(ok, failing));
        }
        DriverProcess exits = DriverProcess.start(3, ScriptedDriver.class, out, DriverProcess.GROWING_HEAP, List.of("exit 7"));
        try {
            assertThatThrownBy(() -> exits.await("ready ", 60)).hasMessageContaining("exited with status 7");
        } finally {
            exits.close();
        }
    }

    @Test
    void burstDriversTakeTheirWholeHeapAtStartOnlyWhenTheyFitInAQuarterOfTheMachine() {
        long gib = 1L << 30;
        List<String> touched = List.of("-Xms1920m", "-Xmx1920m", "-Xmn1408m", "-XX:+AlwaysPreTouch");
        assertThat(DriverProcess.touchedHeap(3, 24 * gib)).isEqualTo(touched);
        assertThat(DriverProcess.touchedHeap(3, 23 * gib + gib / 2)).as("this machine's 23.5 GiB: 5.6 GiB of heaps fit").isEqualTo(touched);
        assertThat(DriverProcess.touchedHeap(4, 24 * gib)).isEqualTo(DriverProcess.GROWING_HEAP);
        assertThat(DriverProcess.touchedHeap(3, 16 * gib)).isEqualTo(DriverProcess.GROWING_HEAP);
        assertThat(DriverProcess.touchedHeap(100_000)).as("183 TiB of heaps fit no machine").isEqualTo(DriverProcess.GROWING_HEAP);
    }
}
