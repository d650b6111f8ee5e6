package org.parley.server.push;

import java.util.List;

/**
 * Push jobs waiting for workers: one per message per recipient device with a push address.
 * Jobs are written in the message's own transaction (the outbox, {@link SqlPushQueue#enqueue});
 * this is how workers take and settle them. A broker-backed queue comes with scale-out.
 */
public interface PushQueue {

    record Job(String chatId, long seq, String deviceId, String userId, long createdAt, int attempts) {}

    /**
     * Up to {@code limit} jobs due by {@code now}, oldest first, leased until {@code leaseUntil}:
     * no other worker takes them before then, and if this one dies they come back.
     */
    List<Job> claim(long now, int limit, long leaseUntil);

    /** Done with (sent, or nothing to send). */
    void done(List<Job> jobs);

    /** Try again at {@code at}; the attempt is counted. */
    void retry(List<Job> jobs, long at, String error);

    /** Not before {@code at}, without counting an attempt (waiting for a device to confirm delivery). */
    void postpone(List<Job> jobs, long at);

    /** Gave up: moved to the dead letters with {@code reason}. */
    void bury(List<Job> jobs, long now, String reason);

    /** How many dead letters there are. */
    long deadLetters();
}
