// What a durable message costs SQLite in three layouts (docs/benchmarks.md, 33 and 34). Run from
// the repository's root after a build (./bench builds it):
//   java -cp loadgen/target/lib/sqlite-jdbc-3.54.1.0.jar:loadgen/target/lib/slf4j-api-2.0.20.jar \
//        scripts/StoreLayouts.java indexed|journal|riders BATCH FOLD_MS DIR
// One thread commits batches of BATCH messages, each into another of 1,000 chats, with
// synchronous=FULL in WAL mode, as fast as they commit, in a fresh database under DIR (deleted
// after): "indexed" writes them into a table shaped like the node's `messages` (its key
// (chat_id, seq) and its unique index of ids (chat_id, msg_id)), as the node does; "journal"
// appends them to a table in arrival order (its rowid alone) and, FOLD_MS after the last fold
// ended, moves what it holds into the indexed table in one transaction, in key order; "riders"
// appends them to the journal too, keeps what is not folded in memory by chat, and has each
// commit also carry the folds of the chats whose oldest message has waited FOLD_MS (oldest
// first, about RIDER_ROWS messages a commit: a chat is folded whole): all of a chat's waiting
// messages at once, from memory, and once a second the deletion of the journal's rows below the
// oldest waiting message. After 5 s it measures about 20 s: messages a second, the thread's CPU
// (user + kernel) per message, the bytes the process wrote to disk per message (/proc/self/io),
// the longest fold (the writer waits for it), the longest transaction (from binding its first
// row to its commit) and, for riders, the messages waiting in memory at the end; then riders
// checks that every message is folded or waiting and that the journal holds every waiting one,
// and fails if not. An experiment, not the node: nothing reads the journal or the memory.
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

public class StoreLayouts {
    /** About the most folded messages one commit of "riders" carries besides its own (a chat is folded whole). */
    private static final int RIDER_ROWS = 300;
    private static final String COLUMNS = "(chat_id, seq, msg_id, sender_id, client_msg_id, body, sent_at)";

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !args[0].matches("indexed|journal|riders") || !args[1].matches("[1-9][0-9]{0,3}") || !args[2].matches("[0-9]{1,5}")
                || !Files.isDirectory(Path.of(args[3]))) {
            System.err.println("usage: StoreLayouts indexed|journal|riders BATCH(1-9999) FOLD_MS(0-99999) DIR(an existing folder)");
            System.exit(2);
        }
        boolean riders = args[0].equals("riders");
        boolean journal = args[0].equals("journal") || riders;
        int batch = Integer.parseInt(args[1]);
        long foldMs = Long.parseLong(args[2]);
        Path dir = Files.createTempDirectory(Path.of(args[3]), "store-layouts");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"))) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=FULL");
                st.execute("CREATE TABLE messages (chat_id TEXT NOT NULL, seq BIGINT NOT NULL, msg_id TEXT NOT NULL, sender_id TEXT NOT NULL,"
                        + " client_msg_id TEXT NOT NULL, body TEXT NOT NULL, reply_to TEXT, sent_at BIGINT NOT NULL, PRIMARY KEY (chat_id, seq))");
                st.execute("CREATE UNIQUE INDEX messages_by_msg_id ON messages (chat_id, msg_id)");
                st.execute("CREATE TABLE journal (id INTEGER PRIMARY KEY, chat_id TEXT NOT NULL, seq BIGINT NOT NULL, msg_id TEXT NOT NULL,"
                        + " sender_id TEXT NOT NULL, client_msg_id TEXT NOT NULL, body TEXT NOT NULL, sent_at BIGINT NOT NULL)");
            }
            c.setAutoCommit(false);
            PreparedStatement insert = c.prepareStatement("INSERT INTO " + (journal ? "journal " : "messages ") + COLUMNS + " VALUES (?,?,?,?,?,?,?)");
            PreparedStatement logged = c.prepareStatement("INSERT INTO journal (id, " + COLUMNS.substring(1) + " VALUES (?,?,?,?,?,?,?,?)");
            PreparedStatement folded = c.prepareStatement("INSERT INTO messages " + COLUMNS + " VALUES (?,?,?,?,?,?,?)");
            PreparedStatement appended = riders ? logged : insert; // where a commit's own messages go
            // riders: each chat's messages not folded yet, chats in the order their oldest arrived
            java.util.LinkedHashMap<Integer, java.util.ArrayDeque<Object[]>> waiting = new java.util.LinkedHashMap<>();
            long journalId = 0, lastEmptied = System.nanoTime(), longestCommit = 0;
            PreparedStatement fold = c.prepareStatement("INSERT INTO messages " + COLUMNS + " SELECT " + COLUMNS.substring(1, COLUMNS.length() - 1)
                    + " FROM journal WHERE id <= ? ORDER BY chat_id, seq");
            PreparedStatement emptied = c.prepareStatement("DELETE FROM journal WHERE id <= ?");
            long[] seqs = new long[1000];
            var threads = ManagementFactory.getThreadMXBean();
            java.util.Random random = new java.util.Random(1);
            long sent = 0, lastFold = System.nanoTime(), longestFold = 0;
            long measureFrom = System.nanoTime() + 5_000_000_000L, end = measureFrom + 20_000_000_000L;
            long cpuAtStart = -1, sentAtStart = 0, bytesAtStart = 0, startedAt = 0;
            while (System.nanoTime() < end) {
                if (cpuAtStart < 0 && System.nanoTime() >= measureFrom) {
                    cpuAtStart = threads.getCurrentThreadCpuTime();
                    startedAt = System.nanoTime();
                    sentAtStart = sent;
                    bytesAtStart = writtenBytes();
                }
                long now = System.currentTimeMillis();
                long commitStart = System.nanoTime();
                for (int i = 0; i < batch; i++, sent++) {
                    int chat = (int) (sent % 1000);
                    Object[] row = {"AZxMMnCg1A8BwFi7LE_" + chat, ++seqs[chat], "lLCuKNunW8NOoxgX0L" + Long.toHexString(random.nextLong()), // ids from a hash: in no order
                            "AZxHDBSge_UjALGf-SNNag", "b" + sent + "-" + now, "{\"kind\":\"text\",\"text\":\"" + now + "\"}", now};
                    int at = 1;
                    if (riders) appended.setLong(at++, ++journalId);
                    for (Object v : row) appended.setObject(at++, v);
                    appended.addBatch();
                    if (riders) waiting.computeIfAbsent(chat, k -> new java.util.ArrayDeque<>()).add(new Object[] {journalId, row});
                }
                appended.executeBatch();
                if (riders) {
                    // the folds this commit carries: whole chats, oldest first, while they are due and fit
                    int rows = 0;
                    for (var it = waiting.entrySet().iterator(); it.hasNext(); ) {
                        var chat = it.next().getValue();
                        if (now - (long) ((Object[]) chat.peekFirst()[1])[6] < foldMs || rows + chat.size() > RIDER_ROWS && rows > 0) break;
                        for (Object[] m : chat) {
                            Object[] row = (Object[]) m[1];
                            for (int i = 0; i < row.length; i++) folded.setObject(i + 1, row[i]);
                            folded.addBatch();
                        }
                        rows += chat.size();
                        it.remove();
                    }
                    if (rows > 0) folded.executeBatch();
                    if (System.nanoTime() - lastEmptied >= 1_000_000_000L) { // every row below the oldest waiting one is folded
                        long oldest = waiting.isEmpty() ? journalId + 1 : (long) waiting.values().iterator().next().peekFirst()[0];
                        emptied.setLong(1, oldest - 1);
                        emptied.executeUpdate();
                        lastEmptied = System.nanoTime();
                    }
                }
                c.commit();
                if (cpuAtStart >= 0) longestCommit = Math.max(longestCommit, System.nanoTime() - commitStart);
                if (journal && !riders && (System.nanoTime() - lastFold) / 1_000_000 >= foldMs) {
                    long foldStart = System.nanoTime(), last;
                    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT max(id) FROM journal")) {
                        rs.next();
                        last = rs.getLong(1);
                    }
                    fold.setLong(1, last);
                    fold.executeUpdate();
                    emptied.setLong(1, last);
                    emptied.executeUpdate();
                    c.commit();
                    if (cpuAtStart >= 0) longestFold = Math.max(longestFold, System.nanoTime() - foldStart);
                    lastFold = System.nanoTime();
                }
            }
            long messages = sent - sentAtStart;
            double seconds = (System.nanoTime() - startedAt) / 1e9; // a fold may start or end the window late
            double cpuPerMessage = (threads.getCurrentThreadCpuTime() - cpuAtStart) / 1000.0 / messages;
            double kbPerMessage = (writtenBytes() - bytesAtStart) / 1024.0 / messages;
            int unfolded = waiting.values().stream().mapToInt(java.util.ArrayDeque::size).sum();
            if (riders) { // every message is folded or waiting, and the journal still holds every waiting one
                long inTable;
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM messages")) {
                    rs.next();
                    inTable = rs.getLong(1);
                }
                long missing = 0;
                try (PreparedStatement held = c.prepareStatement("SELECT 1 FROM journal WHERE id = ?")) {
                    for (var chat : waiting.values()) {
                        for (Object[] m : chat) {
                            held.setLong(1, (long) m[0]);
                            try (ResultSet rs = held.executeQuery()) {
                                if (!rs.next()) missing++;
                            }
                        }
                    }
                }
                if (inTable + unfolded != sent || missing > 0) {
                    throw new IllegalStateException("riders lost track: " + sent + " sent, " + inTable + " folded, " + unfolded + " waiting, "
                            + missing + " of them not in the journal");
                }
            }
            System.out.printf("%s, batches of %d%s: %,.0f msg/s, %.1f µs of CPU and %.1f KB written per message%n", args[0], batch,
                    (riders ? ", folded " + foldMs + " ms after they came (" + unfolded + " waiting at the end)"
                    : journal ? ", folded every " + foldMs + " ms (the longest fold " + longestFold / 1_000_000 + " ms)" : "")
                    + ", the longest transaction " + longestCommit / 1_000_000 + " ms", messages / seconds, cpuPerMessage, kbPerMessage);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long writtenBytes() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("write_bytes:")) return Long.parseLong(line.substring("write_bytes:".length()).trim());
        }
        throw new IllegalStateException("no write_bytes in /proc/self/io");
    }
}
