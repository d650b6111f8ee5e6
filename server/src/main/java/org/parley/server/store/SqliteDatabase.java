package org.parley.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * upgrade that fails); reads use a small pool and see the last commit. Each connection
 * keeps its compiled statements ({@link StatementCache}).
 */
public final class SqliteDatabase extends PooledDatabase {
    /** Idle prepared statements kept per connection (batch statements come in a size per batch length). */
    private static final int STATEMENTS_PER_CONNECTION = 512;

    private SqliteDatabase(HikariDataSource writes, HikariDataSource reads) {
        super(writes, reads);
    }

    public static SqliteDatabase open(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create data dir " + dataDir + ": " + e.getMessage(), e);
        }
        String url = "jdbc:sqlite:" + dataDir.resolve("parley.db").toAbsolutePath();
        HikariDataSource writes = pool(url, "sqlite-write", 1, SQLiteConfig.TransactionMode.IMMEDIATE);
        try {
            migrate(writes, null);
        } catch (RuntimeException e) {
            writes.close();
            throw e;
        }
        HikariDataSource reads = pool(url, "sqlite-read", 4, SQLiteConfig.TransactionMode.DEFERRED);
        return new SqliteDatabase(writes, reads);
    }

    private static HikariDataSource pool(String url, String name, int size, SQLiteConfig.TransactionMode mode) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        config.setTransactionMode(mode);
        config.setGetGeneratedKeys(false); // never read; else the driver matches every update's SQL against a pattern
        SQLiteDataSource sqlite = new SQLiteDataSource(config) {
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
