package org.parley.server.store;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * SQLite's writes through its one write connection, where writes that queue while one is
 * running share its transaction: the thread holding the connection runs what waits before it
 * commits, each write after the first in a savepoint of its own, so one commit (one sync to
 * disk) serves, say, the message writer's batch and the receipt writer's that queued behind
 * it. A write that fails is rolled back alone and fails alone (the first by rolling back the
 * transaction, which then starts afresh with the next); when the commit fails, every write in
 * it fails. Each caller returns once its write is durable, as with a transaction of its own.
 */
final class CombinedWrites {
    /** The most writes one transaction takes (each is usually a writer's whole batch). */
    static final int MAX_PER_TRANSACTION = 8;
    /** How long a write waits for its turn before it fails (the pool's own wait for a connection is as long). */
    private static final long WAIT_MILLIS = 10_000;

    private static final class Pending<T> {
        final Database.Work<T> work;
        T result;
        Throwable failure; // a RuntimeException or an Error (see failure())
        boolean done; // written and read under the lock

        Pending(Database.Work<T> work) {
            this.work = work;
        }
    }

    private final HikariDataSource connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Pending<?>> waiting = new ConcurrentLinkedQueue<>();
    private final LongAdder commits = new LongAdder();

    CombinedWrites(HikariDataSource connection) {
        this.connection = connection;
    }

    <T> T write(Database.Work<T> work) {
        if (lock.isHeldByCurrentThread()) throw new IllegalStateException("a write inside a write: it would wait for itself");
        Pending<T> p = new Pending<>(work);
        waiting.add(p);
        if (!takeTurn()) {
            // Not run by anyone yet: give up. Otherwise a holder is running it: wait for its end.
            if (waiting.remove(p)) throw new StoreException("store write failed: the write connection stayed busy for " + WAIT_MILLIS + " ms", null);
            lock.lock();
        }
        try {
            while (!p.done) runWaiting(p);
        } finally {
            lock.unlock();
        }
        if (p.failure instanceof RuntimeException e) throw e;
        if (p.failure instanceof Error e) throw e;
        return p.result;
    }

    private boolean takeTurn() {
        try {
            return lock.tryLock(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Writes waiting for the connection (tests). */
    int waiting() {
        return waiting.size();
    }

    /** Transactions committed so far (tests). */
    long commits() {
        return commits.sum();
    }

    /** One transaction of what waits; {@code own} is the holder's write, the one failed when there is no connection. */
    private void runWaiting(Pending<?> own) {
        Connection c;
        try {
            c = connection.getConnection();
        } catch (SQLException e) {
            // Each waiting write tries the connection itself, as it did before it was combined.
            if (waiting.remove(own)) {
                own.failure = failure(e);
                own.done = true;
            }
            return;
        }
        List<Pending<?>> ran = new ArrayList<>(MAX_PER_TRANSACTION);
        boolean committed = false;
        try {
            Pending<?> next;
            while (ran.size() < MAX_PER_TRANSACTION && (next = waiting.poll()) != null) {
                ran.add(next);
                if (ran.size() == 1) {
                    if (!runFirst(c, next)) ran.clear(); // rolled back and failed (done): the next one starts afresh
                } else {
                    runInSavepoint(c, next);
                }
            }
            if (!ran.isEmpty()) {
                c.commit();
                commits.increment();
            }
            committed = true;
        } catch (Throwable e) {
            rollbackOrEvict(c);
            for (Pending<?> p : ran) if (p.failure == null) p.failure = failure(e);
        } finally {
            for (Pending<?> p : ran) {
                if (!committed && p.failure == null) p.failure = new StoreException("store write failed: not committed", null);
                p.done = true;
            }
            closeQuietly(c);
        }
    }

    private <T> boolean runFirst(Connection c, Pending<T> p) throws SQLException {
        try {
            p.result = p.work.run(c);
            return true;
        } catch (Throwable e) {
            p.failure = failure(e);
            p.done = true;
            c.rollback();
            return false;
        }
    }

    private static <T> void runInSavepoint(Connection c, Pending<T> p) throws SQLException {
        Sql.update(c, "SAVEPOINT combined");
        try {
            p.result = p.work.run(c);
        } catch (Throwable e) {
            p.failure = failure(e);
            Sql.update(c, "ROLLBACK TO combined");
        }
        Sql.update(c, "RELEASE combined");
    }

    /** What the caller throws: SQLExceptions wrapped as any write's were before, the rest as they came. */
    private static Throwable failure(Throwable e) {
        if (e instanceof RuntimeException || e instanceof Error) return e;
        return new StoreException("store write failed: " + e.getMessage(), e);
    }

    /** After a failed rollback (SQLite may have ended the transaction itself) the connection is not handed out again. */
    private void rollbackOrEvict(Connection c) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            connection.evictConnection(c);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // the pool replaces a connection it cannot take back
        }
    }
}
