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

    /** Runs {@code work} on a connection that sees committed data (PostgreSQL: each statement on its own, auto-commit). */
    <T> T read(Work<T> work);

    /**
     * Runs {@code reads} with every {@link #read} it makes on one connection: the pool is taken
     * once. On SQLite they share one transaction and see the snapshot of the first; on
     * PostgreSQL each runs on its own (auto-commit, no transaction to end) and sees what
     * committed before it, as READ COMMITTED statements do inside a transaction too. A
     * {@link #write} inside fails at once (on PostgreSQL it would need a second connection from
     * the pool whose connection this holds); a {@code readTogether} inside another joins it.
     * Let a read that fails end the whole body.
     */
    <T> T readTogether(java.util.function.Supplier<T> reads);

    /**
     * How many long reads (a device's sync) may run at once and leave connections to the rest:
     * on SQLite, whose writes have a connection of their own, all its read connections but one
     * (kept for the short reads: a token check, a REST page); on PostgreSQL, half of its one
     * pool (the other half for the writers and the short reads); at least one.
     */
    int readCapacity();

    /** True when the store answers a trivial query within its timeout. */
    boolean ping();

    /** True when a failed write is worth retrying (a unique key taken by a concurrent writer). */
    boolean isUniqueViolation(SQLException e);

    @Override
    void close();
}
