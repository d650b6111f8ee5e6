package org.parley.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.io.IOException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The embedded store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a
 * committed transaction survives power loss. SQLite has one writer at a time, so writes
 * go through a single connection whose transactions start IMMEDIATE (never a lock
 * upgrade that fails), and a write that waits for it joins the transaction in progress
 * ({@link CombinedWrites}); reads use a small pool and see the last commit. Each connection
 * keeps its compiled statements ({@link StatementCache}). The log is copied back into the
 * database file by a thread of its own ({@link SqliteCheckpointer}), not by the commits.
 */
public final class SqliteDatabase extends PooledDatabase {
    /** Idle prepared statements kept per connection (batch statements come in a size per batch length). */
    private static final int STATEMENTS_PER_CONNECTION = 512;

    /** How often the log is copied back into the database file ({@link SqliteCheckpointer}). */
    private static final long CHECKPOINT_EVERY_MILLIS = 500;
    private final SqliteCheckpointer checkpointer;
    private final CombinedWrites combined;

    /**
     * A descriptor of the database file, for the checkpointer's syncs. Closed after every
     * connection (see {@link #close}): closing any descriptor of the file drops the
     * process's SQLite locks on it. Not a FileChannel, which an interrupt would close.
     */
    private final RandomAccessFile file;

    private SqliteDatabase(HikariDataSource writes, HikariDataSource reads, Path path, RandomAccessFile file, long checkpointMillis)
            throws SQLException {
        super(writes, reads, false);
        this.combined = new CombinedWrites(writes);
        this.file = file;
        SQLiteDataSource own = new SQLiteDataSource(config(SQLiteConfig.TransactionMode.DEFERRED, 0));
        own.setUrl(url(path));
        Connection ownConnection = own.getConnection();
        try {
            this.checkpointer = new SqliteCheckpointer(this, ownConnection, file.getFD(), checkpointMillis);
        } catch (IOException e) {
            ownConnection.close();
            throw new SQLException("the database file's descriptor: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            ownConnection.close();
            throw e;
        }
    }

    public static SqliteDatabase open(Path dataDir) {
        return open(dataDir, CHECKPOINT_EVERY_MILLIS);
    }

    /** @param checkpointMillis how often the log is copied back; 0: only when {@link #checkpoint} is called (tests) */
    static SqliteDatabase open(Path dataDir, long checkpointMillis) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create data dir " + dataDir + ": " + e.getMessage(), e);
        }
        Path file = dataDir.resolve("parley.db").toAbsolutePath();
        HikariDataSource writes = pool(url(file), "sqlite-write", 1, SQLiteConfig.TransactionMode.IMMEDIATE, SqliteCheckpointer.BACKSTOP_PAGES);
        HikariDataSource reads = null;
        RandomAccessFile handle = null;
        try {
            migrate(writes, null, true);
            reads = pool(url(file), "sqlite-read", 4, SQLiteConfig.TransactionMode.DEFERRED, 0);
            handle = new RandomAccessFile(file.toFile(), "rw"); // the file exists: the first connection made it
            return new SqliteDatabase(writes, reads, file, handle, checkpointMillis);
        } catch (RuntimeException | SQLException | IOException e) {
            if (reads != null) reads.close();
            writes.close();
            closeLast(handle);
            if (e instanceof RuntimeException r) throw r;
            throw new StoreException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private static String url(Path file) {
        return "jdbc:sqlite:" + file;
    }

    /** @param autoCheckpointPages the writer's own checkpoint step; 0 for connections that never write */
    private static SQLiteConfig config(SQLiteConfig.TransactionMode mode, int autoCheckpointPages) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        config.setTransactionMode(mode);
        if (autoCheckpointPages > 0) {
            config.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, Integer.toString(autoCheckpointPages));
            // a log that once grew (a long read held it) is cut back to this when it starts over
            config.setPragma(SQLiteConfig.Pragma.JOURNAL_SIZE_LIMIT, Long.toString(SqliteCheckpointer.LOG_KEPT_BYTES));
            // A combined write's savepoint keeps the pages it changes in a sub-journal: in memory, not
            // a temporary file on disk (about 4 KB written per message otherwise, benchmarks.md 21).
            // The writes' sorts and temporary trees stay in memory too; they are small.
            config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        }
        config.setGetGeneratedKeys(false); // never read; else the driver matches every update's SQL against a pattern
        return config;
    }

    private static HikariDataSource pool(String url, String name, int size, SQLiteConfig.TransactionMode mode, int autoCheckpointPages) {
        SQLiteDataSource sqlite = new SQLiteDataSource(config(mode, autoCheckpointPages)) {
            @Override
            public java.sql.Connection getConnection() throws SQLException {
                return StatementCache.caching(super.getConnection(), STATEMENTS_PER_CONNECTION);
            }
        };
        sqlite.setUrl(url);
        HikariConfig hikari = new HikariConfig();
        hikari.setDataSource(sqlite);
        hikari.setPoolName(name);
        hikari.setMaximumPoolSize(size);
        hikari.setMinimumIdle(1);
        hikari.setAutoCommit(false);
        hikari.setConnectionTimeout(10_000);
        return new HikariDataSource(hikari);
    }

    /** Runs {@code work} in one transaction, shared with the writes that queued meanwhile ({@link CombinedWrites}). */
    @Override
    public <T> T write(Work<T> work) {
        refuseInsideReadTogether();
        return combined.write(work);
    }

    /** Transactions the writes committed (tests). */
    long commits() {
        return combined.commits();
    }

    /** Writes waiting for the write connection (tests). */
    int waitingWrites() {
        return combined.waiting();
    }

    /**
     * Runs {@code work} on the write connection between two transactions (where SQLite runs
     * its own checkpoint, after a commit): writes wait meanwhile.
     */
    <T> T betweenWrites(Work<T> work) throws SQLException {
        Connection c = writes.getConnection();
        try {
            c.setAutoCommit(true); // ends the transaction the driver opened after the last commit
            try {
                return work.run(c);
            } finally {
                c.setAutoCommit(false);
            }
        } catch (SQLException | RuntimeException e) {
            // The driver may now believe a transaction open that is not: never hand it to a writer.
            writes.evictConnection(c);
            throw e;
        } finally {
            c.close();
        }
    }

    /** One tick of {@link SqliteCheckpointer}'s thread now (tests): true when it started the log over. */
    boolean tick() throws SQLException {
        return checkpointer.tick();
    }

    /** One round of {@link SqliteCheckpointer} now (tests). */
    SqliteCheckpointer.Progress checkpoint() throws SQLException {
        return checkpointer.round();
    }

    @Override
    public void close() {
        try {
            checkpointer.close();
            super.close();
        } finally {
            closeLast(file);
        }
    }

    /** Closes the database file's own descriptor, once SQLite's connections are closed. */
    private static void closeLast(RandomAccessFile file) {
        if (file == null) return;
        try {
            file.close();
        } catch (IOException e) {
            // nothing was written through it
        }
    }

    @Override
    public String kind() {
        return "sqlite";
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return e instanceof SQLiteException s
                && (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                        || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
    }
}
