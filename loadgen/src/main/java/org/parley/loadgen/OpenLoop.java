package org.parley.loadgen;

import java.util.concurrent.locks.LockSupport;

/**
 * The open-loop schedule both kinds of scenario share: event {@code k} is due at
 * {@code start + k / rate}, whatever the node did with the ones before. Everything due is
 * emitted as soon as the driver wakes, then {@code endOfTick} lets the scenario flush.
 */
final class OpenLoop {
    interface Events {
        void due(long k, long dueNanos, boolean measured);

        default void endOfTick() {}
    }

    /** The measured window, in System.nanoTime() terms. */
    record Window(long start, long end) {
        boolean contains(long nanos) {
            return nanos >= start && nanos < end;
        }
    }

    private OpenLoop() {}

    /** The window a run of {@code warmupS} + {@code durationS} seconds starting shortly will measure. */
    static Window plan(int warmupS, int durationS) {
        long start = System.nanoTime() + 50_000_000L + warmupS * 1_000_000_000L;
        return new Window(start, start + durationS * 1_000_000_000L);
    }

    /** Runs the schedule from {@code warmupS} before the window to its end; marks the node's CPU window. */
    static void run(double rate, int warmupS, Window window, NodeUnderTest node, Events events) {
        long interval = (long) (1e9 / rate);
        long start = window.start() - warmupS * 1_000_000_000L;
        boolean marked = false;
        long k = 0;
        while (true) {
            long due = start + k * interval;
            if (due >= window.end()) return;
            long now = System.nanoTime();
            if (!marked && now >= window.start()) {
                node.mark();
                marked = true;
            }
            if (due > now) {
                LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                continue;
            }
            for (; due <= now && due < window.end(); due = start + k * interval) {
                events.due(k, due, window.contains(due));
                k++;
            }
            events.endOfTick();
        }
    }
}
