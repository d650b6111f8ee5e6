package org.parley.server.store;

import java.io.FileDescriptor;
import java.io.SyncFailedException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies SQLite's write-ahead log back into the database file off the writers' path.
 *
 * <p>Left to itself, SQLite checkpoints inside the commit that takes the log past 1,000
 * pages: that commit, and every write queued behind the one write connection, waits while
 * the pages are copied and the database file synced. Here a thread of its own copies what
 * has been committed every {@code intervalMillis} (a passive checkpoint: writers go on
 * meanwhile). Those copies only fill the page cache (unless one copies everything, which
 * SQLite then syncs); the disk sees a page when the file is synced, once however often it
 * was copied. Every {@link #RESTART_EVERY}th time, or sooner when the log passes {@link
 * #RESTART_PAGES}, the thread syncs the database file itself, still off the writers' path,
 * copies what was committed during that sync, and then, on the write connection between two
 * transactions, copies the little that is left and lets SQLite sync it, so the next commit
 * starts the log from its beginning (unless a read still runs on an older snapshot: then a
 * later round does). Writes wait only for that last step. A page a busy chat changes many
 * times between two syncs reaches the disk once (benchmarks.md, 17 and 20).
 *
 * <p>The writers keep an automatic checkpoint as a backstop, at {@link #BACKSTOP_PAGES},
 * for when this thread falls behind or has stopped. Durability is SQLite's own either way:
 * a commit is synced to the log before it is acknowledged.
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);
    /** The writers' own checkpoint step (SQLite's default is 1,000 pages). */
    static final int BACKSTOP_PAGES = 40_000;
    /**
     * The log file's size kept when it starts over (SQLite's journal_size_limit): above the
     * about 82 MB of {@link #RESTART_PAGES}, so a busy node's log file is not cut and grown
     * again every round.
     */
    static final long LOG_KEPT_BYTES = 128L << 20;
    /** Every how many copies the file is synced and the log started over. */
    static final int RESTART_EVERY = 4;
    /** A log this long starts over at the next copy whatever the count: well before the writers' backstop. */
    static final int RESTART_PAGES = BACKSTOP_PAGES / 2;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    /**
     * A checkpoint's answer: whether it could not run (another checkpoint was running), the
     * pages in the log, and how many of them are in the database file.
     */
    record Progress(boolean busy, int logPages, int copiedPages) {
        int left() {
            return logPages - copiedPages;
        }

        /** Everything in the log is in the database file: the next commit can start the log over. */
        boolean complete() {
            return !busy && logPages >= 0 && left() == 0;
        }
    }

    private final SqliteDatabase db;
    private final Connection own;
    /**
     * The database file, to sync it without the write connection. Open as long as the
     * database: closing any descriptor of the file would drop SQLite's locks on it.
     */
    private final FileDescriptor file;
    private final long intervalMillis;
    private final Thread thread;
    private volatile boolean closing;
    /** The log's length when a rest last copied all of it: an idle node's log is not copied twice. */
    private int restedAt = -1;
    private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;
    private long copies;

    /** Starts a thread that copies the log back every {@code intervalMillis} (none when it is 0: see {@link #round}). */
    SqliteCheckpointer(SqliteDatabase db, Connection own, FileDescriptor file, long intervalMillis) {
        this.db = db;
        this.own = own;
        this.file = file;
        this.intervalMillis = intervalMillis;
        this.thread = intervalMillis > 0 ? Thread.ofPlatform().name("sqlite-checkpointer").daemon(true).start(this::run) : null;
    }

    private void run() {
        while (!closing) {
            try {
                TimeUnit.MILLISECONDS.sleep(intervalMillis);
                tick();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | SQLException e) {
                if (closing) return;
                if (System.nanoTime() - lastWarning >= WARN_EVERY_NANOS) { // a full disk would fail every round
                    lastWarning = System.nanoTime();
                    log.warn("checkpoint failed (the writers' own checkpoint at {} pages still runs): {}", BACKSTOP_PAGES, e.toString());
                }
            }
        }
    }

    /** One copy; every {@link #RESTART_EVERY}th, or once the log is long, a round that starts it over. True when it was one. */
    boolean tick() throws SQLException {
        if (++copies % RESTART_EVERY != 0 && passive(own).logPages() < RESTART_PAGES) return false;
        copies = 0;
        round();
        return true;
    }

    /**
     * One round that starts the log over: a copy and a sync of the file while writers go on,
     * a second copy of what they committed meanwhile, then the rest between two write
     * transactions.
     */
    Progress round() throws SQLException {
        Progress p = passive(own);
        if (p.busy() || p.logPages() == 0 || (p.complete() && p.logPages() == restedAt)) return p; // nothing to do now
        // A passive copy syncs the file only when no commit came during it, which under load is
        // never: without this, the step below would sync everything copied since the last round
        // while the writers wait (50-400 ms on a busy disk, benchmarks.md 20).
        try {
            file.sync();
        } catch (SyncFailedException e) {
            throw new SQLException("syncing the database file: " + e.getMessage(), e);
        }
        passive(own);
        Progress rest = db.betweenWrites(SqliteCheckpointer::passive);
        // A reader still on an older snapshot can keep the rest from copying everything: try again next round.
        restedAt = rest.complete() ? rest.logPages() : -1;
        return rest;
    }

    static Progress passive(Connection c) throws SQLException {
        return Sql.one(c, "PRAGMA wal_checkpoint(PASSIVE)", rs -> new Progress(rs.getInt(1) != 0, rs.getInt(2), rs.getInt(3)))
                .orElseThrow(() -> new SQLException("wal_checkpoint answered no row"));
    }

    @Override
    public void close() {
        closing = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(); // a round in progress ends (a wait for the write connection ends at the interrupt)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            own.close();
        } catch (SQLException e) {
            log.warn("closing the checkpoint connection: {}", e.toString());
        }
    }
}
