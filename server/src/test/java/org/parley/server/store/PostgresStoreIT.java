package org.parley.server.store;

import java.sql.DriverManager;
import java.util.concurrent.ThreadLocalRandom;

/** The store contract on the machine's PostgreSQL (database "test"), one fresh schema per test. */
class PostgresStoreIT extends StoreContract {
    static final String URL = System.getProperty("parley.test.pgUrl", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private String schema;

    @Override
    protected Database open() {
        schema = "t_store_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
        return PostgresDatabase.open(URL, null, null, schema, 4);
    }

    @Override
    protected void cleanUp() throws Exception {
        try (var c = DriverManager.getConnection(URL); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
