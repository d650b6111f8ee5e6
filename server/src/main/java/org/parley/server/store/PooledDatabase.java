package org.parley.server.store;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;

/** The transaction discipline shared by both databases: separate pools for writes and reads. */
abstract class PooledDatabase implements Database {
    /** The writers' pool (SQLite also runs its checkpoint's last step on it). */
    final HikariDataSource writes;
    private final HikariDataSource reads;
    /** The connection of the {@link #readTogether} running on this thread, if any. */
    private final ThreadLocal<Connection> together = new ThreadLocal<>();
    /**
     * Whether reads run each statement on its own (auto-commit) rather than in a transaction
     * ended by a commit: on PostgreSQL, whose READ COMMITTED statements each take their own
     * snapshot inside a transaction too, the commit is only one more round trip.
     */
    private final boolean readsAutoCommit;

    PooledDatabase(HikariDataSource writes, HikariDataSource reads, boolean readsAutoCommit) {
        this.writes = writes;
        this.reads = reads;
        this.readsAutoCommit = readsAutoCommit;
    }

    /**
     * Brings the schema up to date. Most scripts are the same on both databases
     * ({@code db/migration}); where the two must differ, each has its own script of the
     * same version ({@code db/sqlite}, {@code db/postgres}).
     */
    static void migrate(javax.sql.DataSource dataSource, String schema, boolean sqlite) {
        migrate(dataSource, schema, sqlite, null);
    }

    /** @param target the version to stop at; null for the latest (tests start from an older one) */
    static void migrate(javax.sql.DataSource dataSource, String schema, boolean sqlite, String target) {
        var config = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration", sqlite ? "classpath:db/sqlite" : "classpath:db/postgres")
                .failOnMissingLocations(true);
        if (target != null) config = config.target(target);
        if (schema != null) config = config.schemas(schema).createSchemas(true);
        config.load().migrate();
    }

    @Override
    public <T> T write(Work<T> work) {
        refuseInsideReadTogether();
        return inTransaction(writes, "write", work);
    }

    /** Fails when this thread is inside {@link #readTogether} (writes call it first). */
    final void refuseInsideReadTogether() {
        if (together.get() != null) throw new IllegalStateException("a write inside readTogether: it would need a second connection of the pool");
    }

    @Override
    public <T> T read(Work<T> work) {
        Connection shared = together.get();
        if (shared == null) return onReadConnection(work);
        try {
            return work.run(shared);
        } catch (SQLException e) {
            throw new StoreException("store read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public <T> T readTogether(java.util.function.Supplier<T> body) {
        if (together.get() != null) return body.get();
        return onReadConnection(c -> {
            together.set(c);
            try {
                return body.get();
            } finally {
                together.remove();
            }
        });
    }

    /**
     * Runs reads on a connection of the reads' pool: in a transaction, or with auto-commit on
     * (no transaction to end; the pool turns it off again when the connection comes back).
     */
    private <T> T onReadConnection(Work<T> work) {
        if (!readsAutoCommit) return inTransaction(reads, "read", work);
        try (Connection c = reads.getConnection()) {
            c.setAutoCommit(true);
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException("store read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int readCapacity() {
        return Math.max(1, reads == writes ? reads.getMaximumPoolSize() / 2 : reads.getMaximumPoolSize() - 1);
    }

    private static <T> T inTransaction(HikariDataSource pool, String what, Work<T> work) {
        try (Connection c = pool.getConnection()) {
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("store " + what + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean ping() {
        try (Connection c = reads.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(2);
            s.execute("SELECT 1");
            c.commit();
            return true;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool will discard it
        }
    }

    @Override
    public void close() {
        reads.close();
        if (writes != reads) writes.close();
    }
}
