package org.parley.server.account;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.parley.server.store.GroupCommit;

/**
 * Records last-seen times (when a device connected, when a user's last device went away),
 * many per transaction. A reconnect storm of tens of thousands of devices, or as many users
 * dropping at once, then costs a few commits instead of one sync-to-disk each, which would
 * otherwise queue behind one another on the store's writer and hold up everything else that
 * writes. The latest time of an id in a batch wins; the store never moves a time backwards.
 */
public final class LastSeenWriter implements AutoCloseable {
    private record Seen(String id, long at) {}

    private final GroupCommit<Seen, Void> writer;

    /** @param store writes a batch (id to time), in one transaction */
    public LastSeenWriter(String name, Consumer<Map<String, Long>> store, int maxBatch, GroupCommit.Observer observer) {
        this.writer = new GroupCommit<>(name, 1, 100_000, maxBatch, (List<Seen> batch) -> {
            Map<String, Long> latest = new HashMap<>();
            for (Seen s : batch) latest.merge(s.id(), s.at(), Math::max);
            store.accept(latest);
            return java.util.Collections.<Void>nCopies(batch.size(), null);
        }, (in, out) -> {}, observer);
    }

    /**
     * Queues the time; the future completes once it is stored, or fails (queue full, shutting
     * down, store failed: the writer logs a failed batch).
     */
    public CompletableFuture<Void> record(String id, long at) {
        return writer.submit(id, new Seen(id, at));
    }

    /** Commits what is queued, then stops. */
    @Override
    public void close() {
        writer.close();
    }
}
