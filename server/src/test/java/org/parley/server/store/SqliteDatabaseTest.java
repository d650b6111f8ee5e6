package org.parley.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.server.message.SqlMessageStore;
import org.sqlite.SQLiteDataSource;

class SqliteDatabaseTest {
    @TempDir
    Path data;

    private static String pragma(Connection c, String name) throws SQLException {
        return Sql.one(c, "PRAGMA " + name, rs -> rs.getString(1)).orElseThrow();
    }

    @Test
    void everyConnectionIsInWalModeAndTheWriterSyncsEveryCommit() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data)) {
            db.write(c -> {
                assertEquals("wal", pragma(c, "journal_mode"));
                assertEquals("2", pragma(c, "synchronous"), "FULL: an acknowledged message survives power loss");
                assertEquals(Integer.toString(SqliteCheckpointer.BACKSTOP_PAGES), pragma(c, "wal_autocheckpoint"),
                        "the writers checkpoint only as a backstop: the checkpointer copies the log back off their path");
                return null;
            });
            db.read(c -> {
                assertEquals("wal", pragma(c, "journal_mode"));
                return null;
            });
        }
    }

    @Test
    void onlyMessagesWithMediaAreInTheMediaIndexAndTheLookUpStillUsesIt() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data)) {
            db.write(c -> {
                assertEquals(1L, Sql.one(c, "SELECT partial FROM pragma_index_list('messages') WHERE name = 'messages_with_media'",
                        rs -> rs.getLong(1)).orElseThrow(), "a partial index: text messages are not in it");
                String plan = String.join("\n", Sql.list(c, "EXPLAIN QUERY PLAN SELECT 1 FROM messages m JOIN chat_members cm"
                        + " ON cm.chat_id = m.chat_id AND cm.user_id = ? WHERE m.media_id = ? AND m.seq > cm.joined_seq LIMIT 1",
                        rs -> rs.getString(4), "u", "md1"));
                assertTrue(plan.contains("USING INDEX messages_with_media"), plan);
                return null;
            });
        }
    }

    @Test
    void theLogIsCopiedBackOffTheWritersPathAndThenStartsAgainFromItsBeginning() throws Exception {
        Path wal = data.resolve("parley.db-wal");
        try (SqliteDatabase db = SqliteDatabase.open(data, 0)) { // no thread: the test runs the rounds
            for (int i = 0; i < 2_000; i++) { // each commit at least a page: past SQLite's own 1,000-page step
                String chat = "c" + i;
                db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES (?, 1, 1)", chat));
            }
            long walBytes = Files.size(wal);
            SqliteCheckpointer.Progress round = db.checkpoint();
            assertTrue(round.logPages() >= 2_000, "the writers did not checkpoint on their own: " + round);
            assertEquals(0, round.left(), "every committed page is in the database file: " + round);

            db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('after', 1, 1)"));
            SqliteCheckpointer.Progress next = db.checkpoint();
            assertTrue(next.logPages() <= 4, "the next commit wrote the log from its beginning: " + next);
            assertEquals(walBytes, Files.size(wal), "the log file was reused, not grown");
            long rows = db.read(c -> Sql.one(c, "SELECT COUNT(*) FROM chat_log", rs -> rs.getLong(1)).orElseThrow());
            assertEquals(2_001L, rows, "nothing committed was lost on the way");
        }
    }

    @Test
    void everyFourthCopyStartsTheLogOverAndAnIdleLogIsNotCopiedAgain() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data, 0)) { // no thread: the test runs the copies
            for (int round = 0; round < 2; round++) {
                for (int copy = 1; copy <= SqliteCheckpointer.RESTART_EVERY; copy++) {
                    String chat = "c" + round + "-" + copy;
                    db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES (?, 1, 1)", chat));
                    assertEquals(copy == SqliteCheckpointer.RESTART_EVERY, db.tick(), "copy " + copy + " of round " + round);
                }
            }
            SqliteCheckpointer.Progress idle = db.checkpoint();
            assertTrue(idle.complete(), "nothing left to copy: " + idle);
        }
    }

    @Test
    void aClosedDatabaseOpensAgainWithEverythingItCommitted() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data)) {
            for (int i = 0; i < 50; i++) {
                String chat = "c" + i;
                db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES (?, 1, 1)", chat));
            }
        }
        try (SqliteDatabase db = SqliteDatabase.open(data)) {
            db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('again', 1, 1)"));
            assertEquals(51L, (long) db.read(c -> Sql.one(c, "SELECT COUNT(*) FROM chat_log", rs -> rs.getLong(1)).orElseThrow()));
        }
    }

    @Test
    void writesQueuedWhileOneRunsShareItsCommitAndOneThatFailsFailsAlone() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data, 0)) {
            long commitsBefore = db.commits();
            Combined run = combined(db, false);
            assertEquals(List.of("first", "second"), run.rows(), "the failed write left nothing; its neighbours committed");
            assertTrue(run.failure() instanceof StoreException, "an SQL failure comes wrapped as before: " + run.failure());
            assertTrue(run.failure().getCause() instanceof SQLException s && db.isUniqueViolation(s), "its cause kept: " + run.failure());
            assertEquals(commitsBefore + 1, db.commits(), "one commit for the three");
        }
    }

    @Test
    void whenTheRunningWriteFailsTheQueuedOnesStillCommit() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data, 0)) {
            long commitsBefore = db.commits();
            Combined run = combined(db, true);
            assertEquals(List.of("second"), run.rows(), "the first write's row rolled back, the queued good one committed");
            assertEquals(IllegalStateException.class, run.failure().getClass(), "other failures pass through as they were thrown");
            assertEquals(commitsBefore + 1, db.commits());
        }
    }

    @Test
    void aWriteInsideAWriteFailsAtOnceInsteadOfWaitingForItself() {
        try (SqliteDatabase db = SqliteDatabase.open(data, 0)) {
            assertThrows(IllegalStateException.class, () -> db.write(c -> db.write(inner -> null)));
            assertEquals(1, (int) db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('after', 1, 1)")),
                    "the connection is still usable");
        }
    }

    private record Combined(List<String> rows, Throwable failure) {}

    /**
     * A first write ('first') holds the connection until two more have queued: one that fails
     * (inserting 'first' again, or throwing when {@code firstFails}) and 'second'; then the
     * first ends, failing too when {@code firstFails}. Answers the chats committed and the
     * failing write's failure.
     */
    private static Combined combined(SqliteDatabase db, boolean firstFails) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(3); // not the common pool: it has one thread on two cores
        try {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Future<Object> first = threads.submit(() -> db.write(c -> {
                Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('first', 1, 1)");
                running.countDown();
                awaitQuietly(release);
                if (firstFails) throw new IllegalStateException("first fails");
                return null;
            }));
            assertTrue(running.await(10, TimeUnit.SECONDS));
            Future<Object> failing = threads.submit(() -> db.write(c -> {
                Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('failing', 1, 1)");
                if (firstFails) throw new IllegalStateException("this one fails");
                return Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('first', 1, 1)"); // taken
            }));
            awaitWaiting(db, 1);
            Future<Integer> second = threads.submit(() -> db.write(c -> Sql.update(c,
                    "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('second', 1, 1)")));
            awaitWaiting(db, 2);
            release.countDown();

            assertEquals(1, second.get(10, TimeUnit.SECONDS));
            Throwable failed = assertThrows(ExecutionException.class, () -> failing.get(10, TimeUnit.SECONDS)).getCause();
            if (firstFails) {
                assertEquals("first fails", assertThrows(ExecutionException.class, () -> first.get(10, TimeUnit.SECONDS)).getCause().getMessage());
            } else {
                first.get(10, TimeUnit.SECONDS);
            }
            return new Combined(db.read(c -> Sql.list(c, "SELECT chat_id FROM chat_log ORDER BY chat_id", rs -> rs.getString(1))), failed);
        } finally {
            threads.shutdownNow();
        }
    }

    private static void awaitWaiting(SqliteDatabase db, int writes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (db.waitingWrites() < writes) {
            if (System.nanoTime() > deadline) throw new AssertionError("never queued: " + writes + " writes");
            Thread.sleep(1);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void receiptMarksAreOneTreeThatTheRangeLookUpsSearch() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data)) {
            db.read(c -> {
                assertEquals(1L, Sql.one(c, "SELECT wr FROM pragma_table_list('cursor_marks')", rs -> rs.getLong(1)).orElseThrow(),
                        "WITHOUT ROWID: the rows are in the key's tree");
                assertEquals(List.of("sqlite_autoindex_cursor_marks_1"), Sql.list(c, "SELECT name FROM pragma_index_list('cursor_marks')",
                        rs -> rs.getString(1)), "no other index to write");
                String plan = String.join("\n", Sql.list(c, "EXPLAIN QUERY PLAN SELECT chat_id, user_id, kind, up_to_seq, at FROM cursor_marks"
                        + " WHERE chat_id = ? AND up_to_seq >= ? AND up_to_seq <= ? ORDER BY up_to_seq", rs -> rs.getString(4), "c", 1, 9));
                assertTrue(plan.contains("USING PRIMARY KEY (chat_id=? AND up_to_seq>? AND up_to_seq<?)"), plan);
                return null;
            });
        }
    }

    @Test
    void theCheckpointThreadStartsTheLogOverWhileWritesGoOn() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data, 10);
                FileChannel wal = FileChannel.open(data.resolve("parley.db-wal"), StandardOpenOption.READ)) {
            // kept open until the database is closed: closing a descriptor of the log would drop SQLite's locks on it
            db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('first', 1, 1)"));
            long generation = salt(wal);
            // Each commit logs at least two pages (the row and its key), so the writers' own step
            // (BACKSTOP_PAGES) cannot come within this many commits: only the thread can start
            // the log over (its header's salt changes).
            int limit = SqliteCheckpointer.BACKSTOP_PAGES / 4;
            int commits = 0;
            while (salt(wal) == generation && commits < limit) {
                String chat = "c" + commits++;
                db.write(c -> Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES (?, 1, 1)", chat));
            }
            assertTrue(salt(wal) != generation, "the log did not start over in " + commits + " commits");
        }
    }

    /** The first salt of the log's header: SQLite changes it each time the log starts over. */
    private static long salt(FileChannel wal) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(32);
        wal.read(header, 0);
        return Integer.toUnsignedLong(header.getInt(16));
    }

    /** A database migrated to {@code version}, written to with {@code writeOld}, then opened at the latest version. */
    private SqliteDatabase openAfter(String version, Database.Work<Void> writeOld) throws Exception {
        SQLiteDataSource old = new SQLiteDataSource();
        old.setUrl("jdbc:sqlite:" + data.resolve("parley.db"));
        PooledDatabase.migrate(old, null, true, version);
        try (Connection c = old.getConnection()) {
            writeOld.run(c);
        }
        return SqliteDatabase.open(data);
    }

    @Test
    void receiptMarksWrittenBeforeMigration10AreKept() throws Exception {
        try (SqliteDatabase db = openAfter("9", c -> {
            StoreContract.writeMarksTheOldWay(c);
            return null;
        })) {
            StoreContract.assertMarksOfTheOldWay(db);
        }
    }

    @Test
    void aMessageStoredBeforeMigration11KeepsItsIdAndIsStillFoundWhenSentAgain() throws Exception {
        try (SqliteDatabase db = openAfter("10", c -> {
            StoreContract.writeAMessageTheOldWay(c);
            return null;
        })) {
            StoreContract.assertTheMessageOfTheOldWay(db);
        }
    }

    @Test
    void aRepeatedSendIsFoundByItsIdAndOnlyMessagesOfBeforeMigration11ByTheirClientId() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(data)) {
            db.read(c -> {
                assertEquals(List.of("messages_by_client_id_before_v11", "messages_by_msg_id", "messages_with_media", "sqlite_autoindex_messages_1"),
                        Sql.list(c, "SELECT name FROM pragma_index_list('messages') ORDER BY name", rs -> rs.getString(1)),
                        "no index of client ids for new messages");
                String plan = String.join("\n", Sql.list(c, "EXPLAIN QUERY PLAN " + SqlMessageStore.existingSql(2), rs -> rs.getString(4),
                        "c1", "g1", "k1", "u1", "c2", "g2", "k2", "u2"));
                assertTrue(plan.contains("USING INDEX messages_by_msg_id (chat_id=? AND msg_id=?)"), plan);
                assertTrue(plan.contains("USING INDEX messages_by_client_id_before_v11 (chat_id=? AND client_msg_id=? AND sender_id=?)"), plan);
                // the store's question at start, whether it may insert before looking repeats up: the partial index, not all ids
                String atStart = String.join("\n", Sql.list(c, "EXPLAIN QUERY PLAN " + SqlMessageStore.CLOCK_IDS_SQLITE, rs -> rs.getString(4)));
                assertTrue(atStart.contains("messages_by_client_id_before_v11") && !atStart.contains("messages_by_msg_id"), atStart);
                return null;
            });
        }
    }
}
