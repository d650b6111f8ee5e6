package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The devices of {@code reconnect} in one process (the bench's, or a {@link ReconnectWorker}'s
 * with {@code --nodes N}): all connect at once, each syncs its chat from its cursor, and what
 * arrives is checked; then all drop.
 */
final class SyncingDevices {
    /** A device: its token and the chat it follows. */
    record Device(String token, String chatId) {}

    /**
     * What a round gave: devices caught up, devices not caught up (could not connect, were closed
     * or refused for good), frames out of order or counts wrong, syncs refused for a while and tried
     * again, connects that failed and were tried again, the time until the last one was caught up, and each one's.
     */
    record Outcome(long synced, long failed, long wrong, long retried, long reconnected, double allSyncedMs, Histogram syncTimes) {}

    /** Where a device is in a round (see {@link #phases}). */
    private static final int CONNECTING = 0, CONNECTED = 1, SYNCING = 2, RECEIVING = 3, CAUGHT_UP = 4, FAILED = 5;

    /** How many devices are in each phase of a round, as a line to print. */
    static String phases(int[] phase) {
        int[] n = new int[6];
        for (int p : phase) n[p]++;
        return "devices connecting " + n[CONNECTING] + ", connected without ready " + n[CONNECTED] + ", sync sent " + n[SYNCING]
                + ", receiving " + n[RECEIVING] + ", caught up " + n[CAUGHT_UP] + ", failed " + n[FAILED];
    }

    /** The SDK's backoff: full jitter below a ceiling of 100 ms doubling with each attempt, up to 10 s. */
    private static long backoffMs(int attempt) {
        return 1 + ThreadLocalRandom.current().nextLong(Math.min(10_000, 100L << Math.min(attempt, 20)) + 1);
    }

    /** Error codes on which the SDK tries a sync again (docs/errors.md). */
    private static final Set<String> RETRYABLE = Set.of("STORE_UNAVAILABLE", "SHUTTING_DOWN", "INTERNAL", "RATE_LIMITED");

    private SyncingDevices() {}

    /**
     * Sockets per source address in a storm. Linux picks a connecting socket's port by trying
     * the even ports of its range first (14,116 of the default 28,232), each checked against the
     * sockets already connected from that address to that node: at 16,667 devices per driver
     * that search took 18 % of the driver's CPU, a third once its heap no longer grew
     * (benchmarks.md 28), so the devices beyond 10,000 bind further source addresses.
     */
    static final int PER_SOURCE_ADDRESS = 10_000;

    /** Source addresses that {@code devices} devices to one node bind (all but the first group's). */
    static int boundBlocks(int devices) {
        return Scenario.boundBlocks(devices, PER_SOURCE_ADDRESS);
    }

    /**
     * Connects every device to {@code node} at once and waits for its sync answer: device i syncs
     * its chat from {@code cursors[i]} and must get exactly {@code expected} messages, in order;
     * once it has, {@code cursors[i]} is where it got to. Sockets beyond the first {@link #PER_SOURCE_ADDRESS}
     * bind source address blocks {@code firstBoundBlock}, ... (see {@link Scenario#fromSourceBlock}). Drops every socket before returning.
     */
    static Outcome connectAll(Vertx vertx, Function<WebSocketClientOptions, WebSocketClient> clientFor, URI node, List<Device> devices,
            long[] cursors, int firstBoundBlock, int expected) throws Exception {
        List<WebSocketClient> clients = new ArrayList<>();
        for (int b = 0; b * PER_SOURCE_ADDRESS < devices.size(); b++) {
            clients.add(clientFor.apply(Scenario.fromSourceBlock(b, firstBoundBlock, PER_SOURCE_ADDRESS).setConnectTimeout(60_000).setMaxMessageSize(1 << 20)));
        }
        Recorder syncTimes = new Recorder(3_600_000_000L, 3);
        LongAdder wrong = new LongAdder();
        AtomicInteger refusals = new AtomicInteger();
        LongAdder retried = new LongAdder();
        LongAdder reconnected = new LongAdder();
        // The round starts with an empty heap: the sockets of the rounds before, promoted and
        // dropped, would fill the old generation during the storm and stop this process for a full
        // collection there, and a young generation already half full collects sooner (benchmarks.md 30).
        System.gc();
        long start = System.nanoTime();
        int[] phase = new int[devices.size()];
        List<Future<WebSocket>> pending = new ArrayList<>();
        List<WebSocket> open = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            String chat = devices.get(i).chatId();
            int device = i;
            Promise<WebSocket> done = Promise.promise();
            long[] last = {cursors[i]};
            long[] got = {0};
            int[] attempts = {0};
            WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(node.getHost()).setPort(node.getPort())
                    .setURI("/v1/ws").addHeader("Authorization", "Bearer " + devices.get(i).token());
            WebSocketClient client = clients.get(i / PER_SOURCE_ADDRESS);
            Runnable[] connect = new Runnable[1];
            connect[0] = () -> {
                // Handlers set before connecting: the node's `ready` may come in the same read as the
                // handshake's answer, and a handler set once the connect succeeded could miss it.
                ClientWebSocket ws = client.webSocket();
                boolean[] connected = {false};
                ws.textMessageHandler(text -> {
                    if (Frames.is(text, "ready")) {
                        phase[device] = SYNCING;
                        ws.writeTextMessage("{\"type\":\"sync\",\"id\":\"s\",\"cursors\":{\"" + chat + "\":" + last[0] + "}}");
                    } else if (Frames.is(text, "message") && chat.equals(Frames.string(text, "chatId"))) {
                        long seq = Frames.number(text, "seq");
                        if (seq != last[0] + 1) wrong.increment();
                        last[0] = seq;
                        got[0]++;
                        phase[device] = RECEIVING;
                    } else if (Frames.is(text, "synced")) {
                        if (text.contains("\"more\":true")) {
                            ws.writeTextMessage("{\"type\":\"sync\",\"id\":\"s\",\"cursors\":{\"" + chat + "\":" + last[0] + "}}");
                            return;
                        }
                        if (got[0] != expected) wrong.increment();
                        cursors[device] = last[0];
                        syncTimes.recordValue((System.nanoTime() - start) / 1_000);
                        phase[device] = CAUGHT_UP;
                        done.tryComplete(ws);
                    } else if (Frames.is(text, "error")) {
                        if (refusals.getAndIncrement() < 3) System.err.println("  a device's sync was refused: " + text);
                        if (RETRYABLE.contains(Frames.string(text, "code"))) {
                            // As the SDK does: the same sync again, from what arrived, after a backoff with full
                            // jitter (100 ms doubling to 10 s); the device counts as caught up only once it is.
                            retried.increment();
                            vertx.setTimer(backoffMs(attempts[0]++), t ->
                                    ws.writeTextMessage("{\"type\":\"sync\",\"id\":\"s\",\"cursors\":{\"" + chat + "\":" + last[0] + "}}"));
                        } else {
                            phase[device] = FAILED;
                            ws.close();
                            done.tryFail(text);
                        }
                    }
                });
                ws.closeHandler(v -> {
                    if (!connected[0]) return; // a connect that failed is tried again below
                    if (phase[device] != CAUGHT_UP) phase[device] = FAILED;
                    done.tryFail("closed");
                });
                ws.connect(opts).onFailure(e -> {
                    // As the SDK does: a device that could not connect (the node too busy to answer within
                    // a minute) tries again after a backoff, until the round's bound.
                    if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(9)) {
                        phase[device] = FAILED;
                        done.tryFail(e);
                        return;
                    }
                    reconnected.increment();
                    vertx.setTimer(backoffMs(attempts[0]++), t -> connect[0].run());
                }).onSuccess(opened -> {
                    connected[0] = true;
                    if (phase[device] == CONNECTING) phase[device] = CONNECTED;
                });
            };
            connect[0].run();
            pending.add(done.future().onSuccess(ws -> {
                synchronized (open) {
                    open.add(ws);
                }
            }));
        }
        // A round that takes long says every minute where its devices are, to tell a stalled node from a stalled driver.
        long watch = vertx.setPeriodic(60_000, t -> System.err.println("  after " + (System.nanoTime() - start) / 1_000_000_000 + " s: " + phases(phase)));
        try {
            Future.join(pending).toCompletionStage().toCompletableFuture().handle((r, e) -> null).get(10, TimeUnit.MINUTES);
        } finally {
            vertx.cancelTimer(watch);
        }
        double allSyncedMs = (System.nanoTime() - start) / 1e6;
        long synced = pending.stream().filter(Future::succeeded).count();
        Histogram h = syncTimes.getIntervalHistogram();
        // Drop every socket: the devices go away.
        synchronized (open) {
            for (WebSocket ws : open) ws.close();
        }
        Thread.sleep(2_000);
        for (WebSocketClient c : clients) c.close();
        return new Outcome(synced, devices.size() - synced, wrong.sum(), retried.sum(), reconnected.sum(), allSyncedMs, h);
    }
}
