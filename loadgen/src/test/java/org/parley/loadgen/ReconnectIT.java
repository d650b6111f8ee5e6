package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./bench reconnect} on one node (SQLite), its devices in the bench's own process. */
class ReconnectIT {
    @TempDir
    Path out;

    @Test
    void afterTheWarmUpStormsEveryDeviceGetsExactlyWhatItMissedSince() throws Exception {
        Options o = Options.parse(new String[] {"reconnect", "--clients", "50", "--out", out.toString()});
        Result r;
        long[] cursors;
        Double jit, all;
        try (NodeUnderTest node = NodeUnderTest.start(o); ReconnectScenario reconnect = new ReconnectScenario(o, node)) {
            reconnect.setUp();
            // every device catches up on 20 messages in each of the three warm-up storms, then on 20 more
            r = reconnect.run(0, o.warmupS(), 0);
            cursors = reconnect.cursors();
            jit = node.jitCpuSeconds();
            all = node.cpuSeconds();
        }
        assertThat(cursors).as("each device's chat: the first message, each warm-up storm's 20 and the measured storm's 20")
                .hasSize(50).containsOnly(81);
        assertThat(jit).as("the node's JIT compilers' CPU, read from /proc").isNotNull().isPositive();
        assertThat(all).as("the whole node's CPU").isNotNull();
        // a young node's JIT is about half its CPU (2.9 of 5.8 s in one run); every thread counted would be all of it
        assertThat(jit).as("the compiler threads' share of the node's CPU, not all of it").isLessThan(all * 0.9);
        assertThat(r.correct()).as("nothing lost, doubled or out of order: %s", r).isTrue();
        assertThat(r.delivered()).as("each device got the 20 messages written since it last caught up, no more").isEqualTo(50 * 20);
        assertThat(r.p50Ms()).isPositive();
    }
}
