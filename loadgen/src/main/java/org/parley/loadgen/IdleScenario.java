package org.parley.loadgen;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * idle: --clients authenticated sockets held open for --duration seconds, answering the
 * node's heartbeats, with nothing else going on. Reports the node's memory per connection two
 * ways: the live objects the connections hold (heap in use after a full collection, after
 * minus before connecting, divided by the count: {@code serverBytesPerConnection}) and the
 * growth of resident memory ({@code serverRssBytesPerConnection}, which also counts the
 * garbage collector's headroom, set by the node's heap options rather than by the sockets). Sockets spread over
 * source addresses (127.0.0.1, then 127.0.0.2, 127.0.0.3, ..., 25,000 each) so the count is not capped by one
 * address's ephemeral ports. Every socket must stay open: a close counts as an error.
 *
 * <p>With {@code --nodes N} the sockets are split over N nodes, each driven by an {@link IdleWorker}
 * process of its own (one process holds no more sockets than its open-file limit); memory and
 * CPU are the nodes' summed. Each node is a destination of its own, so the kernel finds each
 * driver's first 25,000 sockets a port as they connect, without binding a source address (whose
 * port search, done by bind, grows with every port bound: opening 250,000 with one address per
 * driver took 20 minutes, half the CPU in {@code inet_bind2_bucket_match_addr_any}).
 */
final class IdleScenario extends Scenario {
    private final IdleSockets inProcess = new IdleSockets();
    private final List<DriverProcess> drivers = new ArrayList<>();
    private final List<Path> tokenFiles = new ArrayList<>();
    private Histogram connectLatency;
    private int opened;
    private Double rssBefore;
    private Long heapBefore;

    IdleScenario(Options o, NodeUnderTest node) {
        super(o, node);
    }

    @Override
    void setUp() throws Exception {
        List<URI> nodes = node.uris();
        int[] counts = new int[nodes.size()];
        for (int k = 0; k < counts.length; k++) counts[k] = DriverProcess.share(o.clients(), counts.length, k);
        int users = 0;
        for (int c : counts) users += IdleSockets.usersFor(c);
        System.err.printf("setting up %,d users for %,d sockets on %d node(s) ...%n", users, o.clients(), nodes.size());
        List<String> tokens = new Accounts(node.uri()).signUp(users).stream().map(Accounts.User::token).toList();
        System.gc();
        heapBefore = node.liveHeapBytes();
        Thread.sleep(2_000);
        rssBefore = node.rssMiB();
        if (nodes.size() == 1) {
            System.err.printf("opening %,d sockets from %d source addresses ...%n", o.clients(), (o.clients() + PER_SOURCE_ADDRESS - 1) / PER_SOURCE_ADDRESS);
            inProcess.open(this::webSocketClient, node.uri(), tokens, o.clients(), 1, n -> System.err.printf("  %,d open%n", n));
            opened = inProcess.opened();
            connectLatency = inProcess.connectLatency();
            return;
        }
        // One driver opens its share at a time: fourteen opening together on two cores starve each
        // other (and the nodes) until connects time out; the count held is what is measured.
        System.err.printf("opening %,d sockets through %d driver processes, one per node, one after another ...%n", o.clients(), nodes.size());
        connectLatency = new Histogram(3_600_000_000L, 3);
        int user = 0, block = 1; // each driver connects to a node of its own: the first 25,000 of each need no bound address
        long maxSeconds = o.warmupS() + o.durationS() + 3_600L; // bounded even if this process dies without ending their input
        for (int k = 0; k < nodes.size(); k++) {
            int n = IdleSockets.usersFor(counts[k]);
            Path file = Files.createTempFile("parley-idle-tokens", ".txt");
            tokenFiles.add(file);
            file.toFile().deleteOnExit(); // bearer tokens: gone even if the run fails
            Files.write(file, tokens.subList(user, user + n));
            user += n;
            DriverProcess d = DriverProcess.start(k + 1, IdleWorker.class, o.outDir(), DriverProcess.GROWING_HEAP,
                    List.of(nodes.get(k).toString(), Integer.toString(counts[k]), Integer.toString(block), file.toString(), Long.toString(maxSeconds)));
            drivers.add(d);
            block += IdleSockets.boundBlocks(counts[k]);
            String[] f = d.await("ready ", 600).split(" ");
            opened += Integer.parseInt(f[1]);
            connectLatency.add(DriverProcess.decode(f[2]));
            System.err.printf("  driver %d of %d ready: %,d open in all%n", k + 1, nodes.size(), opened);
        }
    }

    /** Sockets closed so far, in this process or in all driver processes. */
    private long closed() throws Exception {
        if (drivers.isEmpty()) return inProcess.closed();
        drivers.forEach(d -> d.tell("count"));
        long closed = 0;
        for (String line : DriverProcess.awaitAll(drivers, "closed ", 60)) closed += Long.parseLong(line.substring("closed ".length()));
        return closed;
    }

    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        Thread.sleep(warmupS * 1_000L);
        node.mark();
        Thread.sleep(durationS * 1_000L); // heartbeats go on meanwhile
        Double cpu = node.cpuPercentSinceMark();
        Long heap = node.liveHeapBytes(); // a full collection, as before the baseline
        Double rss = node.rssMiB();
        long closed = closed();
        long lostSockets = (o.clients() - opened) + closed; // never opened, or closed at any time since
        Double rssPerConnection = rss == null || rssBefore == null || opened == 0 ? null : (rss - rssBefore) * 1024 * 1024 / opened;
        Double perConnection = heap == null || heapBefore == null || opened == 0 ? null : (double) (heap - heapBefore) / opened;
        lastHistogram = connectLatency;
        Histogram h = lastHistogram;
        return new Result("idle", node.storeDescription(o), o.clients(), durationS, 0, opened, opened - closed, 0,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0, lostSockets, 0, 0, 0, rss, cpu, opened - closed, perConnection, rssPerConnection);
    }

    /** Ends the driver processes (their input ends; they close their sockets and exit), then this process's sockets. */
    @Override
    public void close() {
        DriverProcess.closeAll(drivers);
        for (Path f : tokenFiles) f.toFile().delete();
        super.close();
    }
}
