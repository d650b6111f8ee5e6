package org.parley.server.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches writes: each shard has one writer thread that takes whatever is queued (up to
 * {@code maxBatch}), commits it in one transaction, then runs {@code afterCommit} and
 * completes the callers' futures, in queue order. A key always maps to the same shard, so
 * one chat has a single writer and its events leave in commit order.
 */
public final class GroupCommit<I, O> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    private record Pending<I, O>(I input, CompletableFuture<O> result) {}

    /** Observes each committed batch (size and time) for metrics. */
    public interface Observer {
        void committed(int size, long nanos);
    }

    private final String name;
    private final List<BlockingQueue<Pending<I, O>>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Function<List<I>, List<O>> commit;
    private final BiConsumer<List<I>, List<O>> afterCommit;
    private final Observer observer;
    private final int maxBatch;
    private final long lingerNanos;
    private volatile boolean closing;

    public GroupCommit(String name, int shards, int queueCapacity, int maxBatch, Function<List<I>, List<O>> commit,
            BiConsumer<List<I>, List<O>> afterCommit, Observer observer) {
        this(name, shards, queueCapacity, maxBatch, 0, commit, afterCommit, observer);
    }

    /** @param lingerMicros how long a writer waits for more writes before committing a short batch */
    public GroupCommit(String name, int shards, int queueCapacity, int maxBatch, int lingerMicros, Function<List<I>, List<O>> commit,
            BiConsumer<List<I>, List<O>> afterCommit, Observer observer) {
        if (shards < 1 || maxBatch < 1 || queueCapacity < 1) throw new IllegalArgumentException("shards, maxBatch, queueCapacity >= 1");
        this.name = name;
        this.commit = commit;
        this.afterCommit = afterCommit;
        this.observer = observer;
        this.maxBatch = maxBatch;
        this.lingerNanos = lingerMicros * 1_000L;
        for (int i = 0; i < shards; i++) {
            BlockingQueue<Pending<I, O>> queue = new ArrayBlockingQueue<>(queueCapacity);
            queues.add(queue);
            Thread t = Thread.ofPlatform().name(name + "-writer-" + i).daemon(true).unstarted(() -> run(queue));
            threads.add(t);
            t.start();
        }
    }

    /** Queues {@code input} for the shard of {@code key}; the future completes once it is durable. */
    public CompletableFuture<O> submit(Object key, I input) {
        CompletableFuture<O> result = new CompletableFuture<>();
        if (closing) {
            result.completeExceptionally(new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
            return result;
        }
        var queue = queues.get(Math.floorMod(key.hashCode(), queues.size()));
        if (!queue.offer(new Pending<>(input, result))) {
            result.completeExceptionally(new ApiException(ErrorCode.STORE_UNAVAILABLE, "write queue full; retry later"));
        }
        return result;
    }

    private void run(BlockingQueue<Pending<I, O>> queue) {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        List<I> inputs = new ArrayList<>(maxBatch);
        while (true) {
            try {
                Pending<I, O> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) {
                        failLeftovers(queue);
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                // Linger briefly for more: one sync-to-disk for many writes costs far less
                // than one each, and a busy node fills the wait in well under the delay.
                long lingerUntil = System.nanoTime() + lingerNanos;
                while (batch.size() < maxBatch && lingerNanos > 0) {
                    long left = lingerUntil - System.nanoTime();
                    if (left <= 0) break;
                    Pending<I, O> more = queue.poll(left, TimeUnit.NANOSECONDS);
                    if (more == null) break;
                    batch.add(more);
                    queue.drainTo(batch, maxBatch - batch.size());
                }
                for (Pending<I, O> p : batch) inputs.add(p.input());
                commitBatch(batch, inputs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failLeftovers(queue);
                return;
            } finally {
                batch.clear();
                inputs.clear();
            }
        }
    }

    private void commitBatch(List<Pending<I, O>> batch, List<I> inputs) {
        long start = System.nanoTime();
        List<O> outputs;
        try {
            outputs = commit.apply(inputs);
        } catch (RuntimeException | Error e) {
            if (batch.size() > 1 && !(e instanceof StoreException s && s.unanswered())) {
                // One bad write must not fail its neighbours: commit them one by one. (Not when
                // the store did not answer: each would wait its timeout again, one after another.)
                log.warn("{}: commit of {} failed ({}); retrying them one at a time", name, batch.size(), e.toString());
                for (Pending<I, O> p : batch) commitBatch(List.of(p), List.of(p.input()));
            } else {
                log.warn("{}: commit of {} failed: {}", name, batch.size(), e.toString());
                for (Pending<I, O> p : batch) p.result().completeExceptionally(e);
            }
            return;
        }
        observer.committed(batch.size(), System.nanoTime() - start);
        try {
            afterCommit.accept(inputs, outputs);
        } catch (RuntimeException e) {
            log.error("{}: after-commit hook failed", name, e);
        }
        for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(outputs.get(i));
    }

    /**
     * Waits for a write (callers on virtual threads), rethrowing its failure as it was thrown
     * (an ApiException keeps its code) rather than wrapped.
     */
    public static <T> T await(CompletableFuture<T> write) {
        try {
            return write.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /** A submit that raced close() may have queued after the last poll: it must not wait forever. */
    private static <I, O> void failLeftovers(BlockingQueue<Pending<I, O>> queue) {
        for (Pending<I, O> p; (p = queue.poll()) != null; ) {
            p.result().completeExceptionally(new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
        }
    }

    /** Stops taking new work, commits what is queued, then stops the writers. */
    @Override
    public void close() {
        closing = true;
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
