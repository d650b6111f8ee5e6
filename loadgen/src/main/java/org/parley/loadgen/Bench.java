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
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(o.outDir());
        int exit;
        try (NodeUnderTest node = o.target() != null ? NodeUnderTest.attach(o.target()) : NodeUnderTest.start(o)) {
            exit = run(o, node);
        }
        System.exit(exit);
    }

    private static int run(Options o, NodeUnderTest node) throws Exception {
        try (Scenario scenario = switch (o.scenario()) {
            case "history" -> new HistoryScenario(o, node);
            case "idle" -> new IdleScenario(o, node);
            case "reconnect" -> new ReconnectScenario(o, node);
            default -> new MessagingScenario(o, node);
        }) {
            scenario.setUp();
            List<Result> steps = new ArrayList<>();
            Result best;
            Histogram bestHistogram = null;
            if (o.findMax() && !o.scenario().equals("idle") && !o.scenario().equals("reconnect")) {
                best = null;
                double rate = o.rate();
                for (int step = 0; step < 12; step++) {
                    Result r = scenario.run(rate, step == 0 ? o.warmupS() : 2, o.durationS());
                    steps.add(r);
                    System.err.printf("  offered %,.0f/s -> delivered %,.0f/s, p99 %.2f ms%s%n", rate, r.throughputPerS(), r.p99Ms(),
                            r.correct() ? "" : "  (NOT CORRECT)");
                    if (step == 0 || (r.correct() && r.p99Ms() <= o.p99BoundMs())) bestHistogram = scenario.lastHistogram().copy();
                    if (!r.correct() || r.p99Ms() > o.p99BoundMs()) break;
                    best = r;
                    rate *= 1.25;
                }
                if (best == null) best = steps.get(0);
            } else {
                best = scenario.run(o.rate(), o.warmupS(), o.durationS());
                steps.add(best);
                bestHistogram = scenario.lastHistogram();
            }
            report(o, best, steps, bestHistogram);
            boolean correct = steps.stream().allMatch(Result::correct);
            if (!correct) System.err.println("bench: FAILED: messages were lost, duplicated, reordered or refused");
            return correct ? 0 : 1;
        }
    }

    private static void report(Options o, Result best, List<Result> steps, Histogram h) throws Exception {
        System.out.println();
        System.out.println("Parley bench: " + o.scenario() + (o.findMax() ? " (best rate holding p99 <= " + o.p99BoundMs() + " ms)" : ""));
        System.out.print(best.table());
        Path out = o.outDir();
        Files.writeString(out.resolve("summary.json"), WireJson.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(Map.of("best", best.asMap(), "steps", steps.stream().map(Result::asMap).toList())));
        if (o.json() != null) Files.writeString(o.json(), WireJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(best.asMap()));
        if (h != null && h.getTotalCount() > 0) {
            Charts.hgrm(h, out.resolve("latency.hgrm"));
            Charts.latency(h, o.scenario() + ": latency by percentile (" + String.format("%,.0f", best.throughputPerS()) + "/s, " + best.store() + ")",
                    out.resolve("latency.svg"));
        }
        if (steps.size() > 1) Charts.throughputVsP99(steps, o.p99BoundMs(), o.scenario() + ": throughput vs p99", out.resolve("throughput-p99.svg"));
        System.out.println("  output           " + out.toAbsolutePath());
    }
}
