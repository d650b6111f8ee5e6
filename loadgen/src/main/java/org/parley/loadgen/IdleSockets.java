package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The sockets {@code idle} holds open in one process: authenticated, answering the node's
 * heartbeats (Vert.x answers pings), each close counted. Used by {@link IdleScenario} for one
 * node and by each {@link IdleWorker} process when there are several.
 */
final class IdleSockets {
    /** Sockets sharing one user's token, as devices of few users would: sign-up is not what idle measures. */
    static final int SOCKETS_PER_USER = 50;

    private final List<WebSocket> sockets = new ArrayList<>();
    private final LongAdder closed = new LongAdder();
    private final Recorder connectLatency = new Recorder(3_600_000_000L, 3);

    /**
     * Opens {@code count} sockets to {@code node}, 1,000 at a time: socket i with
     * {@code tokens.get(i / SOCKETS_PER_USER)}. The first {@link Scenario#PER_SOURCE_ADDRESS}
     * leave the source address to the kernel, which picks each port as it connects, per destination;
     * each further group binds a source address of its own, {@link Scenario#fromSourceBlock}
     * {@code firstBoundBlock}, {@code firstBoundBlock + 1}, ... {@code progress} hears the count
     * open every 10,000. Fails when a socket cannot be opened within two minutes of its batch.
     */
    void open(Function<WebSocketClientOptions, WebSocketClient> clientFor, URI node, List<String> tokens, int count, int firstBoundBlock,
            IntConsumer progress) throws Exception {
        if (tokens.size() * (long) SOCKETS_PER_USER < count) throw new IllegalArgumentException(count + " sockets need " + usersFor(count) + " tokens");
        List<WebSocketClient> clients = new ArrayList<>();
        for (int b = 0; b * Scenario.PER_SOURCE_ADDRESS < count; b++) {
            clients.add(clientFor.apply(Scenario.fromSourceBlock(b, firstBoundBlock, Scenario.PER_SOURCE_ADDRESS).setConnectTimeout(30_000)));
        }
        List<Future<WebSocket>> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String token = tokens.get(i / SOCKETS_PER_USER);
            long started = System.nanoTime();
            WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(node.getHost()).setPort(node.getPort())
                    .setURI("/v1/ws").addHeader("Authorization", "Bearer " + token);
            batch.add(clients.get(i / Scenario.PER_SOURCE_ADDRESS).connect(opts).onSuccess(ws -> {
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
                if ((i + 1) % 10_000 == 0) progress.accept(i + 1);
            }
        }
        Future.join(batch).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    /** Source addresses that {@code sockets} sockets to one node bind (all but the first group's). */
    static int boundBlocks(int sockets) {
        return Scenario.boundBlocks(sockets, Scenario.PER_SOURCE_ADDRESS);
    }

    static int usersFor(int sockets) {
        return Math.max(1, (sockets + SOCKETS_PER_USER - 1) / SOCKETS_PER_USER);
    }

    int opened() {
        synchronized (sockets) {
            return sockets.size();
        }
    }

    long closed() {
        return closed.sum();
    }

    /** Connect times (µs) since the last call. */
    Histogram connectLatency() {
        return connectLatency.getIntervalHistogram();
    }
}
