package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SyncingDevicesTest {
    @Test
    void aLongRoundSaysHowManyDevicesAreInEachPhase() {
        assertThat(SyncingDevices.phases(new int[] {0, 1, 2, 2, 3, 4, 4, 4, 5}))
                .isEqualTo("devices connecting 1, connected without ready 1, sync sent 2, receiving 1, caught up 3, failed 1");
        assertThat(SyncingDevices.phases(new int[0]))
                .isEqualTo("devices connecting 0, connected without ready 0, sync sent 0, receiving 0, caught up 0, failed 0");
    }
}
