package org.parley.loadgen;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.parley.protocol.WireJson;

/**
 * {@code ./bench <scenario>}: starts a node (or drives --target), sets the scenario up,
 * offers load at a fixed rate, checks every delivery and prints the figures. Exits non-zero
 * when anything was lost, doubled, reordered or refused, whatever the speed.
 * {@code ./bench compare} does the same for ejabberd and Parley side by side ({@link Compare}).
 */
public final class Bench {
    private Bench() {}

    /** The runs of one scenario: every step offered, the best that held, and its histogram. */
    record Runs(List<Result> steps, Result best, Histogram histogram) {
        boolean correct() {
            return steps.stream().allMatch(Result::correct);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
            if (List.of("idle", "reconnect").contains(o.scenario())) DriverProcess.checkFileLimit(o, DriverProcess.openFileLimit());
            if (o.aotCache() != null) AotCache.trainingDevices(DriverProcess.openFileLimit());
            if (o.target() != null) NodeUnderTest.probe(o.target());
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        // ./bench checks compare's options this way before it installs ejabberd
        if (Boolean.getBoolean("parley.optionsOnly")) System.exit(0);
        Files.createDirectories(o.outDir());
        int exit;
        if (o.scenario().equals("compare")) {
            exit = Compare.run(o, args);
        } else if (o.scenario().equals("store")) {
            Runs runs = StoreScenario.run(o);
            report(o, runs, o.outDir());
            exit = runs.correct() ? 0 : 1;
        } else {
            if (o.aotCache() != null) AotCache.ensure(o);
            try (NodeUnderTest node = o.target() != null ? NodeUnderTest.attach(o.target()) : NodeUnderTest.start(o)) {
                Runs runs = measure(o, node, null);
                report(o, runs, o.outDir());
                exit = runs.correct() ? 0 : 1;
            }
        }
        if (exit != 0) System.err.println("bench: FAILED: messages were lost, duplicated, reordered or refused");
        System.exit(exit);
    }

    /** Sets the scenario up on {@code node} and runs it once, or step by step with --find-max. */
    static Runs measure(Options o, NodeUnderTest node, Dialect dialect) throws Exception {
        try (Scenario scenario = switch (o.scenario()) {
            case "history" -> new HistoryScenario(o, node);
            case "idle" -> new IdleScenario(o, node);
            case "reconnect" -> new ReconnectScenario(o, node);
            case "media" -> new MediaScenario(o, node);
            default -> new MessagingScenario(o, node, dialect != null ? dialect : new ParleyDialect(node.uri()));
        }) {
            scenario.setUp();
            node.analyze();
            List<Result> steps = new ArrayList<>();
            if (!o.findMax() || List.of("idle", "reconnect", "media").contains(o.scenario())) {
                Result r = scenario.run(o.rate(), o.warmupS(), o.durationS());
                if (!r.correct()) saveThreadDumps(node, o.outDir(), "");
                return new Runs(List.of(r), r, scenario.lastHistogram());
            }
            Result best = null;
            Histogram bestHistogram = null;
            double rate = o.rate();
            boolean retried = false;
            for (int step = 0; step < 16; step++) {
                Result r = scenario.run(rate, step == 0 ? o.warmupS() : 2, o.durationS());
                steps.add(r);
                System.err.printf("  %s: offered %,.0f/s -> delivered %,.0f/s, p99 %.2f ms%s%n", r.store(), rate, r.throughputPerS(), r.p99Ms(),
                        r.correct() ? "" : "  (NOT CORRECT)");
                if (!r.correct()) saveThreadDumps(node, o.outDir(), "-step-" + (step + 1));
                if (step == 0 || (r.correct() && r.p99Ms() <= o.p99BoundMs())) bestHistogram = scenario.lastHistogram().copy();
                if (!r.correct()) break;
                if (r.p99Ms() > o.p99BoundMs()) {
                    // A single stall on this shared machine must not end the search: a rate that
                    // misses the bound is measured once more. A failed check is never retried.
                    if (retried) break;
                    retried = true;
                    continue;
                }
                retried = false;
                best = r;
                rate *= o.stepFactor();
            }
            return new Runs(steps, best == null ? steps.get(0) : best, bestHistogram);
        }
    }

    /** A failed run leaves the stacks of the node and of the driver behind, to tell a stalled server from a stalled driver. */
    private static void saveThreadDumps(NodeUnderTest node, Path dir, String suffix) {
        node.saveThreadDump(dir.resolve("node-threads" + suffix + ".txt"));
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement e : stack) sb.append("    at ").append(e).append('\n');
            sb.append('\n');
        });
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("driver-threads" + suffix + ".txt"), sb);
        } catch (java.io.IOException e) {
            System.err.println("  could not save the driver's threads: " + e);
        }
    }

    /** Prints the best run and writes summary.json, the histogram and the charts into {@code out}. */
    static void report(Options o, Runs runs, Path out) throws Exception {
        Result best = runs.best();
        System.out.println();
        System.out.println("Parley bench: " + o.scenario() + " on " + best.store()
                + (o.findMax() ? " (best rate holding p99 <= " + o.p99BoundMs() + " ms)" : ""));
        System.out.print(best.table());
        Files.createDirectories(out);
        Files.writeString(out.resolve("summary.json"), WireJson.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(Map.of("best", best.asMap(), "steps", runs.steps().stream().map(Result::asMap).toList())));
        if (o.json() != null) writeJson(o.json(), best.asMap());
        Histogram h = runs.histogram();
        if (h != null && h.getTotalCount() > 0) {
            Charts.hgrm(h, out.resolve("latency.hgrm"));
            Charts.latency(h, o.scenario() + ": latency by percentile (" + String.format("%,.0f", best.throughputPerS()) + "/s, " + best.store() + ")",
                    out.resolve("latency.svg"));
        }
        if (runs.steps().size() > 1) {
            Charts.throughputVsP99(runs.steps(), o.p99BoundMs(), o.scenario() + ": throughput vs p99 (" + best.store() + ")",
                    out.resolve("throughput-p99.svg"));
        }
        System.out.println("  output           " + out.toAbsolutePath());
    }

    /** --json FILE: the summary, in the folders the option named (made when missing). */
    static void writeJson(Path file, Object summary) throws java.io.IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, WireJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
    }
}
