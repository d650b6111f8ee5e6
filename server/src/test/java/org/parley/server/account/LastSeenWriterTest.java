package org.parley.server.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LastSeenWriterTest {

    /** A thousand users leaving while one batch is being stored take a few batches, not a thousand. */
    @Test
    void manyTimesQueuedMeanwhileAreStoredInAFewBatchesTheLatestOfEachWinning() throws Exception {
        List<Map<String, Long>> batches = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstStoring = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (LastSeenWriter writer = new LastSeenWriter("test", batch -> {
            batches.add(new HashMap<>(batch));
            firstStoring.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, 100, (size, nanos) -> {})) {
            CompletableFuture<Void> first = writer.record("u0", 1);
            assertThat(firstStoring.await(10, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<Void>> rest = new ArrayList<>();
            for (int i = 1; i <= 1_000; i++) rest.add(writer.record("u" + i, 1_000 + i));
            rest.add(writer.record("u7", 5)); // older than u7's queued time: the latest wins
            rest.add(writer.record("u8", 9_999)); // newer
            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (var f : rest) f.get(10, TimeUnit.SECONDS);
        }
        assertThat(batches.size()).as("one batch per 100 queued, plus the first").isBetween(2, 12);
        Map<String, Long> stored = new HashMap<>();
        for (var b : batches) {
            assertThat(b.size()).isLessThanOrEqualTo(100);
            b.forEach((id, at) -> stored.merge(id, at, Math::max));
        }
        assertThat(stored).hasSize(1_001).containsEntry("u0", 1L).containsEntry("u7", 1_007L).containsEntry("u8", 9_999L)
                .containsEntry("u1000", 2_000L);
    }

    @Test
    void aFailedBatchFailsItsTimesAndTheWriterGoesOn() throws Exception {
        try (LastSeenWriter writer = new LastSeenWriter("test", batch -> {
            if (batch.containsKey("bad")) throw new IllegalStateException("store down");
        }, 100, (size, nanos) -> {})) {
            assertThat(writer.record("bad", 1)).failsWithin(10, TimeUnit.SECONDS);
            assertThat(writer.record("good", 2)).succeedsWithin(10, TimeUnit.SECONDS);
        }
    }
}
