package org.parley.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.DriverManager;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The store contract on the machine's PostgreSQL (database "test"), one fresh schema per test. */
class PostgresStoreIT extends StoreContract {
    static final String URL = System.getProperty("parley.test.pgUrl", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private String schema;
    private Database db;

    @Override
    protected Database open() {
        schema = "t_store_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        db = PostgresDatabase.open(URL, null, null, schema, 4);
        return db;
    }

    @Test
    void everyCommitWaitsForTheLogOnDiskWhateverTheServersDefault() {
        db.write(c -> {
            assertEquals("on", Sql.one(c, "SHOW synchronous_commit", rs -> rs.getString(1)).orElseThrow());
            return null;
        });
    }

    @Override
    protected void cleanUp() throws Exception {
        try (var c = DriverManager.getConnection(URL); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
