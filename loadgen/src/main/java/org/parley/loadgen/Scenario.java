package org.parley.loadgen;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/** A benchmark scenario: set up once, then one measured run per offered rate. */
abstract class Scenario implements AutoCloseable {
    protected final Options o;
    protected final NodeUnderTest node;
    /** epoll where it loads, like the node: the driver shares the machine, so its CPU is the node's loss. */
    protected final Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(true));
    /** Latencies (µs) of the last run, for the charts. */
    protected Histogram lastHistogram;
    /**
     * Every client made for the scenario, held until it ends: Vert.x 5 closes a client it finds
     * unreachable, and all its sockets with it (close code 1000), at the next garbage collection.
     */
    private final List<Object> clients = new ArrayList<>();

    Scenario(Options o, NodeUnderTest node) {
        this.o = o;
        this.node = node;
    }

    abstract void setUp() throws Exception;

    abstract Result run(double rate, int warmupS, int durationS) throws Exception;

    protected WebSocketClient webSocketClient(WebSocketClientOptions options) {
        WebSocketClient client = vertx.createWebSocketClient(options);
        clients.add(client);
        return client;
    }

    /**
     * Sockets per source address that {@code idle} opens: below the 28,232 ephemeral ports Linux
     * gives one address by default. A reconnect storm uses fewer ({@link SyncingDevices#PER_SOURCE_ADDRESS}).
     */
    static final int PER_SOURCE_ADDRESS = 25_000;

    /**
     * Options for the {@code group}-th group of {@code perAddress} sockets to one node.
     * The first group leaves the source address to the kernel (127.0.0.1), which picks each
     * socket's port as it connects; group g after it binds address block
     * {@code firstBoundBlock + g - 1}: 127.0.0.2 for block 1, 127.0.0.3 for block 2, ... Binding
     * is what lets one machine open more sockets to one node than one address has ports, but
     * Linux then looks for a free port at bind time, a search that grows with the ports in use
     * (a storm of 18,000 such connects kept the driver's core busy in the kernel for half a minute).
     */
    static WebSocketClientOptions fromSourceBlock(int group, int firstBoundBlock, int perAddress) {
        WebSocketClientOptions options = new WebSocketClientOptions().setMaxConnections(perAddress + 10);
        return group == 0 ? options : options.setLocalAddress("127.0.0." + (firstBoundBlock + group));
    }

    /** Source addresses that {@code sockets} sockets to one node bind, {@code perAddress} each (all but the first group's). */
    static int boundBlocks(int sockets, int perAddress) {
        return Math.max(0, (sockets - 1) / perAddress);
    }

    protected HttpClient httpClient(HttpClientOptions options, PoolOptions pool) {
        HttpClient client = vertx.createHttpClient(options, pool);
        clients.add(client);
        return client;
    }

    Histogram lastHistogram() {
        return lastHistogram;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
