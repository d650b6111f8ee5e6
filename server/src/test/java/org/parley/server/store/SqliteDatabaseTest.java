package org.parley.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
                assertEquals("1000", pragma(c, "wal_autocheckpoint"), "SQLite's default: larger steps stall commits longer (benchmarks.md, 13)");
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
}
