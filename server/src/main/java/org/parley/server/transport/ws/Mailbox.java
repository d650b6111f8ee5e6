package org.parley.server.transport.ws;

import io.vertx.core.Context;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands work to event loops from other threads, one wake-up per burst instead of one per
 * task: a writer thread fanning out a batch of 500 messages wakes each event loop once.
 * Tasks for one context run in the order they were posted.
 */
final class Mailbox {
    private final ConcurrentHashMap<Context, Queue> queues = new ConcurrentHashMap<>();

    private static final class Queue {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        final AtomicBoolean scheduled = new AtomicBoolean();
    }

    void post(Context context, Runnable task) {
        // Each request (so each socket) has its own duplicated context on a shared event loop:
        // one queue per event loop keeps the map small and the wake-ups per burst.
        Context loop = ((io.vertx.core.internal.ContextInternal) context).unwrap();
        Queue q = queues.computeIfAbsent(loop, c -> new Queue());
        q.tasks.add(task);
        if (q.scheduled.compareAndSet(false, true)) loop.runOnContext(v -> drain(q));
    }

    private static void drain(Queue q) {
        q.scheduled.set(false); // tasks added from here on schedule a new drain
        for (Runnable task; (task = q.tasks.poll()) != null; ) {
            try {
                task.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Mailbox.class).error("event-loop task failed", e);
            }
        }
    }
}
