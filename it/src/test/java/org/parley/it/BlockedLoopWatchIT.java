package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The guard MessagingContract relies on does see a blocked event loop. */
class BlockedLoopWatchIT {
    @Test
    void aBlockedEventLoopIsReported() throws Exception {
        int before = BlockedLoopWatch.INSTANCE.events().size();
        Vertx vertx = Vertx.vertx(new VertxOptions()
                .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
                .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
        try {
            vertx.runOnContext(v -> {
                try {
                    Thread.sleep(900); // what a JDBC call on the event loop would do
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Recorder.await("blocked-thread warning", () -> BlockedLoopWatch.INSTANCE.events().size() > before);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertThat(BlockedLoopWatch.INSTANCE.events().get(before)).contains("blocked");
    }
}
