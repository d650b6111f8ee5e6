package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * history: a chat holding --messages messages (written through the ordinary send path),
 * read back as random pages of --page-size with {@code before=}, open loop at --rate pages a
 * second. Each page is checked: the right count of messages, contiguous seqs, below {@code before}.
 */
final class HistoryScenario extends Scenario {
    private String chatId;
    private String readerToken;
    private long lastSeq;

    HistoryScenario(Options o, NodeUnderTest node) {
        super(o, node);
    }

    @Override
    void setUp() throws Exception {
        Accounts accounts = new Accounts(node.uri());
        List<Accounts.User> users = accounts.signUp(2);
        chatId = accounts.openDirect(users.get(0), users.get(1));
        readerToken = users.get(1).token();
        System.err.printf("writing %,d messages ...%n", o.messages());
        // One socket of the writer keeping 200 sends in flight (the node allows 256); a second
        // socket of the same user would be sent every message too.
        var client = webSocketClient(new WebSocketClientOptions().setMaxConnections(10));
        List<Accounts.User> writers = List.of(users.get(0));
        AtomicLong next = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        CompletableFuture<Void> done = new CompletableFuture<>();
        long started = System.nanoTime();
        for (int w = 0; w < writers.size(); w++) {
            Conn conn = new Conn(writers.get(w), w);
            Conn[] self = {conn};
            conn.open(client, node.uri(), frame -> {
                if (Frames.is(frame, "ack")) {
                    long a = acked.incrementAndGet();
                    if (a % 100_000 == 0) System.err.printf("  %,d written (%.0f/s)%n", a, a / ((System.nanoTime() - started) / 1e9));
                    if (a >= o.messages()) done.complete(null);
                    else sendNext(self[0], next);
                } else if (Frames.is(frame, "error")) {
                    done.completeExceptionally(new IllegalStateException("write failed: " + frame));
                }
            }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 200; i++) sendNext(conn, next);
        }
        done.get(1, TimeUnit.HOURS);
        lastSeq = o.messages();
        System.err.printf("wrote %,d messages in %.1f s%n", o.messages(), (System.nanoTime() - started) / 1e9);
    }

    private void sendNext(Conn conn, AtomicLong next) {
        long k = next.getAndIncrement();
        if (k >= o.messages()) return;
        conn.send("{\"type\":\"send\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"h" + k + "\",\"text\":\"history message " + k
                + " with some words in it, like a real chat line\"}");
    }

    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        HttpClient http = httpClient(new HttpClientOptions().setDefaultHost(node.uri().getHost())
                .setDefaultPort(node.uri().getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
        Recorder latencies = new Recorder(3_600_000_000L, 3);
        LongAdder okPages = new LongAdder();
        LongAdder errors = new LongAdder();
        LongAdder wrong = new LongAdder();
        LongAdder requested = new LongAdder();
        OpenLoop.Window window = OpenLoop.plan(warmupS, durationS);
        OpenLoop.run(rate, warmupS, window, node, (k, due, measured) -> {
            long before = ThreadLocalRandom.current().nextLong(o.pageSize() + 1, lastSeq + 2);
            if (measured) requested.increment();
            http.request(new RequestOptions().setMethod(HttpMethod.GET)
                            .setURI("/v1/chats/" + chatId + "/messages?limit=" + o.pageSize() + "&before=" + before)
                            .addHeader("Authorization", "Bearer " + readerToken))
                    .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() == 200 ? b.toString() : null)))
                    .onComplete(ar -> {
                        if (!measured) return;
                        if (ar.failed() || ar.result() == null) {
                            errors.increment();
                            return;
                        }
                        latencies.recordValue(Math.max(0, (System.nanoTime() - due) / 1_000));
                        String page = ar.result();
                        int count = Frames.count(page, "seq");
                        long first = Frames.number(page, "seq");
                        long expectedFirst = Math.max(1, before - o.pageSize());
                        if (count != before - expectedFirst || first != expectedFirst) wrong.increment();
                        else okPages.increment();
                    });
        });
        Double cpu = node.cpuPercentSinceMark();
        long drainUntil = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < drainUntil && okPages.sum() + errors.sum() + wrong.sum() < requested.sum()) Thread.sleep(50);
        Histogram h = latencies.getIntervalHistogram();
        lastHistogram = h;
        long pages = okPages.sum();
        long unanswered = requested.sum() - pages - errors.sum() - wrong.sum();
        http.close();
        return new Result("history", node.storeDescription(o), o.clients(), durationS, rate, requested.sum(), pages,
                pages / (double) durationS, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, errors.sum() + unanswered, 0, 0, wrong.sum(),
                node.rssMiB(), cpu);
    }


}
