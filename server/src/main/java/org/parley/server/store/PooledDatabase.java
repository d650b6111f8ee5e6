package org.parley.server.store;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;

/** The transaction discipline shared by both databases: separate pools for writes and reads. */
abstract class PooledDatabase implements Database {
    private final HikariDataSource writes;
    private final HikariDataSource reads;

    PooledDatabase(HikariDataSource writes, HikariDataSource reads) {
        this.writes = writes;
        this.reads = reads;
    }

    /**
     * Brings the schema up to date. The scripts are the same on both databases; where one
     * needs a word the other lacks, a placeholder carries it: {@code ${clustered}} is
     * SQLite's {@code WITHOUT ROWID} (a table stored in its primary key's order).
     */
    static void migrate(javax.sql.DataSource dataSource, String schema, boolean sqlite) {
        var config = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .placeholders(java.util.Map.of("clustered", sqlite ? "WITHOUT ROWID" : ""))
                .failOnMissingLocations(true);
        if (schema != null) config = config.schemas(schema).createSchemas(true);
        config.load().migrate();
    }

    @Override
    public <T> T write(Work<T> work) {
        return inTransaction(writes, "write", work);
    }

    @Override
    public <T> T read(Work<T> work) {
        return inTransaction(reads, "read", work);
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
