package org.parley.server.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A relational store the feature stores run their SQL on. Both implementations speak the
 * same portable SQL; they differ in connections, durability settings and locking.
 */
public interface Database extends AutoCloseable {

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** "sqlite" or "postgres". */
    String kind();

    /** Runs {@code work} in one transaction and commits it durably before returning. */
    <T> T write(Work<T> work);

    /** Runs {@code work} on a connection that sees committed data. */
    <T> T read(Work<T> work);

    /** True when the store answers a trivial query within its timeout. */
    boolean ping();

    /** True when a failed write is worth retrying (a unique key taken by a concurrent writer). */
    boolean isUniqueViolation(SQLException e);

    @Override
    void close();
}
