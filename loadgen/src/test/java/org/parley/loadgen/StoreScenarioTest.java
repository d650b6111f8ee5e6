package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoreScenarioTest {
    @Test
    void aShortRunOnSqliteCommitsMessagesAndMovesCursorsWithEveryChatGapFree() throws Exception {
        Options o = Options.parse(new String[] {"store", "--clients", "20", "--batch", "4", "--duration", "1", "--warmup", "0"});
        Bench.Runs runs = StoreScenario.run(o);
        Result r = runs.best();
        assertThat(r.store()).isEqualTo("sqlite");
        assertThat(r.delivered()).as("messages committed in the measured second").isPositive();
        assertThat(r.throughputPerS()).isEqualTo((double) r.delivered());
        assertThat(runs.correct()).as("nothing lost, doubled or out of order: %s", r).isTrue();
        assertThat(runs.histogram().getTotalCount()).as("one commit time per batch").isEqualTo(r.delivered() / 4);
    }
}
