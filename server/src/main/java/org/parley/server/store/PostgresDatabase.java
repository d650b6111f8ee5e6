package org.parley.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL for many nodes sharing one store. {@code synchronous_commit=on} is forced per
 * connection: an acknowledged message is on disk whatever the server default.
 */
public final class PostgresDatabase extends PooledDatabase {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PostgresDatabase.class);
    /** {@code pg.timeoutSeconds}'s default. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;

    private PostgresDatabase(HikariDataSource pool) {
        super(pool, pool, true);
    }

    /**
     * @param schema the schema all tables live in (created when missing), or null for the
     *     connection's default search path
     * @param timeoutSeconds PostgreSQL cancels a statement that runs longer ({@code
     *     statement_timeout}), and a connection on which it answers nothing for twice as long
     *     is closed ({@code socketTimeout}: a server or network that stopped answering
     *     altogether); 0 for neither. The migrations at start run without them.
     */
    public static PostgresDatabase open(String url, String user, String password, String schema, int poolSize, int timeoutSeconds) {
        if (timeoutSeconds < 0) throw new IllegalArgumentException("timeoutSeconds >= 0");
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(url);
        if (user != null) hikari.setUsername(user);
        if (password != null) hikari.setPassword(password);
        hikari.setPoolName("postgres");
        hikari.setMaximumPoolSize(poolSize);
        hikari.setMinimumIdle(Math.min(2, poolSize));
        hikari.setAutoCommit(false);
        hikari.setConnectionTimeout(5_000);
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        hikari.addDataSourceProperty("ApplicationName", "parley");
        String init = "SET synchronous_commit = on";
        if (timeoutSeconds > 0) {
            init += "; SET statement_timeout = '" + timeoutSeconds + "s'";
            hikari.addDataSourceProperty("socketTimeout", Integer.toString(2 * timeoutSeconds));
        }
        if (schema != null) {
            if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("pg.schema must be a lower-case SQL identifier: " + schema);
            }
            hikari.setSchema(schema);
        }
        hikari.setConnectionInitSql(init);
        // With auto-commit off these settings (the schema's search_path too) would open the connection's first
        // transaction, and a first write that rolls back would undo them for the connection's whole life.
        hikari.setIsolateInternalQueries(true);
        HikariDataSource pool = new HikariDataSource(hikari); // a store it cannot reach stops the start here, in one line
        // A migration may run long (an index built on a large table): on connections of its own, without the timeouts.
        PGSimpleDataSource unlimited = new PGSimpleDataSource();
        unlimited.setURL(url);
        if (user != null) unlimited.setUser(user);
        if (password != null) unlimited.setPassword(password);
        unlimited.setApplicationName("parley");
        unlimited.setOptions("-c synchronous_commit=on");
        try {
            migrate(unlimited, schema, false);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        PostgresDatabase db = new PostgresDatabase(pool);
        boolean autovacuum = true;
        try {
            autovacuum = db.autovacuum();
        } catch (RuntimeException e) {
            log.warn("could not read PostgreSQL's autovacuum setting: {}", e.toString());
        }
        if (!autovacuum) {
            log.warn("PostgreSQL runs with autovacuum off: without fresh statistics its planner scans whole tables where an index"
                    + " would do (a reconnect storm then costs it several times the CPU); turn autovacuum on, or run ANALYZE"
                    + " regularly (docs/operations.md)");
        }
        return db;
    }

    /** Whether the server runs autovacuum, which also keeps the planner's statistics fresh. */
    boolean autovacuum() {
        return read(c -> {
            try (var st = c.createStatement(); var rs = st.executeQuery("SHOW autovacuum")) {
                return rs.next() && rs.getString(1).equals("on");
            }
        });
    }

    @Override
    public String kind() {
        return "postgres";
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }
}
