package org.parley.loadgen;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.parley.protocol.Model.Message;
import org.parley.server.account.SqlAccountStore;
import org.parley.server.chat.SqlChatStore;
import org.parley.server.message.MessageStore.Appended;
import org.parley.server.message.MessageStore.NewMessage;
import org.parley.server.message.SqlMessageStore;
import org.parley.server.receipt.CursorStore.Kind;
import org.parley.server.receipt.CursorStore.Move;
import org.parley.server.receipt.SqlCursorStore;
import org.parley.server.store.Database;
import org.parley.server.store.PostgresDatabase;
import org.parley.server.store.Sql;
import org.parley.server.store.SqliteDatabase;

/**
 * {@code ./bench store}: the durable write path alone, in this process, without a node or a
 * socket. One thread appends batches of {@code --batch} 1:1 messages (each batch spread
 * over as many chats, the way the node's message writer sees a busy server) through the
 * node's own {@link SqlMessageStore}, as fast as they commit; with receipts on, a second
 * thread moves cursors through {@link SqlCursorStore} the way the node does for them (the
 * sender's read of its own message, and the recipient's delivered receipt at most every
 * 200 ms per chat), so both take turns on the store's write connection as in the node.
 * Latencies are commit times of the message batches; {@code throughputPerS} is committed
 * messages a second. It tells how much of {@code direct}'s figure the store itself allows.
 */
final class StoreScenario {
    private static final long RECEIPT_EVERY_MS = 200;

    private StoreScenario() {}

    static Bench.Runs run(Options o) throws Exception {
        Path dir = Files.createTempDirectory("parley-bench-store");
        String schema = "bench_store_" + Long.toHexString(System.nanoTime());
        try (Database db = o.store().equals("sqlite") ? SqliteDatabase.open(dir) : PostgresDatabase.open(o.pgUrl(), null, null, schema, 4, PostgresDatabase.DEFAULT_TIMEOUT_SECONDS)) {
            try {
                return measure(o, db);
            } finally {
                if (o.store().equals("postgres")) db.write(c -> Sql.update(c, "DROP SCHEMA " + schema + " CASCADE"));
            }
        } finally {
            NodeUnderTest.deleteAll(dir);
        }
    }

    private static Bench.Runs measure(Options o, Database db) throws Exception {
        var accounts = new SqlAccountStore(db);
        var chats = new SqlChatStore(db);
        var messages = new SqlMessageStore(db, 10_000);
        var cursors = new SqlCursorStore(db);
        int pairs = o.clients() / 2;
        String[][] chat = new String[pairs][]; // chat id, user a, user b
        long now = System.currentTimeMillis();
        System.err.printf("setting up %,d users in %,d chats ...%n", pairs * 2, pairs);
        for (int i = 0; i < pairs; i++) {
            String a = accounts.createOrGet(String.format("+1555%07d", 2 * i), "u" + (2 * i), now).userId();
            String b = accounts.createOrGet(String.format("+1555%07d", 2 * i + 1), "u" + (2 * i + 1), now).userId();
            chat[i] = new String[] {chats.openDirect("c" + i, a, b, now).chat().chatId(), a, b};
        }

        long measureFrom = System.nanoTime() + o.warmupS() * 1_000_000_000L;
        long end = measureFrom + o.durationS() * 1_000_000_000L;
        Histogram commits = new Histogram(60_000_000L, 3);
        AtomicLong moved = new AtomicLong();
        LinkedBlockingQueue<Move> pending = new LinkedBlockingQueue<>();
        AtomicReference<RuntimeException> cursorFailure = new AtomicReference<>();
        Thread receipts = !o.receipts() ? null : Thread.ofPlatform().name("bench-cursors").start(() -> {
            try {
                while (System.nanoTime() < end) {
                    Move first = pending.poll(10, TimeUnit.MILLISECONDS);
                    if (first == null) continue;
                    List<Move> batch = new ArrayList<>(List.of(first));
                    pending.drainTo(batch);
                    cursors.advance(batch);
                    if (System.nanoTime() >= measureFrom) moved.addAndGet(batch.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                cursorFailure.set(e);
            }
        });

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuFrom = -1;
        Random random = new Random(1);
        long[] appended = new long[pairs];
        long[] lastReceipt = new long[pairs];
        long measured = 0, duplicated = 0, reordered = 0;
        int next = 0;
        while (System.nanoTime() < end && cursorFailure.get() == null) {
            List<NewMessage> batch = new ArrayList<>(o.batch());
            long at = System.currentTimeMillis();
            int first = next; // the k-th message of the batch is in chat (first + k) % pairs
            for (int k = 0; k < o.batch(); k++, next = (next + 1) % pairs) {
                String[] c = chat[next];
                String sender = appended[next] % 2 == 0 ? c[1] : c[2];
                batch.add(new NewMessage(c[0], sender, new UUID(random.nextLong(), random.nextLong()).toString(), "text",
                        "message " + appended[next] + " of the store bench", null, null, at, null));
            }
            long t0 = System.nanoTime();
            List<Appended> stored = messages.append(batch);
            long t1 = System.nanoTime();
            if (t0 >= measureFrom) {
                if (cpuFrom < 0) cpuFrom = os.getProcessCpuTime();
                commits.recordValue(Math.min((t1 - t0) / 1_000, commits.getHighestTrackableValue()));
                measured += batch.size();
            }
            for (int k = 0; k < stored.size(); k++) {
                Appended a = stored.get(k);
                Message m = a.message();
                int i = (first + k) % pairs;
                if (a.duplicate()) duplicated++;
                if (m.seq() != ++appended[i]) reordered++;
                if (receipts == null) continue;
                // as the node does: the sender has read its own message; the recipient's SDK
                // sends a delivered receipt at most every 200 ms per chat
                pending.add(new Move(m.chatId(), m.senderId(), Kind.read, m.seq(), at, false));
                if (at - lastReceipt[i] >= RECEIPT_EVERY_MS) {
                    lastReceipt[i] = at;
                    String recipient = m.senderId().equals(chat[i][1]) ? chat[i][2] : chat[i][1];
                    pending.add(new Move(m.chatId(), recipient, Kind.delivered, m.seq(), at));
                }
            }
        }
        double cpuPct = cpuFrom < 0 ? 0 : (os.getProcessCpuTime() - cpuFrom) / (o.durationS() * 1e9) * 100;
        if (receipts != null) receipts.join();
        if (cursorFailure.get() != null) throw cursorFailure.get();

        // Lost: a chat whose last stored seq is not the number of messages appended to it.
        long lost = 0;
        Map<String, Message> heads = messages.lastMessages(Arrays.stream(chat).map(c -> c[0]).toList());
        for (int i = 0; i < pairs; i++) {
            Message head = heads.get(chat[i][0]);
            lost += appended[i] - (head == null ? 0 : head.seq());
        }
        double perS = measured / (double) o.durationS();
        System.err.printf("  %,.0f messages/s in batches of %d (%,.0f commits/s), %,.0f cursor moves/s%n", perS, o.batch(),
                perS / o.batch(), moved.get() / (double) o.durationS());
        Result r = new Result("store", db.kind(), o.clients(), o.durationS(), 0, measured, measured, perS,
                ms(commits, 50), ms(commits, 99), ms(commits, 99.9), commits.getMaxValue() / 1_000.0, 0, lost, duplicated, reordered,
                null, cpuPct);
        return new Bench.Runs(List.of(r), r, commits);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1_000.0;
    }
}
