package org.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;

class GroupCommitTest {

    /** Keeps the writer inside its first commit until released, so later writes queue up behind it. */
    private static void holdFirstCommit(CountDownLatch started, CountDownLatch release) {
        started.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Submits 0 and, while its commit is held, 1 to 20 (queued: the next batch); then lets the
     * writer go. Returns the futures of 1 to 20, once 0 is committed.
     */
    private static List<CompletableFuture<Integer>> twentyBehindTheFirst(GroupCommit<Integer, Integer> gc, CountDownLatch firstCommitStarted,
            CountDownLatch release) throws Exception {
        var first = gc.submit("k", 0);
        firstCommitStarted.await();
        List<CompletableFuture<Integer>> rest = new ArrayList<>();
        for (int i = 1; i <= 20; i++) rest.add(gc.submit("k", i));
        release.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
        return rest;
    }

    @Test
    void queuedWritesAreCommittedTogetherAndPublishedInOrder() throws Exception {
        CountDownLatch firstCommitStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        List<Integer> published = Collections.synchronizedList(new ArrayList<>());
        try (var gc = new GroupCommit<Integer, Integer>("t", 1, 1000, 100, batch -> {
            holdFirstCommit(firstCommitStarted, release);
            batchSizes.add(batch.size());
            return batch.stream().map(i -> i * 10).toList();
        }, (in, out) -> published.addAll(out), (n, nanos) -> {})) {
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            results.add(gc.submit("k", 0));
            firstCommitStarted.await();
            for (int i = 1; i <= 50; i++) results.add(gc.submit("k", i)); // queue up while the first commit runs
            release.countDown();
            for (int i = 0; i <= 50; i++) assertThat(results.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i * 10);
            assertThat(batchSizes).containsExactly(1, 50);
            assertThat(published).isSorted().hasSize(51);
        }
    }

    @Test
    void aFailedCommitFailsEveryWriteOfTheBatchAndAcknowledgesNone() {
        List<Integer> published = new ArrayList<>();
        try (var gc = new GroupCommit<Integer, Integer>("t", 2, 10, 10, batch -> {
            throw new StoreException("disk full", null);
        }, (in, out) -> published.addAll(out), (n, nanos) -> {})) {
            var f = gc.submit("k", 1);
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
            assertThat(published).isEmpty();
        }
    }

    @Test
    void oneBadWriteFailsAloneNotItsWholeBatch() throws Exception {
        CountDownLatch firstCommitStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (var gc = new GroupCommit<Integer, Integer>("t", 1, 1000, 100, batch -> {
            holdFirstCommit(firstCommitStarted, release);
            if (batch.contains(13)) throw new StoreException("value 13 refused by the database", null);
            return batch;
        }, (in, out) -> {}, (n, nanos) -> {})) {
            List<CompletableFuture<Integer>> rest = twentyBehindTheFirst(gc, firstCommitStarted, release);
            for (int i = 1; i <= 20; i++) {
                var f = rest.get(i - 1);
                if (i == 13) {
                    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
                } else {
                    assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(i);
                }
            }
        }
    }

    @Test
    void aBatchTheStoreDidNotAnswerFailsWholeWithoutTryingEachWriteAgain() throws Exception {
        CountDownLatch firstCommitStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> commits = Collections.synchronizedList(new ArrayList<>());
        try (var gc = new GroupCommit<Integer, Integer>("t", 1, 1000, 100, batch -> {
            holdFirstCommit(firstCommitStarted, release);
            commits.add(batch.size());
            if (batch.size() > 1) {
                throw new StoreException("store write failed", new java.sql.SQLException("canceling statement due to statement timeout", "57014"));
            }
            return batch;
        }, (in, out) -> {}, (n, nanos) -> {})) {
            List<CompletableFuture<Integer>> rest = twentyBehindTheFirst(gc, firstCommitStarted, release);
            for (var f : rest) {
                assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
            }
            assertThat(commits).as("the timed-out batch is not tried again write by write, each waiting its timeout").containsExactly(1, 20);
        }
    }

    @Test
    void closeCommitsWhatIsQueuedThenRefusesNewWrites() throws Exception {
        var gc = new GroupCommit<Integer, Integer>("t", 1, 1000, 5, batch -> batch, (in, out) -> {}, (n, nanos) -> {});
        List<CompletableFuture<Integer>> queued = new ArrayList<>();
        for (int i = 0; i < 100; i++) queued.add(gc.submit(i, i));
        gc.close();
        for (var f : queued) assertThat(f).isCompleted();
        assertThatThrownBy(() -> gc.submit("k", 1).get()).cause()
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SHUTTING_DOWN));
    }
}
