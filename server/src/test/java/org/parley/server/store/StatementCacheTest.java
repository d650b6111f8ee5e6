package org.parley.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sqlite.jdbc4.JDBC4PreparedStatement;

class StatementCacheTest {
    private Path dir;
    private Connection raw;
    private Connection c;

    @BeforeEach
    void open() throws Exception {
        dir = Files.createTempDirectory("parley-statements");
        raw = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
        c = StatementCache.caching(raw, 2);
        c.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
    }

    @AfterEach
    void close() throws Exception {
        c.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static JDBC4PreparedStatement inner(PreparedStatement ps) throws SQLException {
        return ps.unwrap(JDBC4PreparedStatement.class);
    }

    @Test
    void aClosedStatementIsReusedWithItsParametersCleared() throws Exception {
        PreparedStatement first = c.prepareStatement("SELECT ?");
        first.setInt(1, 5);
        JDBC4PreparedStatement compiled = inner(first);
        try (ResultSet rs = first.executeQuery()) {
            assertTrue(rs.next());
            assertEquals(5, rs.getInt(1));
        }
        first.close();
        assertTrue(first.isClosed());
        assertThrows(SQLException.class, first::executeQuery, "a handed-back statement is not the caller's any more");

        PreparedStatement again = c.prepareStatement("SELECT ?");
        assertSame(compiled, inner(again), "the same SQL gets the compiled statement back");
        try (ResultSet rs = again.executeQuery()) {
            assertTrue(rs.next());
            assertNull(rs.getObject(1), "the last user's parameter is gone");
        }
        again.close();
    }

    @Test
    void statementsInUseAreNeverShared() throws Exception {
        try (PreparedStatement a = c.prepareStatement("SELECT k FROM t WHERE k > ?");
                PreparedStatement b = c.prepareStatement("SELECT k FROM t WHERE k > ?")) {
            assertNotSame(inner(a), inner(b));
        }
    }

    @Test
    void aResultSetLeftOpenIsClosedWithItsStatement() throws Exception {
        c.createStatement().execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
        PreparedStatement ps = c.prepareStatement("SELECT v FROM t ORDER BY k");
        ResultSet rs = ps.executeQuery();
        assertTrue(rs.next()); // one row read, one left: the statement is mid-step
        ps.close();
        assertTrue(rs.isClosed(), "the statement was reset, so it holds no read snapshot while idle");
        try (PreparedStatement again = c.prepareStatement("SELECT v FROM t ORDER BY k"); ResultSet all = again.executeQuery()) {
            assertTrue(all.next());
            assertEquals("a", all.getString(1), "a reused statement starts from the first row");
        }
    }

    @Test
    void theEmbeddedStoresConnectionsKeepTheirStatements() throws Exception {
        Path data = Files.createTempDirectory("parley-statements-db");
        try (SqliteDatabase db = SqliteDatabase.open(data)) {
            for (var run : java.util.List.<java.util.function.Function<Database.Work<Boolean>, Boolean>>of(db::write, db::read)) {
                assertTrue(run.apply(conn -> {
                    PreparedStatement first = conn.prepareStatement("SELECT 1");
                    JDBC4PreparedStatement compiled = inner(first);
                    first.close();
                    try (PreparedStatement again = conn.prepareStatement("SELECT 1")) {
                        return inner(again) == compiled;
                    }
                }));
            }
        } finally {
            try (var files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void theLeastRecentlyUsedLeaveBeyondTheCapacityAndAllCloseWithTheConnection() throws Exception {
        PreparedStatement one = c.prepareStatement("SELECT 1");
        JDBC4PreparedStatement first = inner(one);
        one.close();
        PreparedStatement two = c.prepareStatement("SELECT 2");
        JDBC4PreparedStatement second = inner(two);
        two.close();
        PreparedStatement three = c.prepareStatement("SELECT 3");
        JDBC4PreparedStatement third = inner(three);
        three.close(); // capacity 2: "SELECT 1" was used least recently
        assertTrue(first.isClosed());
        assertFalse(second.isClosed());
        assertFalse(third.isClosed());

        c.close();
        assertTrue(raw.isClosed());
        assertTrue(second.isClosed());
        assertTrue(third.isClosed());
        c = StatementCache.caching(DriverManager.getConnection("jdbc:sqlite::memory:"), 2); // for close()
    }
}
