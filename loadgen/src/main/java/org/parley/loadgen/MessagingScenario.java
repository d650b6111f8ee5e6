package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * direct: pairs of users, A sends to B in their 1:1 chat. group: groups of --group-size
 * members, all online, each message fanned out to every other member.
 *
 * <p>Open loop: message k is due at start + k/rate whatever happened before; its latency is
 * measured from that due time (not from when it could be sent) to its arrival at each
 * recipient, so a stalled node shows up in the figures instead of slowing the load down. Every
 * recipient checks it gets each seq once and in order; acks give the count of durable sends.
 */
final class MessagingScenario extends Scenario {
    /** A chat and the sockets that send into it, in turn. */
    private record Channel(String chatId, List<Conn> senders, int recipients) {}

    /** What one socket has seen of one chat (touched only on that socket's event loop). */
    private static final class Tracker {
        long last;
        final BitSet seen = new BitSet();
        long lastReceiptNanos;
    }

    /** Recipients send delivered receipts (as the SDK does) unless -Dparley.bench.receipts=false. */
    private static final boolean RECEIPTS = !"false".equals(System.getProperty("parley.bench.receipts"));
    private final List<Conn> conns = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final List<Map<String, Tracker>> trackers = new ArrayList<>();

    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private final Recorder latencies = new Recorder(3_600_000_000L, 3);
    private final LongAdder ackedInWindow = new LongAdder();
    private final LongAdder deliveredInWindow = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder duplicated = new LongAdder();
    private final LongAdder reordered = new LongAdder();

    MessagingScenario(Options o, NodeUnderTest node) {
        super(o, node);
    }

    @Override
    void setUp() throws Exception {
        Accounts accounts = new Accounts(node.uri());
        int users = o.clients();
        System.err.printf("setting up %d users ...%n", users);
        List<Accounts.User> all = accounts.signUp(users);
        if (o.scenario().equals("direct")) {
            for (int i = 0; i + 1 < users; i += 2) {
                String chat = accounts.openDirect(all.get(i), all.get(i + 1));
                channels.add(new Channel(chat, List.of(new Conn(all.get(i), i)), 1));
            }
        } else {
            int size = o.groupSize();
            for (int g = 0; g + size <= users; g += size) {
                List<Accounts.User> members = all.subList(g, g + size);
                String chat = accounts.createGroup(members.get(0), members, "bench " + g / size);
                List<Conn> senders = new ArrayList<>();
                for (int i = 0; i < size; i++) senders.add(new Conn(members.get(i), g + i));
                channels.add(new Channel(chat, senders, size - 1));
            }
        }
        // One socket per user; the senders above are bound to them by index.
        Conn[] byIndex = new Conn[users];
        for (Channel c : channels) for (Conn s : c.senders()) byIndex[s.index] = s;
        for (int i = 0; i < users; i++) {
            if (byIndex[i] == null) byIndex[i] = new Conn(all.get(i), i);
            conns.add(byIndex[i]);
            trackers.add(new HashMap<>());
        }
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(users + 10)
                .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
        System.err.printf("connecting %d sockets ...%n", users);
        List<Future<Conn>> opening = new ArrayList<>();
        for (Conn c : conns) {
            opening.add(c.open(client, node.uri(), frame -> onFrame(c, frame)));
            if (opening.size() % 500 == 0) Future.all(opening).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        Future.all(opening).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    private void onFrame(Conn c, String frame) {
        if (Frames.is(frame, "message")) {
            onMessage(c, frame);
        } else if (Frames.is(frame, "ack")) {
            long due = dueOf(Frames.string(frame, "clientMsgId"));
            if (due >= windowStart && due < windowEnd) ackedInWindow.increment();
        } else if (Frames.is(frame, "error")) {
            errors.increment();
        }
    }

    private void onMessage(Conn c, String frame) {
        long now = System.nanoTime();
        String chatId = Frames.string(frame, "chatId");
        long seq = Frames.number(frame, "seq");
        String text = Frames.string(frame, "text");
        Tracker t = trackers.get(c.index).computeIfAbsent(chatId, k -> new Tracker());
        if (t.seen.get((int) seq)) {
            duplicated.increment();
            return;
        }
        t.seen.set((int) seq);
        if (seq < t.last) reordered.increment();
        t.last = Math.max(t.last, seq);
        // Report delivery the way the SDK does: coalesced per chat, a few times a second.
        if (RECEIPTS && now - t.lastReceiptNanos > 200_000_000L) {
            t.lastReceiptNanos = now;
            c.send("{\"type\":\"delivered\",\"chatId\":\"" + chatId + "\",\"upToSeq\":" + t.last + "}");
        }
        if (text == null || text.isEmpty() || !Character.isDigit(text.charAt(0))) return; // a system message
        long due = Long.parseLong(text);
        if (due >= windowStart && due < windowEnd) {
            deliveredInWindow.increment();
            latencies.recordValue(Math.max(0, (now - due) / 1_000));
        }
    }

    private static long dueOf(String clientMsgId) {
        if (clientMsgId == null) return -1;
        int dash = clientMsgId.indexOf('-');
        return Long.parseLong(clientMsgId.substring(dash + 1));
    }

    /** Offers {@code rate} messages a second for warm-up + duration seconds and returns the figures. */
    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        latencies.reset();
        ackedInWindow.reset();
        deliveredInWindow.reset();
        errors.reset();
        duplicated.reset();
        reordered.reset();
        OpenLoop.Window window = OpenLoop.plan(warmupS, durationS);
        windowStart = window.start();
        windowEnd = window.end();
        int[] turn = new int[channels.size()];
        long[] sent = {0};
        // The frames are handed to each event loop in one task per tick, not one per frame.
        Map<io.vertx.core.Context, List<Runnable>> tick = new HashMap<>();
        OpenLoop.run(rate, warmupS, window, node, new OpenLoop.Events() {
            @Override
            public void due(long k, long due, boolean measured) {
                int ch = (int) (k % channels.size());
                Channel channel = channels.get(ch);
                Conn sender = channel.senders().get(turn[ch]++ % channel.senders().size());
                String frame = "{\"type\":\"send\",\"chatId\":\"" + channel.chatId() + "\",\"clientMsgId\":\"b" + k + "-" + due
                        + "\",\"text\":\"" + due + "\"}";
                tick.computeIfAbsent(sender.context(), c -> new ArrayList<>()).add(() -> sender.send(frame));
                if (measured) sent[0]++;
            }

            @Override
            public void endOfTick() {
                tick.forEach((context, sends) -> context.runOnContext(v -> sends.forEach(Runnable::run)));
                tick.clear();
            }
        });
        Double cpu = node.cpuPercentSinceMark();
        // Let what is in flight arrive (bounded), then count.
        long expected = sent[0] * channels.get(0).recipients();
        long drainUntil = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < drainUntil && (deliveredInWindow.sum() < expected || ackedInWindow.sum() < sent[0])) Thread.sleep(50);
        Histogram h = latencies.getIntervalHistogram();
        lastHistogram = h;
        long delivered = deliveredInWindow.sum();
        long acked = ackedInWindow.sum();
        long lost = Math.max(0, acked * channels.get(0).recipients() - delivered);
        return new Result(o.scenario(), node.storeDescription(o), o.clients(), durationS, rate, acked, delivered,
                delivered / (double) durationS, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), errors.sum() + (sent[0] - acked), lost, duplicated.sum(),
                reordered.sum(), node.rssMiB(), cpu);
    }


    private static double ms(long micros) {
        return micros / 1000.0;
    }


}
