package org.parley.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.util.List;
import org.parley.server.message.MessageIds;
import org.parley.server.message.SqlMessageStore;
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

    @Test
    void aMessageStoredBeforeMigration11KeepsItsIdAndIsStillFoundWhenSentAgain() throws Exception {
        String older = schema + "_v10";
        try {
            PGSimpleDataSource old = new PGSimpleDataSource();
            old.setURL(URL);
            old.setCurrentSchema(older);
            PooledDatabase.migrate(old, older, false, "10");
            try (var c = old.getConnection()) {
                StoreContract.writeAMessageTheOldWay(c);
            }
            try (Database migrated = PostgresDatabase.open(URL, null, null, older, 2)) {
                StoreContract.assertTheMessageOfTheOldWay(migrated);
                assertEquals(List.of("messages_by_client_id_before_v11", "messages_by_msg_id", "messages_pkey", "messages_with_media"),
                        migrated.read(c -> Sql.list(c, "SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'messages'"
                                + " ORDER BY indexname", rs -> rs.getString(1), older)),
                        "no index of client ids for new messages");
                String plan = migrated.read(c -> {
                    Sql.update(c, "SET LOCAL enable_seqscan = off"); // the tables are tiny: ask whether the indexes can be used at all
                    return String.join("\n", Sql.list(c, "EXPLAIN " + SqlMessageStore.existingSql(1), rs -> rs.getString(1),
                            "c1", MessageIds.of("c1", "ann", "old-1"), "old-1"));
                });
                assertTrue(plan.contains("messages_by_msg_id") && plan.contains("messages_by_client_id_before_v11"), plan);
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
