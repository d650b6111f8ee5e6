package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * reconnect: --clients devices are connected and caught up, then all drop; while they are
 * away each gets --missed messages in its chat; then all reconnect at once, each sending its
 * cursor, and must receive exactly those messages, in order, before {@code synced}. Reports
 * the time until the last device was caught up (maxMs) and per-device sync times.
 */
final class ReconnectScenario extends Scenario {
    private static final int FEEDERS = 50;

    private final List<Accounts.User> devices = new ArrayList<>();
    private final List<String> chats = new ArrayList<>();
    private final List<Accounts.User> feeders = new ArrayList<>();

    ReconnectScenario(Options o, NodeUnderTest node) {
        super(o, node);
    }

    @Override
    void setUp() throws Exception {
        Accounts accounts = new Accounts(node.uri());
        System.err.printf("setting up %,d users ...%n", o.clients() + FEEDERS);
        List<Accounts.User> all = accounts.signUp(o.clients() + FEEDERS);
        feeders.addAll(all.subList(0, FEEDERS));
        devices.addAll(all.subList(FEEDERS, all.size()));
        for (int i = 0; i < devices.size(); i++) chats.add(accounts.openDirect(feeders.get(i % FEEDERS), devices.get(i)));
    }

    /** Connects every device and waits for its sync answer; checks what arrived against {@code expected} per device. */
    private Result connectAll(boolean measure, int missed) throws Exception {
        List<WebSocketClient> clients = new ArrayList<>();
        for (int a = 0; a * PER_SOURCE_ADDRESS < devices.size(); a++) {
            clients.add(webSocketClient(fromSourceBlock(a).setConnectTimeout(60_000).setMaxMessageSize(1 << 20)));
        }
        Recorder syncTimes = new Recorder(3_600_000_000L, 3);
        LongAdder wrong = new LongAdder();
        LongAdder failed = new LongAdder();
        long start = System.nanoTime();
        List<Future<WebSocket>> pending = new ArrayList<>();
        List<WebSocket> open = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            String chat = chats.get(i);
            long cursor = measure ? 1 : 0; // every device has its chat's first message from the first round
            Promise<WebSocket> done = Promise.promise();
            long[] last = {cursor};
            long[] got = {0};
            WebSocketConnectOptions opts = new WebSocketConnectOptions().setHost(node.uri().getHost()).setPort(node.uri().getPort())
                    .setURI("/v1/ws").addHeader("Authorization", "Bearer " + devices.get(i).token());
            clients.get(i / PER_SOURCE_ADDRESS).connect(opts).onFailure(e -> {
                failed.increment();
                done.tryFail(e);
            }).onSuccess(ws -> {
                ws.textMessageHandler(text -> {
                    if (Frames.is(text, "ready")) {
                        ws.writeTextMessage("{\"type\":\"sync\",\"id\":\"s\",\"cursors\":{\"" + chat + "\":" + cursor + "}}");
                    } else if (Frames.is(text, "message") && chat.equals(Frames.string(text, "chatId"))) {
                        long seq = Frames.number(text, "seq");
                        if (seq != last[0] + 1) wrong.increment();
                        last[0] = seq;
                        got[0]++;
                    } else if (Frames.is(text, "synced")) {
                        if (text.contains("\"more\":true")) {
                            ws.writeTextMessage("{\"type\":\"sync\",\"id\":\"s\",\"cursors\":{\"" + chat + "\":" + last[0] + "}}");
                            return;
                        }
                        if (got[0] != (measure ? missed : 1)) wrong.increment();
                        syncTimes.recordValue((System.nanoTime() - start) / 1_000);
                        done.tryComplete(ws);
                    }
                });
                ws.closeHandler(v -> done.tryFail("closed"));
            });
            pending.add(done.future().onSuccess(ws -> {
                synchronized (open) {
                    open.add(ws);
                }
            }));
        }
        Future.join(pending).toCompletionStage().toCompletableFuture().handle((r, e) -> null).get(10, TimeUnit.MINUTES);
        double allSyncedMs = (System.nanoTime() - start) / 1e6;
        long synced = pending.stream().filter(Future::succeeded).count();
        Histogram h = syncTimes.getIntervalHistogram();
        // Drop every socket: the devices go away.
        for (WebSocket ws : open) ws.close();
        Thread.sleep(2_000);
        for (WebSocketClient c : clients) c.close();
        if (!measure) return null;
        lastHistogram = h;
        return new Result("reconnect", node.storeDescription(o), o.clients(), (int) Math.ceil(allSyncedMs / 1000), 0,
                (long) devices.size() * missed, synced * missed, synced * missed / (allSyncedMs / 1000), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, allSyncedMs,
                failed.sum() + (devices.size() - synced), (devices.size() - synced) * missed, 0, wrong.sum(), node.rssMiB(), null);
    }

    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        int missed = 20;
        // Round one: every chat gets a first message, every device connects once and catches up.
        feed(1);
        System.err.printf("connecting %,d devices once ...%n", devices.size());
        connectAll(false, 0);
        // Away: each device's chat gets 20 more messages.
        System.err.printf("writing %,d messages while they are away ...%n", (long) devices.size() * missed);
        feed(missed);
        System.err.printf("reconnecting %,d devices at once ...%n", devices.size());
        return connectAll(true, missed);
    }

    /** Each feeder writes {@code count} messages into each of its chats over one socket, 200 in flight. */
    private void feed(int count) throws Exception {
        var client = webSocketClient(new WebSocketClientOptions().setMaxConnections(FEEDERS + 10));
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int f = 0; f < FEEDERS; f++) {
            List<String> mine = new ArrayList<>();
            for (int i = f; i < chats.size(); i += FEEDERS) mine.add(chats.get(i));
            long total = (long) mine.size() * count;
            AtomicLong next = new AtomicLong();
            AtomicLong acked = new AtomicLong();
            CompletableFuture<Void> done = new CompletableFuture<>();
            all.add(done);
            if (total == 0) {
                done.complete(null);
                continue;
            }
            Conn conn = new Conn(feeders.get(f), f);
            String tag = Long.toHexString(System.nanoTime()) + "-" + f;
            Conn[] self = {conn};
            Runnable sendNext = () -> {
                long k = next.getAndIncrement();
                if (k >= total) return;
                String chat = mine.get((int) (k % mine.size()));
                self[0].send("{\"type\":\"send\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"f" + tag + "-" + k + "\",\"text\":\"missed " + k + "\"}");
            };
            conn.open(client, node.uri(), frame -> {
                if (Frames.is(frame, "ack")) {
                    if (acked.incrementAndGet() >= total) done.complete(null);
                    else sendNext.run();
                } else if (Frames.is(frame, "error")) {
                    done.completeExceptionally(new IllegalStateException(frame));
                }
            }).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            conn.context().runOnContext(v -> {
                for (int i = 0; i < 200; i++) sendNext.run();
            });
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        client.close();
    }


}
