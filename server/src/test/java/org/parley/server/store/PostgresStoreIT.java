package org.parley.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.DriverManager;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;
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

    @Test
    void receiptMarksWrittenBeforeMigration10AreKept() throws Exception {
        String older = schema + "_v9";
        try {
            PGSimpleDataSource old = new PGSimpleDataSource();
            old.setURL(URL);
            old.setCurrentSchema(older);
            PooledDatabase.migrate(old, older, false, "9");
            try (var c = old.getConnection()) {
                StoreContract.writeMarksTheOldWay(c);
            }
            try (Database migrated = PostgresDatabase.open(URL, null, null, older, 2)) {
                StoreContract.assertMarksOfTheOldWay(migrated);
                assertEquals(List.of("cursor_marks_pkey"), migrated.read(c -> Sql.list(c,
                        "SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'cursor_marks'", rs -> rs.getString(1), older)),
                        "one index: the key, in the order of the range look-ups");
            }
        } finally {
            try (var c = DriverManager.getConnection(URL); var s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + older + " CASCADE");
            }
        }
    }

    @Override
    protected void cleanUp() throws Exception {
        try (var c = DriverManager.getConnection(URL); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
