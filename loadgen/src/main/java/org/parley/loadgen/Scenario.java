package org.parley.loadgen;

import io.vertx.core.Vertx;
import org.HdrHistogram.Histogram;

/** A benchmark scenario: set up once, then one measured run per offered rate. */
abstract class Scenario implements AutoCloseable {
    protected final Options o;
    protected final NodeUnderTest node;
    protected final Vertx vertx = Vertx.vertx();
    /** Latencies (µs) of the last run, for the charts. */
    protected Histogram lastHistogram;

    Scenario(Options o, NodeUnderTest node) {
        this.o = o;
        this.node = node;
    }

    abstract void setUp() throws Exception;

    abstract Result run(double rate, int warmupS, int durationS) throws Exception;

    Histogram lastHistogram() {
        return lastHistogram;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
