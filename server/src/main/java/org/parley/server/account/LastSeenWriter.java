package org.parley.server.account;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.parley.server.store.GroupCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records last-seen times (when a device connected, when a user's last device went away),
 * many per transaction. A reconnect storm of tens of thousands of devices, or as many users
 * dropping at once, then costs a few commits instead of one sync-to-disk each, which would
 * otherwise queue behind one another on the store's writer and hold up everything else that
 * writes. The latest time of an id in a batch wins; the store never moves a time backwards.
 */
public final class LastSeenWriter implements AutoCloseable {
    private record Seen(String id, long at) {}

    private static final Logger log = LoggerFactory.getLogger(LastSeenWriter.class);

    private final GroupCommit<Seen, Boolean> writer;

    /** @param store writes a batch (id to time), in one transaction */
    public LastSeenWriter(String name, Consumer<Map<String, Long>> store, int maxBatch, GroupCommit.Observer observer) {
        this.writer = new GroupCommit<>(name, 1, 100_000, maxBatch, (List<Seen> batch) -> {
            Map<String, Long> latest = new HashMap<>();
            for (Seen s : batch) latest.merge(s.id(), s.at(), Math::max);
            try {
                store.accept(latest);
                return java.util.Collections.nCopies(batch.size(), true);
            } catch (RuntimeException e) {
                // Not one time at a time again (the writer's way with a failed batch): no single
                // time can spoil a batch, and on a store that is down each try would wait its turn
                // at the pool; one line for the batch, and the times stay where they were.
                log.warn("{}: {} last-seen times not stored: {}", name, latest.size(), e.toString());
                return java.util.Collections.nCopies(batch.size(), false);
            }
        }, (in, out) -> {}, observer);
    }

    /**
     * Queues the time; the future says whether it was stored (false: the store failed, logged
     * once per batch), or fails when the queue is full or the node is shutting down.
     */
    public CompletableFuture<Boolean> record(String id, long at) {
        return writer.submit(id, new Seen(id, at));
    }

    /** Commits what is queued, then stops. */
    @Override
    public void close() {
        writer.close();
    }
}
