package org.parley.server.delivery;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/** Runs tasks one after another on a backing executor, in submission order. */
public final class SerialExecutor implements Executor {
    private final Executor backing;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    public SerialExecutor(Executor backing) {
        this.backing = backing;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.add(task);
            if (running) return;
            running = true;
        }
        try {
            backing.execute(this::drain);
        } catch (RuntimeException e) { // the backing executor is shut down
            synchronized (tasks) {
                tasks.clear();
                running = false;
            }
            throw e;
        }
    }

    /**
     * True when no task is queued or running. Asked by the only thread that queues tasks, a
     * true answer means work done right there comes after what the tasks queued before it
     * did themselves; not after what they handed on to yet another thread (a task that posts
     * to an event loop has returned before that post runs).
     */
    public boolean idle() {
        synchronized (tasks) {
            return !running;
        }
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                // each task reports its own failures; one bad task must not stop the rest
            }
        }
    }
}
