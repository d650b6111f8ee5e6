package org.parley.server.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
            CompletableFuture<Boolean> first = writer.record("u0", 1);
            assertThat(firstStoring.await(10, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<Boolean>> rest = new ArrayList<>();
            for (int i = 1; i <= 1_000; i++) {
                rest.add(writer.record("u" + i, 1_000 + i));
                if (i == 7) rest.add(writer.record("u7", 5)); // older, right behind: in the same batch, the latest wins
                if (i == 8) rest.add(writer.record("u8", 9_999)); // newer, right behind
            }
            release.countDown();
            assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
            for (var f : rest) assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(batches.size()).as("one batch per 100 queued, plus the first").isBetween(2, 12);
        assertThat(batches).allMatch(b -> b.size() <= 100);
        assertThat(batches.stream().filter(b -> b.containsKey("u7")).toList()).as("u7's two times went in one batch, as one")
                .singleElement().satisfies(b -> assertThat(b).containsEntry("u7", 1_007L).containsEntry("u8", 9_999L));
        Map<String, Long> stored = new HashMap<>();
        for (var b : batches) b.forEach((id, at) -> assertThat(stored.put(id, at)).as("each id stored once").isNull());
        assertThat(stored).hasSize(1_001).containsEntry("u0", 1L).containsEntry("u1000", 2_000L);
    }

    /** A batch that fails is not tried again one time at a time: it answers false at once, and the writer goes on. */
    @Test
    void aFailedBatchIsNotStoredAndTheWriterGoesOn() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        try (LastSeenWriter writer = new LastSeenWriter("test", batch -> {
            tries.incrementAndGet();
            if (batch.containsKey("bad")) throw new IllegalStateException("store down");
        }, 100, (size, nanos) -> {})) {
            assertThat(writer.record("bad", 1).get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(tries).as("no retry").hasValue(1);
            assertThat(writer.record("good", 2).get(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
