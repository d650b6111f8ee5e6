package org.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void waitsGrowUpToTheCapAndAreJittered() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), new SplittableRandom(42));
        long[] waits = new long[12];
        for (int i = 0; i < waits.length; i++) waits[i] = b.next().toMillis();
        for (int i = 0; i < waits.length; i++) {
            assertThat(waits[i]).isBetween(0L, Math.min(5_000L, 100L << i));
        }
        assertThat(java.util.Arrays.stream(waits).distinct().count()).as("jitter spreads reconnects").isGreaterThan(6);
        b.reset();
        assertThat(b.next().toMillis()).isLessThanOrEqualTo(100);
    }
}
