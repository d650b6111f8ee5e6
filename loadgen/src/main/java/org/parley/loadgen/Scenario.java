package org.parley.loadgen;

import org.HdrHistogram.Histogram;

/** A benchmark scenario: set up once, then one measured run per offered rate. */
interface Scenario extends AutoCloseable {
    void setUp() throws Exception;

    Result run(double rate, int warmupS, int durationS) throws Exception;

    /** Latencies (µs) of the last run, for the charts. */
    Histogram lastHistogram();

    @Override
    void close();
}
