package org.parley.server.push;

import java.util.List;

/**
 * Push jobs waiting for workers: one per chat per recipient device with a push address,
 * carrying the newest message to announce and how many are pending. Jobs are written in the
 * message's own transaction (the outbox, {@link SqlPushQueue#enqueue}); this is how workers
 * take and settle them. A broker-backed queue comes with scale-out.
 */
public interface PushQueue {

    /** {@code seq}: the newest message; {@code pending}: messages since the last push; {@code createdAt}: the oldest's time. */
    record Job(String chatId, String deviceId, String userId, long seq, int pending, long createdAt, int attempts) {}

    /** What became of a job a worker took. */
    sealed interface Settlement {
        Job job();

        /** Sent, or nothing to send. Messages that arrived meanwhile stay queued, due at {@code nextDueAt}. */
        record Done(Job job, long nextDueAt) implements Settlement {}

        /** Try again at {@code at}; the attempt counts. */
        record Retry(Job job, long at, String error) implements Settlement {}

        /** Not before {@code at}, without counting an attempt (a connected device may still confirm). */
        record Postpone(Job job, long at) implements Settlement {}

        /** Gave up: kept in the dead letters with {@code reason}. */
        record Bury(Job job, long at, String reason) implements Settlement {}
    }

    /**
     * Up to {@code limit} jobs due by {@code now}, oldest first, leased until {@code leaseUntil}:
     * no other worker takes them before then, and if this one dies they come back.
     */
    List<Job> claim(long now, int limit, long leaseUntil);

    /** Settles jobs this worker leased, in one transaction. */
    void settle(List<Settlement> settlements);

    /** How many dead letters there are. */
    long deadLetters();
}
