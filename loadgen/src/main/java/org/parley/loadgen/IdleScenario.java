package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * idle: --clients authenticated sockets held open for --duration seconds, answering the
 * node's heartbeats, with nothing else going on. Reports the node's memory per connection two
 * ways: the live objects the connections hold (heap in use after a full collection, after
 * minus before connecting, divided by the count: {@code serverBytesPerConnection}) and the
 * growth of resident memory ({@code serverRssBytesPerConnection}, which also counts the
 * garbage collector's headroom, set by the node's heap options rather than by the sockets). Sockets spread over
 * source addresses (127.0.0.1, then 127.0.0.2, 127.0.0.3, ..., 25,000 each) so the count is not capped by one
 * address's ephemeral ports. Every socket must stay open: a close counts as an error.
 */
final class IdleScenario extends Scenario {
    private static final int SOCKETS_PER_USER = 50;

    private final List<WebSocket> sockets = new ArrayList<>();
    private final LongAdder closed = new LongAdder();
    private final Recorder connectLatency = new Recorder(3_600_000_000L, 3);
    private Double rssBefore;
    private Long heapBefore;

    IdleScenario(Options o, NodeUnderTest node) {
        super(o, node);
    }

    @Override
    void setUp() throws Exception {
        int users = Math.max(1, (o.clients() + SOCKETS_PER_USER - 1) / SOCKETS_PER_USER);
        System.err.printf("setting up %d users for %,d sockets ...%n", users, o.clients());
        List<Accounts.User> all = new Accounts(node.uri()).signUp(users);
        System.gc();
        heapBefore = node.liveHeapBytes();
        Thread.sleep(2_000);
        rssBefore = node.rssMiB();
        List<WebSocketClient> clients = new ArrayList<>();
        for (int a = 0; a * PER_SOURCE_ADDRESS < o.clients(); a++) {
            clients.add(webSocketClient(fromSourceBlock(a).setConnectTimeout(30_000)));
        }
        System.err.printf("opening %,d sockets from %d source addresses ...%n", o.clients(), clients.size());
        List<Future<WebSocket>> batch = new ArrayList<>();
        for (int i = 0; i < o.clients(); i++) {
            Accounts.User u = all.get(i / SOCKETS_PER_USER);
            long started = System.nanoTime();
            WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(node.uri().getHost()).setPort(node.uri().getPort())
                    .setURI("/v1/ws").addHeader("Authorization", "Bearer " + u.token());
            batch.add(clients.get(i / PER_SOURCE_ADDRESS).connect(opts).onSuccess(ws -> {
                connectLatency.recordValue((System.nanoTime() - started) / 1_000);
                ws.textMessageHandler(text -> {
                    // The first frame is "ready"; any frame makes the socket live, as a client that does not sync.
                    if (text.startsWith("{\"type\":\"ready\"")) ws.writeTextMessage("{\"type\":\"ping\"}");
                });
                ws.closeHandler(v -> closed.increment());
                synchronized (sockets) {
                    sockets.add(ws);
                }
            }));
            if (batch.size() == 1_000) {
                Future.join(batch).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
                batch.clear();
                if ((i + 1) % 10_000 == 0) System.err.printf("  %,d open%n", i + 1);
            }
        }
        Future.join(batch).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        int opened;
        synchronized (sockets) {
            opened = sockets.size();
        }
        Thread.sleep(warmupS * 1_000L);
        node.mark();
        long closedBefore = closed.sum();
        Thread.sleep(durationS * 1_000L); // heartbeats go on meanwhile
        Double cpu = node.cpuPercentSinceMark();
        Long heap = node.liveHeapBytes(); // a full collection, as before the baseline
        Double rss = node.rssMiB();
        long lostSockets = (o.clients() - opened) + (closed.sum() - closedBefore) + closedBefore;
        Double rssPerConnection = rss == null || rssBefore == null || opened == 0 ? null : (rss - rssBefore) * 1024 * 1024 / opened;
        Double perConnection = heap == null || heapBefore == null || opened == 0 ? null : (double) (heap - heapBefore) / opened;
        lastHistogram = connectLatency.getIntervalHistogram();
        Histogram h = lastHistogram;
        return new Result("idle", node.storeDescription(o), o.clients(), durationS, 0, opened, opened - closed.sum(), 0,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0, lostSockets, 0, 0, 0, rss, cpu, opened - closed.sum(), perConnection, rssPerConnection);
    }


}
