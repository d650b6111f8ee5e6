package org.parley.loadgen;

import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * reconnect: --clients devices are connected and caught up, then all drop; while they are
 * away each gets 20 messages in its chat; then all reconnect at once, each sending its
 * cursor, and must receive exactly those messages, in order, before {@code synced}. Unless
 * {@code --warmup 0}, {@code --warmup-storms} storms (3 by default) run before the measured one,
 * so that the nodes meet it with its paths compiled, as a node that has been serving devices
 * would (benchmarks.md 29, 36). Reports
 * the time until the last device was caught up (maxMs) and per-device sync times. With
 * {@code --nodes N} the devices are split over N nodes on one PostgreSQL schema, each node's
 * held by a {@link ReconnectWorker} process of its own, told to reconnect at the same moment.
 */
final class ReconnectScenario extends Scenario {
    private static final int FEEDERS = 50;

    private final List<SyncingDevices.Device> devices = new ArrayList<>();
    private final List<String> chats = new ArrayList<>();
    private final List<Accounts.User> feeders = new ArrayList<>();
    private final List<DriverProcess> drivers = new ArrayList<>();
    private final List<Path> deviceFiles = new ArrayList<>();
    /** The feeders' sockets, open from the first feed to the end, and what each does with the frames it gets. */
    private final List<Conn> feederConns = new ArrayList<>();
    private final AtomicReferenceArray<Consumer<String>> feederHandlers = new AtomicReferenceArray<>(FEEDERS);
    private WebSocketClient feederClient;
    /** Where each device got to in the rounds before, when they run in this process. */
    private long[] cursors;

    /** Where each device got to, when they run in this process (tests). */
    long[] cursors() {
        return cursors.clone();
    }

    ReconnectScenario(Options o, NodeUnderTest node) {
        super(o, node);
    }

    @Override
    void setUp() throws Exception {
        Accounts accounts = new Accounts(node.uri());
        System.err.printf("setting up %,d users ...%n", o.clients() + FEEDERS);
        List<Accounts.User> all = accounts.signUp(o.clients() + FEEDERS);
        feeders.addAll(all.subList(0, FEEDERS));
        List<Accounts.User> users = all.subList(FEEDERS, all.size());
        List<Accounts.User> owners = new ArrayList<>();
        for (int i = 0; i < users.size(); i++) owners.add(feeders.get(i % FEEDERS));
        chats.addAll(accounts.openDirects(owners, users));
        for (int i = 0; i < users.size(); i++) devices.add(new SyncingDevices.Device(users.get(i).token(), chats.get(i)));
        List<URI> nodes = node.uris();
        if (nodes.size() == 1) {
            cursors = new long[devices.size()];
            return;
        }
        int from = 0, block = 1;
        // above what this run may take (a feed and a round per storm, the first round's and the
        // measured one's besides: each feed up to 30 min, each round up to 15); bounded all the same
        long maxSeconds = (2L + o.warmupStorms()) * 45 * 60;
        for (int k = 0; k < nodes.size(); k++) {
            int count = DriverProcess.share(devices.size(), nodes.size(), k);
            Path file = Files.createTempFile("parley-reconnect-devices", ".txt");
            deviceFiles.add(file);
            file.toFile().deleteOnExit(); // bearer tokens: gone even if the run fails
            Files.write(file, devices.subList(from, from + count).stream().map(d -> d.token() + " " + d.chatId()).toList());
            from += count;
            drivers.add(DriverProcess.start(k + 1, ReconnectWorker.class, o.outDir(), DriverProcess.touchedHeap(nodes.size()),
                    List.of(nodes.get(k).toString(), Integer.toString(block), file.toString(), Long.toString(maxSeconds))));
            block += SyncingDevices.boundBlocks(count);
        }
        DriverProcess.awaitAll(drivers, "ready ", 120);
    }

    /**
     * Connects every device at once and waits for its sync answer; each must get exactly
     * {@code expected} messages after where it got to in the rounds before.
     */
    private SyncingDevices.Outcome connectAll(int expected) throws Exception {
        SyncingDevices.Outcome r;
        if (drivers.isEmpty()) {
            r = SyncingDevices.connectAll(vertx, this::webSocketClient, node.uri(), devices, cursors, 1, expected);
        } else {
            for (DriverProcess d : drivers) d.tell("connect " + expected); // all at once
            long synced = 0, failed = 0, wrong = 0, retried = 0, reconnected = 0;
            double allSyncedMs = 0;
            Histogram times = new Histogram(3_600_000_000L, 3);
            for (String line : DriverProcess.awaitAll(drivers, "synced ", 900)) {
                String[] f = line.split(" ");
                synced += Long.parseLong(f[1]);
                failed += Long.parseLong(f[2]);
                wrong += Long.parseLong(f[3]);
                retried += Long.parseLong(f[4]);
                reconnected += Long.parseLong(f[5]);
                allSyncedMs = Math.max(allSyncedMs, Double.parseDouble(f[6]));
                times.add(DriverProcess.decode(f[7]));
            }
            r = new SyncingDevices.Outcome(synced, failed, wrong, retried, reconnected, allSyncedMs, times);
        }
        if (r.retried() + r.reconnected() > 0) {
            System.err.printf("  tried again, as the SDK does: %,d syncs refused for a while (the store busy), %,d connects that failed%n",
                    r.retried(), r.reconnected());
        }
        return r;
    }

    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        int missed = 20;
        // Round one: every chat gets a first message, every device connects once and catches up.
        feed(1);
        System.err.printf("connecting %,d devices once ...%n", devices.size());
        SyncingDevices.Outcome first = connectAll(1);
        if (failed(first, "the first round")) return result(first, 1);
        int storms = warmupS > 0 ? o.warmupStorms() : 0;
        for (int s = 1; s <= storms; s++) { // the same as the measured storm, not measured
            SyncingDevices.Outcome w = storm(missed, "warm-up storm " + s + " of " + storms);
            if (failed(w, "warm-up storm " + s)) return result(w, missed);
        }
        return result(storm(missed, "measured storm"), missed);
    }

    /**
     * One storm: each device's chat gets {@code missed} more messages while the devices are away,
     * then all reconnect at once. Its line in the log gives the nodes' JIT compilers' CPU during
     * it, when bench started the nodes: still seconds of it means their paths were not yet warm
     * (benchmarks.md 36).
     */
    private SyncingDevices.Outcome storm(int missed, String name) throws Exception {
        System.err.printf("%s: writing %,d messages while they are away ...%n", name, (long) devices.size() * missed);
        feed(missed);
        node.analyze(); // the rows just written, as the store's autovacuum would have after so many
        System.err.printf("%s: reconnecting %,d devices at once ...%n", name, devices.size());
        Double before = node.jitCpuSeconds();
        SyncingDevices.Outcome r = connectAll(missed);
        Double after = node.jitCpuSeconds();
        System.err.printf("  %s: %,d devices caught up in %.1f s%s%n", name, r.synced(), r.allSyncedMs() / 1000,
                before == null || after == null ? "" : String.format("; the nodes' JIT compilers used %.1f s of CPU meanwhile", after - before));
        return r;
    }

    /**
     * Whether a round before the measured one went wrong: a device that did not catch up would
     * get more than the next round's messages, so the run stops there, with that round's figures.
     */
    private static boolean failed(SyncingDevices.Outcome r, String round) {
        if (r.failed() + r.wrong() == 0) return false;
        System.err.printf("  %s went wrong (%,d devices not caught up, %,d counts wrong): the run stops, with its figures%n", round, r.failed(), r.wrong());
        return true;
    }

    /** The figures of a storm in which every device was to get {@code missed} messages. */
    private Result result(SyncingDevices.Outcome r, int missed) {
        Histogram h = r.syncTimes();
        lastHistogram = h;
        return new Result("reconnect", node.storeDescription(o), o.clients(), (int) Math.ceil(r.allSyncedMs() / 1000), 0,
                (long) devices.size() * missed, r.synced() * missed, r.synced() * missed / (r.allSyncedMs() / 1000), h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, r.allSyncedMs(),
                r.failed(), (devices.size() - r.synced()) * missed, 0, r.wrong(), node.rssMiB(), null);
    }

    /**
     * Each feeder writes {@code count} messages into each of its chats over its socket, 200 in
     * flight. A feeder connects once and stays online from one feed to the next (a socket opened
     * later would first sync its whole history, more than one sync answer holds).
     */
    private void feed(int count) throws Exception {
        if (feederClient == null) feederClient = webSocketClient(new WebSocketClientOptions().setMaxConnections(FEEDERS + 10));
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
            String tag = Long.toHexString(System.nanoTime()) + "-" + f;
            int feeder = f;
            if (feederConns.size() == f) {
                Conn opened = new Conn(feeders.get(f), f);
                opened.open(feederClient, node.uris().get(f % node.uris().size()), frame -> { // feeders spread over the nodes
                    Consumer<String> handler = feederHandlers.get(feeder);
                    if (handler != null) handler.accept(frame);
                }).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
                feederConns.add(opened);
            }
            Conn conn = feederConns.get(f);
            if (conn.isClosed()) throw new IllegalStateException("feeder " + f + "'s socket closed between feeds: " + conn.closedBy());
            Runnable sendNext = () -> {
                long k = next.getAndIncrement();
                if (k >= total) return;
                String chat = mine.get((int) (k % mine.size()));
                conn.send("{\"type\":\"send\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"f" + tag + "-" + k + "\",\"text\":\"missed " + k + "\"}");
            };
            feederHandlers.set(f, frame -> {
                if (Frames.is(frame, "ack")) {
                    if (acked.incrementAndGet() >= total) done.complete(null);
                    else sendNext.run();
                } else if (Frames.is(frame, "error")) {
                    done.completeExceptionally(new IllegalStateException(frame));
                }
            });
            conn.context().runOnContext(v -> {
                for (int i = 0; i < 200; i++) sendNext.run();
            });
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
    }

    /** Ends the driver processes (they exit when their input ends), then this process's sockets. */
    @Override
    public void close() {
        DriverProcess.closeAll(drivers);
        for (Path f : deviceFiles) f.toFile().delete();
        super.close();
    }
}
