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
    void afterAWarmUpStormEveryDeviceGetsExactlyWhatItMissedSince() throws Exception {
        Options o = Options.parse(new String[] {"reconnect", "--clients", "50", "--out", out.toString()});
        Result r;
        long[] cursors;
        try (NodeUnderTest node = NodeUnderTest.start(o); ReconnectScenario reconnect = new ReconnectScenario(o, node)) {
            reconnect.setUp();
            // every device catches up on 20 messages in the warm-up storm, then on 20 more
            r = reconnect.run(0, o.warmupS(), 0);
            cursors = reconnect.cursors();
        }
        assertThat(cursors).as("each device's chat: the first message, the warm-up storm's 20 and the measured storm's 20")
                .hasSize(50).containsOnly(41);
        assertThat(r.correct()).as("nothing lost, doubled or out of order: %s", r).isTrue();
        assertThat(r.delivered()).as("each device got the 20 messages written since it last caught up, no more").isEqualTo(50 * 20);
        assertThat(r.p50Ms()).isPositive();
    }
}
