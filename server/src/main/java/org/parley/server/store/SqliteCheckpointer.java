package org.parley.server.store;

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
 * the pages are copied and the database file synced. Here a thread of its own copies
 * what has been committed (a passive checkpoint: writers go on meanwhile), then, on the
 * write connection between two transactions, what was committed during that copy, so
 * the next commit starts the log from its beginning (unless a read still runs on an older
 * snapshot: then a later round does). Writes wait only for that rest and
 * the database file's sync (SQLite syncs the file only when a checkpoint copies
 * everything): a few milliseconds when idle, tens under a saturated disk. A page a busy
 * chat changes many times between two rounds is copied once, which writes the disk a
 * quarter less than checkpointing every 1,000 pages (benchmarks.md, 17).
 *
 * <p>The writers keep an automatic checkpoint as a backstop, at {@link #BACKSTOP_PAGES},
 * for when this thread falls behind or has stopped. Durability is SQLite's own either way:
 * a commit is synced to the log before it is acknowledged.
 */
final class SqliteCheckpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);
    /** The writers' own checkpoint step (SQLite's default is 1,000 pages). */
    static final int BACKSTOP_PAGES = 40_000;
    /** The log file's size kept when it starts over (SQLite's journal_size_limit). */
    static final long LOG_KEPT_BYTES = 64L << 20;
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
    private final long intervalMillis;
    private final Thread thread;
    private volatile boolean closing;
    /** The log's length when a rest last copied all of it: an idle node's log is not copied twice. */
    private int restedAt = -1;
    private long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

    /** Starts a thread that checkpoints every {@code intervalMillis} (none when it is 0: see {@link #round}). */
    SqliteCheckpointer(SqliteDatabase db, Connection own, long intervalMillis) {
        this.db = db;
        this.own = own;
        this.intervalMillis = intervalMillis;
        this.thread = intervalMillis > 0 ? Thread.ofPlatform().name("sqlite-checkpointer").daemon(true).start(this::run) : null;
    }

    private void run() {
        while (!closing) {
            try {
                TimeUnit.MILLISECONDS.sleep(intervalMillis);
                round();
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

    /** One round: passive copies while writers go on, then the rest between two write transactions. */
    Progress round() throws SQLException {
        Progress p = passive(own);
        if (p.busy() || p.logPages() == 0 || (p.complete() && p.logPages() == restedAt)) return p; // nothing to do now
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
