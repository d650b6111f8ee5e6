package org.parley.loadgen;

import java.util.LinkedHashMap;
import java.util.Map;

/** One measured run: the figures ./bench prints and writes as JSON. Latencies in ms. */
record Result(
        String scenario,
        String store,
        int clients,
        int durationS,
        double offeredPerS,
        long sent,
        long delivered,
        double throughputPerS,
        double p50Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        long errors,
        long lost,
        long duplicated,
        long reordered,
        Double serverRssMiB,
        Double serverCpuPct,
        Long connections,
        Double serverBytesPerConnection,
        Double serverRssBytesPerConnection) {

    Result(String scenario, String store, int clients, int durationS, double offeredPerS, long sent, long delivered, double throughputPerS,
            double p50Ms, double p99Ms, double p999Ms, double maxMs, long errors, long lost, long duplicated, long reordered,
            Double serverRssMiB, Double serverCpuPct) {
        this(scenario, store, clients, durationS, offeredPerS, sent, delivered, throughputPerS, p50Ms, p99Ms, p999Ms, maxMs, errors, lost,
                duplicated, reordered, serverRssMiB, serverCpuPct, null, null, null);
    }

    boolean correct() {
        return errors == 0 && lost == 0 && duplicated == 0 && reordered == 0;
    }

    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scenario", scenario);
        m.put("store", store);
        m.put("clients", clients);
        m.put("durationS", durationS);
        m.put("offeredPerS", offeredPerS);
        m.put("sent", sent);
        m.put("delivered", delivered);
        m.put("throughputPerS", round(throughputPerS));
        m.put("p50Ms", round(p50Ms));
        m.put("p99Ms", round(p99Ms));
        m.put("p999Ms", round(p999Ms));
        m.put("maxMs", round(maxMs));
        m.put("errors", errors);
        m.put("lost", lost);
        m.put("duplicated", duplicated);
        m.put("reordered", reordered);
        m.put("serverRssMiB", serverRssMiB == null ? null : round(serverRssMiB));
        m.put("serverCpuPct", serverCpuPct == null ? null : round(serverCpuPct));
        if (connections != null) m.put("connections", connections);
        if (serverBytesPerConnection != null) m.put("serverBytesPerConnection", Math.round(serverBytesPerConnection));
        if (serverRssBytesPerConnection != null) m.put("serverRssBytesPerConnection", Math.round(serverRssBytesPerConnection));
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        asMap().forEach((k, v) -> sb.append(String.format("  %-16s %s%n", k, v)));
        return sb.toString();
    }
}
