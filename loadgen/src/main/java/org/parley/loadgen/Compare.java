package org.parley.loadgen;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.protocol.WireJson;

/**
 * {@code ./bench compare}: for each of direct and group, ejabberd first, then Parley, each on a
 * fresh server with the same users, chats, arrival rates (--find-max from the same start, the
 * same steps) and the same checks; then both best rates under the p99 bound side by side
 * with their ratio. Writes compare.json and compare.md (the table for docs/benchmarks.md).
 */
final class Compare {
    private Compare() {}

    /** Defaults that suit both servers: find-max starts low (ejabberd archives with one commit per message) and climbs fast. */
    private static final Map<String, String> START_RATE = Map.of("direct", "200", "group", "20");

    static int run(Options o, String[] args) throws Exception {
        String version = ejabberdVersion();
        List<Map<String, Object>> rows = new ArrayList<>();
        StringBuilder md = new StringBuilder("| scenario | server | store | best offered/s | delivered/s | p50 ms | p99 ms | server CPU % | server RSS MiB |\n"
                + "|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder ratios = new StringBuilder();
        boolean correct = true;
        for (String scenario : o.compared()) {
            Options so = Options.parse(subArgs(scenario, o, args));
            Bench.Runs ejabberd;
            Ejabberd.Started started = Ejabberd.start(so);
            try (NodeUnderTest node = started.node()) {
                System.err.printf("%n== %s on ejabberd %s ==%n", scenario, version);
                ejabberd = Bench.measure(so, node, new XmppDialect(started.server()));
            }
            Bench.report(so, ejabberd, so.outDir().resolve("ejabberd"));
            Bench.Runs parley;
            try (NodeUnderTest node = NodeUnderTest.start(so)) {
                System.err.printf("%n== %s on Parley ==%n", scenario);
                parley = Bench.measure(so, node, null);
            }
            Bench.report(so, parley, so.outDir().resolve("parley"));
            correct &= ejabberd.correct() && parley.correct();
            double ratio = parley.best().throughputPerS() / Math.max(1e-9, ejabberd.best().throughputPerS());
            for (var side : List.of(Map.entry("ejabberd " + version, ejabberd), Map.entry("Parley", parley))) {
                Result b = side.getValue().best();
                Map<String, Object> row = new LinkedHashMap<>(b.asMap());
                row.put("server", side.getKey());
                row.put("p99BoundMs", so.p99BoundMs());
                row.put("correct", side.getValue().correct());
                rows.add(row);
                md.append(String.format("| %s | %s | %s | %,.0f | %,.0f | %.1f | %.1f | %s | %s |%n", scenario, side.getKey(), b.store(), b.offeredPerS(),
                        b.throughputPerS(), b.p50Ms(), b.p99Ms(), b.serverCpuPct() == null ? "" : String.format("%.0f", b.serverCpuPct()),
                        b.serverRssMiB() == null ? "" : String.format("%.0f", b.serverRssMiB())));
            }
            ratios.append(String.format("%s: Parley / ejabberd = %.2f× delivered per second at p99 ≤ %.0f ms%n", scenario, ratio, so.p99BoundMs()));
        }
        Files.writeString(o.outDir().resolve("compare.md"), md + "\n" + ratios);
        Files.writeString(o.outDir().resolve("compare.json"), WireJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
        if (o.json() != null) Bench.writeJson(o.json(), rows);
        System.out.println();
        System.out.println("Parley vs ejabberd " + version + " (same machine, same arrival rates and checks, best rate whose p99 held)");
        System.out.print(md);
        System.out.print(ratios);
        System.out.println("  output           " + o.outDir().toAbsolutePath());
        return correct ? 0 : 1;
    }

    /** The options of one compared scenario: the user's own, compare's defaults where the user gave none. */
    static String[] subArgs(String scenario, Options o, String[] args) {
        List<String> sub = new ArrayList<>(List.of(scenario, "--find-max", "--store", o.store(), "--step-factor", Double.toString(o.stepFactor()),
                "--receipts", o.receipts() ? "on" : "off", "--out", o.outDir().resolve(scenario).toString()));
        List<String> given = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--find-max")) continue;
            String v = args[++i]; // Options.parse has checked every option has its value
            if (List.of("--scenarios", "--json", "--out", "--store", "--step-factor", "--target", "--receipts").contains(a)) continue;
            given.add(a);
            sub.add(a);
            sub.add(v);
        }
        if (!given.contains("--rate")) sub.addAll(List.of("--rate", START_RATE.get(scenario)));
        if (!given.contains("--duration")) sub.addAll(List.of("--duration", "10"));
        return sub.toArray(String[]::new);
    }

    private static String ejabberdVersion() {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f", "${Version}", "ejabberd").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 && !v.isEmpty() ? v : "(version unknown)";
        } catch (Exception e) {
            return "(version unknown)";
        }
    }

}
