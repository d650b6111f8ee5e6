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
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * direct: pairs of users, A sends to B in their 1:1 chat. group: groups of --group-size
 * members, all online, each message fanned out to every other member. The same run drives
 * Parley or, for {@code ./bench compare}, ejabberd: the {@link Dialect} speaks the protocol.
 *
 * <p>Open loop: message k is due at start + k/rate whatever happened before; its latency is
 * measured from that due time (not from when it could be sent) to its arrival at each
 * recipient, so a stalled server shows up in the figures instead of slowing the load down.
 * Every recipient checks it gets each message once and in order; acks give the count of
 * durable sends where the protocol has them.
 */
final class MessagingScenario extends Scenario {
    /** A chat and the sockets that send into it, in turn; {@code sent} counts its messages over all runs. */
    private static final class Channel {
        final String address;
        final List<Peer> senders;
        final int recipients;
        long sent;

        Channel(String address, List<Peer> senders, int recipients) {
            this.address = address;
            this.senders = senders;
            this.recipients = recipients;
        }
    }

    /** What one socket has seen of one chat (touched only on that socket's event loop). */
    private static final class Tracker {
        long last = -1;
        Map<String, Long> lastBySender;
        final BitSet seen = new BitSet();
        long lastReceiptNanos;
    }

    private final Dialect dialect;
    private final boolean group;
    private final List<Peer> peers = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final List<Map<String, Tracker>> trackers = new ArrayList<>();

    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private final Recorder latencies = new Recorder(3_600_000_000L, 3);
    private final LongAdder ackedInWindow = new LongAdder();
    private final LongAdder deliveredInWindow = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final LongAdder duplicated = new LongAdder();
    private final LongAdder reordered = new LongAdder();

    MessagingScenario(Options o, NodeUnderTest node, Dialect dialect) {
        super(o, node);
        this.dialect = dialect;
        this.group = o.scenario().equals("group");
    }

    @Override
    void setUp() throws Exception {
        int users = o.clients();
        System.err.printf("setting up %d users ...%n", users);
        dialect.signUp(users);
        Map<Integer, List<String>> groupsOf = new HashMap<>();
        List<List<Integer>> senderIndexes = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        if (!group) {
            for (int i = 0; i + 1 < users; i += 2) {
                addresses.add(dialect.openDirect(i, i + 1));
                senderIndexes.add(List.of(i));
            }
        } else {
            int size = o.groupSize();
            for (int g = 0; g + size <= users; g += size) {
                List<Integer> members = new ArrayList<>();
                for (int i = g; i < g + size; i++) members.add(i);
                String address = dialect.createGroup(members, "bench " + g / size);
                for (int m : members) groupsOf.computeIfAbsent(m, k -> new ArrayList<>()).add(address);
                addresses.add(address);
                senderIndexes.add(members);
            }
        }
        for (int i = 0; i < users; i++) {
            peers.add(dialect.peer(i, groupsOf.getOrDefault(i, List.of())));
            trackers.add(new HashMap<>());
        }
        for (int c = 0; c < addresses.size(); c++) {
            List<Peer> senders = senderIndexes.get(c).stream().map(peers::get).toList();
            channels.add(new Channel(addresses.get(c), senders, group ? o.groupSize() - 1 : 1));
        }
        WebSocketClient client = webSocketClient(new WebSocketClientOptions().setMaxConnections(users + 10)
                .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
        System.err.printf("connecting %d sockets ...%n", users);
        List<Future<?>> opening = new ArrayList<>();
        for (Peer p : peers) {
            opening.add(p.open(client, node.uri(), frame -> onFrame(p, frame)));
            if (opening.size() % 500 == 0) awaitLive(opening, 60);
        }
        awaitLive(opening, 120);
    }

    private void awaitLive(List<Future<?>> opening, int seconds) throws Exception {
        try {
            Future.all(opening).toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            int stuck = 0;
            Peer first = null;
            for (int i = 0; i < opening.size(); i++) {
                if (!opening.get(i).isComplete()) {
                    stuck++;
                    if (first == null) first = peers.get(i);
                }
            }
            throw new IllegalStateException(stuck + " of " + opening.size() + " sockets did not go live within " + seconds + " s; the first: " + first);
        }
    }

    private void onFrame(Peer p, String frame) {
        Dialect.Incoming in = dialect.parse(p, frame);
        switch (in.kind()) {
            case MESSAGE -> onMessage(p, in);
            case ACK -> {
                if (in.due() >= windowStart && in.due() < windowEnd) ackedInWindow.increment();
            }
            case ERROR -> {
                errors.increment();
                if (firstError.compareAndSet(null, frame)) System.err.println("  first error: " + frame);
            }
            case OTHER -> {}
        }
    }

    private void onMessage(Peer p, Dialect.Incoming in) {
        long now = System.nanoTime();
        Tracker t = trackers.get(p.index()).computeIfAbsent(in.channel(), k -> new Tracker());
        long order = in.order();
        if (in.sender() == null) { // the chat's total order: each number once, rising
            if (t.seen.get((int) order)) {
                duplicated.increment();
                return;
            }
            t.seen.set((int) order);
            if (order < t.last) reordered.increment();
            t.last = Math.max(t.last, order);
        } else { // each sender's own count: once per sender, rising per sender
            if (t.lastBySender == null) t.lastBySender = new HashMap<>();
            long last = t.lastBySender.getOrDefault(in.sender(), -1L);
            if (order <= last) {
                if (order == last) duplicated.increment();
                else reordered.increment();
                return;
            }
            t.lastBySender.put(in.sender(), order);
            t.last = Math.max(t.last, order);
        }
        if (!in.archived()) errors.increment();
        // Report delivery the way the SDK does: coalesced per chat, a few times a second.
        if (o.receipts() && now - t.lastReceiptNanos > 200_000_000L) {
            t.lastReceiptNanos = now;
            String receipt = dialect.deliveredFrame(in.channel(), t.last);
            if (receipt != null) p.send(receipt);
        }
        long due = in.due();
        if (due >= windowStart && due < windowEnd) { // -1: a system message
            deliveredInWindow.increment();
            latencies.recordValue(Math.max(0, (now - due) / 1_000));
        }
    }

    /** Offers {@code rate} messages a second for warm-up + duration seconds and returns the figures. */
    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        latencies.reset();
        ackedInWindow.reset();
        deliveredInWindow.reset();
        errors.reset();
        firstError.set(null);
        duplicated.reset();
        reordered.reset();
        OpenLoop.Window window = OpenLoop.plan(warmupS, durationS);
        windowStart = window.start();
        windowEnd = window.end();
        long[] sent = {0};
        // The frames are handed to each event loop in one task per tick, not one per frame.
        Map<io.vertx.core.Context, List<Runnable>> tick = new HashMap<>();
        OpenLoop.run(rate, warmupS, window, node, new OpenLoop.Events() {
            @Override
            public void due(long k, long due, boolean measured) {
                Channel channel = channels.get((int) (k % channels.size()));
                long n = channel.sent++;
                Peer sender = channel.senders.get((int) (n % channel.senders.size()));
                String frame = dialect.sendFrame(channel.address, group, n, due);
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
        boolean acks = dialect.acksSends(group);
        int recipients = channels.get(0).recipients;
        long expected = sent[0] * recipients;
        long drainUntil = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < drainUntil && (deliveredInWindow.sum() < expected || (acks && ackedInWindow.sum() < sent[0]))) {
            Thread.sleep(50);
        }
        Map<String, Long> closed = peers.stream().filter(Peer::isClosed)
                .collect(java.util.stream.Collectors.groupingBy(p -> String.valueOf(p.closedBy()), java.util.stream.Collectors.counting()));
        if (!closed.isEmpty()) System.err.printf("  %d of %d sockets were closed (close code and reason: count): %s%n",
                closed.values().stream().mapToLong(Long::longValue).sum(), peers.size(), closed);
        Histogram h = latencies.getIntervalHistogram();
        lastHistogram = h;
        long delivered = deliveredInWindow.sum();
        long acked = acks ? ackedInWindow.sum() : sent[0];
        long lost = Math.max(0, acked * recipients - delivered);
        return new Result(o.scenario(), node.storeDescription(o), o.clients(), durationS, rate, acked, delivered,
                delivered / (double) durationS, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), errors.sum() + (sent[0] - acked), lost, duplicated.sum(),
                reordered.sum(), node.rssMiB(), cpu);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
