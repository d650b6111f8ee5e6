package org.parley.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.parley.server.account.DeviceStore.DeviceRecord;
import org.parley.server.account.SqlAccountStore;
import org.parley.server.account.SqlDeviceStore;
import org.parley.server.auth.Tokens;
import org.parley.server.message.MessageIds;
import org.parley.server.message.MessageStore.Appended;
import org.parley.server.message.MessageStore.NewMessage;
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
        db = PostgresDatabase.open(URL, null, null, schema, 4, 30);
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
    void readsEndNoTransactionAndWritesStillCommitWhole() throws Exception {
        // forty rounds, each a write on the connection the reads just gave back
        for (int i = 0; i < 40; i++) {
            long[] started = db.readTogether(() -> new long[] {
                    db.read(c -> Sql.one(c, "SELECT (extract(epoch FROM transaction_timestamp()) * 1e6)::bigint, pg_sleep(0.002)", rs -> rs.getLong(1))).orElseThrow(),
                    db.read(c -> Sql.one(c, "SELECT (extract(epoch FROM transaction_timestamp()) * 1e6)::bigint", rs -> rs.getLong(1))).orElseThrow()});
            assertTrue(started[1] > started[0], "each read is a transaction of its own, not one left open until a commit");
            assertFalse(db.write(java.sql.Connection::getAutoCommit), "a write after reads is one transaction");
        }
        db.write(c -> Sql.update(c, "CREATE TABLE t_whole (n int)"));
        for (int i = 0; i < 8; i++) {
            assertThrows(StoreException.class, () -> db.write(c -> {
                Sql.update(c, "INSERT INTO t_whole VALUES (1)");
                return Sql.update(c, "INSERT INTO no_such_table VALUES (2)");
            }));
        }
        assertEquals(0L, db.read(c -> Sql.one(c, "SELECT count(*) FROM t_whole", rs -> rs.getLong(1))).orElseThrow(),
                "a write that failed half way left nothing, on connections reads had used");
    }

    @Test
    void aStatementRunningPastTheTimeoutIsCancelledAndTheStoreGoesOn() {
        assertEquals("30s", db.read(c -> Sql.one(c, "SHOW statement_timeout", rs -> rs.getString(1))).orElseThrow());
        try (Database quick = PostgresDatabase.open(URL, null, null, schema, 2, 1)) {
            StoreException e = assertThrows(StoreException.class, () -> quick.read(c -> Sql.one(c, "SELECT pg_sleep(3)", rs -> 1)));
            assertTrue(e.unanswered(), e.toString());
            StoreException w = assertThrows(StoreException.class, () -> quick.write(c -> Sql.one(c, "SELECT pg_sleep(3)", rs -> 1)));
            assertTrue(w.unanswered(), w.toString());
            assertEquals(1L, quick.read(c -> Sql.one(c, "SELECT 1", rs -> rs.getLong(1))).orElseThrow(), "the pool still serves");
        }
    }

    @Test
    void aConnectionKeepsItsSettingsWhenItsFirstWriteRollsBack() {
        try (PostgresDatabase one = PostgresDatabase.open(URL, null, null, schema, 1, 7)) {
            one.writes.getHikariPoolMXBean().softEvictConnections(); // the next write gets a connection no one has used
            assertThrows(StoreException.class, () -> one.write(c -> Sql.update(c, "INSERT INTO no_such_table VALUES (1)")));
            assertEquals(List.of("7s", "on", schema), one.write(c -> List.of(
                    Sql.one(c, "SHOW statement_timeout", rs -> rs.getString(1)).orElseThrow(),
                    Sql.one(c, "SHOW synchronous_commit", rs -> rs.getString(1)).orElseThrow(),
                    Sql.one(c, "SELECT current_schema()", rs -> rs.getString(1)).orElseThrow())),
                    "the settings a connection opens with are not undone by the rollback of its first transaction");
        }
    }

    @Test
    void aServerThatStopsAnsweringFailsTheCallInsteadOfHoldingItForever() throws Exception {
        var caller = java.util.concurrent.Executors.newSingleThreadExecutor(); // not closed by the try: a call held forever would hold it
        java.net.URI server = java.net.URI.create(URL.substring("jdbc:".length()));
        try (var proxy = new FreezingProxy(server.getHost(), server.getPort() < 0 ? 5432 : server.getPort());
                Database db2 = PostgresDatabase.open("jdbc:postgresql://127.0.0.1:" + proxy.port() + server.getRawPath()
                        + (server.getRawQuery() == null ? "" : "?" + server.getRawQuery()), null, null, schema, 2, 1)) {
            var call = caller.submit(() -> db2.readTogether(() -> {
                db2.read(c -> Sql.one(c, "SELECT 1", rs -> 1));
                proxy.frozen = true; // the server goes silent in the middle of a sync, its connection open
                return db2.read(c -> Sql.one(c, "SELECT 2", rs -> 2));
            }));
            var failure = assertThrows(java.util.concurrent.ExecutionException.class, () -> call.get(60, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(failure.getCause() instanceof StoreException s && s.unanswered(), failure.getCause().toString());
            proxy.frozen = false;
            assertEquals(3L, db2.read(c -> Sql.one(c, "SELECT 3", rs -> rs.getLong(1))).orElseThrow(), "served again once it answers");
        } finally {
            caller.shutdownNow(); // after the proxy closed every socket, which ends a call still held
        }
    }

    /** Forwards loopback TCP to a port; while {@code frozen}, holds every byte instead. */
    private static final class FreezingProxy implements AutoCloseable {
        volatile boolean frozen;
        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        FreezingProxy(String host, int port) throws java.io.IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        var in = server.accept();
                        var out = new java.net.Socket(host, port);
                        sockets.addAll(List.of(in, out));
                        Thread.ofVirtual().start(() -> pump(in, out));
                        Thread.ofVirtual().start(() -> pump(out, in));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        private void pump(java.net.Socket from, java.net.Socket to) {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = from.getInputStream().read(buf)) > 0; ) {
                    while (frozen) Thread.sleep(20);
                    to.getOutputStream().write(buf, 0, n);
                }
            } catch (java.io.IOException | InterruptedException e) {
                // closed
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            for (var s : sockets) s.close();
        }
    }

    @Test
    void theNodeKnowsWhetherTheServerKeepsStatisticsFresh() throws Exception {
        try (var c = DriverManager.getConnection(URL); var st = c.createStatement(); var rs = st.executeQuery("SHOW autovacuum")) {
            assertTrue(rs.next());
            assertEquals(rs.getString(1).equals("on"), ((PostgresDatabase) db).autovacuum(), "what the start-up warning is based on");
        }
    }

    @Test
    void twoNodesCommittingTheSameSendAtOnceStoreItOnce() throws Exception {
        try (Database other = PostgresDatabase.open(URL, null, null, schema, 2, 30);
                var nodes = java.util.concurrent.Executors.newFixedThreadPool(2)) { // both at once (the common pool may have one thread)
            var a = new SqlMessageStore(db, 1_000);
            var b = new SqlMessageStore(other, 1_000);
            a.append(List.of(new NewMessage("c1", "ann", "first", "text", "x", null, null, 1, null)));
            var send = new NewMessage("c1", "ann", "race", "text", "the same send", null, null, 2, null);
            List<Appended> fromA, fromB;
            try (var hold = DriverManager.getConnection(URL)) {
                // both nodes look the send up, find nothing and wait on the chat's head; then both insert
                hold.setAutoCommit(false);
                Sql.update(hold, "SET search_path = " + schema);
                Sql.list(hold, "SELECT last_seq FROM chat_log WHERE chat_id = 'c1' FOR UPDATE", rs -> rs.getLong(1));
                var inA = nodes.submit(() -> a.append(List.of(new NewMessage("c1", "bob", "other-a", "text", "y", null, null, 2, null), send)));
                var inB = nodes.submit(() -> b.append(List.of(send, new NewMessage("c1", "cat", "other-b", "text", "z", null, null, 2, null))));
                Thread.sleep(1_000);
                hold.commit();
                fromA = inA.get(30, java.util.concurrent.TimeUnit.SECONDS);
                fromB = inB.get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertEquals(fromA.get(1).message(), fromB.get(0).message(), "both nodes answer with the one stored message");
            assertEquals(MessageIds.of("c1", "ann", "race"), fromA.get(1).message().msgId());
            assertTrue(fromA.get(1).duplicate() ^ fromB.get(0).duplicate(), "exactly one of them stored it");
            assertEquals(List.of(1L, 2L, 3L, 4L), a.after("c1", 0, 10).stream().map(m -> m.seq()).toList(), "no gap, nothing twice");
        }
    }

    @Test
    void lastSeenTimesAreWrittenInPlaceWithoutNewIndexEntries() {
        var accounts = new SqlAccountStore(db);
        var devices = new SqlDeviceStore(db);
        String user = accounts.createOrGet("+14155550123", "u-many-devices", 1000).userId();
        for (int i = 0; i < 400; i++) { // rows of a device's real sizes, enough to fill several pages
            devices.create(new DeviceRecord(String.format("dev-%018d", i), user, "Phone " + i, 1000, null, null), Tokens.sha256("token-" + i));
        }
        Map<String, Long> connected = new TreeMap<>(); // one device in ten connects, on every page
        for (int i = 0; i < 400; i += 10) connected.put(String.format("dev-%018d", i), 2000L);
        Supplier<Map<String, Long>> blocks = () -> db.read(c -> {
            Map<String, Long> out = new TreeMap<>();
            for (var row : Sql.list(c, "SELECT device_id, (ctid::text::point)[0]::bigint FROM devices", rs -> Map.entry(rs.getString(1), rs.getLong(2)))) {
                if (connected.containsKey(row.getKey())) out.put(row.getKey(), row.getValue());
            }
            return out;
        });
        var before = blocks.get();
        assertTrue(new HashSet<>(before.values()).size() >= 3, "the devices fill several pages: " + before);
        devices.touch(connected);
        assertEquals(before, blocks.get(), "each new version on its row's own page (a heap-only update, no index written)");
        assertEquals(List.of(2000L), db.read(c -> Sql.list(c, "SELECT DISTINCT last_seen_at FROM devices WHERE device_id IN ("
                + String.join(", ", Collections.nCopies(connected.size(), "?")) + ")", rs -> rs.getLong(1), connected.keySet().toArray())),
                "and every time stored");
        assertEquals(List.of("chat_log fillfactor=80", "cursors fillfactor=80", "devices fillfactor=80", "users fillfactor=80"),
                db.read(c -> Sql.list(c, "SELECT relname || ' ' || array_to_string(reloptions, ',') FROM pg_class"
                        + " WHERE relnamespace = ?::regnamespace AND relname IN ('devices', 'users', 'chat_log', 'cursors') ORDER BY relname",
                        rs -> rs.getString(1), schema)));
    }

    /** A schema migrated to {@code version}, written to with {@code writeOld}, then opened at the latest version for {@code check}. */
    private void fromVersion(String version, Database.Work<Void> writeOld, java.util.function.BiConsumer<Database, String> check) throws Exception {
        String older = schema + "_v" + version;
        try {
            PGSimpleDataSource old = new PGSimpleDataSource();
            old.setURL(URL);
            old.setCurrentSchema(older);
            PooledDatabase.migrate(old, older, false, version);
            try (var c = old.getConnection()) {
                writeOld.run(c);
            }
            try (Database migrated = PostgresDatabase.open(URL, null, null, older, 2, 30)) {
                check.accept(migrated, older);
            }
        } finally {
            try (var c = DriverManager.getConnection(URL); var s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + older + " CASCADE");
            }
        }
    }

    @Test
    void receiptMarksWrittenBeforeMigration10AreKept() throws Exception {
        fromVersion("9", c -> {
            StoreContract.writeMarksTheOldWay(c);
            return null;
        }, (migrated, older) -> {
            StoreContract.assertMarksOfTheOldWay(migrated);
            assertEquals(List.of("cursor_marks_pkey"), migrated.read(c -> Sql.list(c,
                    "SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'cursor_marks'", rs -> rs.getString(1), older)),
                    "one index: the key, in the order of the range look-ups");
        });
    }

    @Test
    void aMessageStoredBeforeMigration11KeepsItsIdAndIsStillFoundWhenSentAgain() throws Exception {
        fromVersion("10", c -> {
            StoreContract.writeAMessageTheOldWay(c);
            return null;
        }, (migrated, older) -> {
            StoreContract.assertTheMessageOfTheOldWay(migrated);
            assertEquals(List.of("messages_by_client_id_before_v11", "messages_by_msg_id", "messages_pkey", "messages_with_media"),
                    migrated.read(c -> Sql.list(c, "SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'messages'"
                            + " ORDER BY indexname", rs -> rs.getString(1), older)),
                    "no index of client ids for new messages");
            String plan = migrated.write(c -> { // a transaction, for SET LOCAL (reads run on their own)
                Sql.update(c, "SET LOCAL enable_seqscan = off"); // the tables are tiny: ask whether the indexes can be used at all
                return String.join("\n", Sql.list(c, "EXPLAIN " + SqlMessageStore.existingSql(1), rs -> rs.getString(1),
                        "c1", MessageIds.of("c1", "ann", "old-1"), "old-1", "ann"));
            });
            assertTrue(plan.contains("messages_by_msg_id") && plan.contains("messages_by_client_id_before_v11"), plan);
        });
    }

    @Override
    protected void cleanUp() throws Exception {
        try (var c = DriverManager.getConnection(URL); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
