// What a durable message costs SQLite in two layouts (docs/benchmarks.md, 33). Run from the
// repository's root after a build (./bench builds it):
//   java -cp loadgen/target/lib/sqlite-jdbc-3.54.1.0.jar:loadgen/target/lib/slf4j-api-2.0.20.jar \
//        scripts/StoreLayouts.java indexed|journal BATCH FOLD_MS DIR
// One thread commits batches of BATCH messages, each into another of 1,000 chats, with
// synchronous=FULL in WAL mode, as fast as they commit, in a fresh database under DIR (deleted
// after): "indexed" writes them into a table shaped like the node's `messages` (its key
// (chat_id, seq) and its unique index of ids (chat_id, msg_id)), as the node does; "journal"
// appends them to a table in arrival order (its rowid alone) and, FOLD_MS after the last fold
// ended, moves what it holds into the indexed table in one transaction, in key order. After
// 5 s it measures about 20 s: messages a second, the thread's CPU (user + kernel) per message,
// the bytes the process wrote to disk per message (/proc/self/io) and the longest fold (the
// writer waits for it). An experiment, not the node: the journal is never read, so a store
// built this way would have to serve reads of what is not folded yet.
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

public class StoreLayouts {
    private static final String COLUMNS = "(chat_id, seq, msg_id, sender_id, client_msg_id, body, sent_at)";

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !args[0].matches("indexed|journal") || !args[1].matches("[1-9][0-9]{0,3}") || !args[2].matches("[0-9]{1,5}")
                || !Files.isDirectory(Path.of(args[3]))) {
            System.err.println("usage: StoreLayouts indexed|journal BATCH(1-9999) FOLD_MS(0-99999) DIR(an existing folder)");
            System.exit(2);
        }
        boolean journal = args[0].equals("journal");
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
                for (int i = 0; i < batch; i++, sent++) {
                    int chat = (int) (sent % 1000);
                    insert.setString(1, "AZxMMnCg1A8BwFi7LE_" + chat);
                    insert.setLong(2, ++seqs[chat]);
                    insert.setString(3, "lLCuKNunW8NOoxgX0L" + Long.toHexString(random.nextLong())); // ids from a hash: in no order
                    insert.setString(4, "AZxHDBSge_UjALGf-SNNag");
                    insert.setString(5, "b" + sent + "-" + now);
                    insert.setString(6, "{\"kind\":\"text\",\"text\":\"" + now + "\"}");
                    insert.setLong(7, now);
                    insert.addBatch();
                }
                insert.executeBatch();
                c.commit();
                if (journal && (System.nanoTime() - lastFold) / 1_000_000 >= foldMs) {
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
            System.out.printf("%s, batches of %d%s: %,.0f msg/s, %.1f µs of CPU and %.1f KB written per message%n", args[0], batch,
                    journal ? ", folded every " + foldMs + " ms (the longest fold " + longestFold / 1_000_000 + " ms)" : "", messages / seconds, (threads.getCurrentThreadCpuTime() - cpuAtStart) / 1000.0 / messages,
                    (writtenBytes() - bytesAtStart) / 1024.0 / messages);
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
