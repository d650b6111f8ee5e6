package org.parley.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;

/**
 * PostgreSQL for many nodes sharing one store. {@code synchronous_commit=on} is forced per
 * connection: an acknowledged message is on disk whatever the server default.
 */
public final class PostgresDatabase extends PooledDatabase {

    private PostgresDatabase(HikariDataSource pool) {
        super(pool, pool);
    }

    /**
     * @param schema the schema all tables live in (created when missing), or null for the
     *     connection's default search path
     */
    public static PostgresDatabase open(String url, String user, String password, String schema, int poolSize) {
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
        if (schema != null) {
            if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
                throw new IllegalArgumentException("pg.schema must be a lower-case SQL identifier: " + schema);
            }
            hikari.setSchema(schema);
        }
        hikari.setConnectionInitSql(init);
        HikariDataSource pool = new HikariDataSource(hikari);
        try {
            migrate(pool, schema, false);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new PostgresDatabase(pool);
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
