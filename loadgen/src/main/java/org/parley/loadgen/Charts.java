package org.parley.loadgen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/** Writes the run's pictures as SVG: the latency-percentile curve and throughput against p99. */
final class Charts {
    private Charts() {}

    private static final int W = 720, H = 420, L = 70, R = 20, T = 40, B = 60;

    /** HdrHistogram's percentile distribution as text (.hgrm), for other tools. */
    static void hgrm(Histogram h, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        h.outputPercentileDistribution(new PrintStream(bytes, true, StandardCharsets.UTF_8), 1000.0);
        Files.write(file, bytes.toByteArray());
    }

    /** Latency (ms, log scale) against percentile (log of 1/(1-p), as HdrHistogram plots do). */
    static void latency(Histogram h, String title, Path file) throws IOException {
        List<double[]> pts = new ArrayList<>();
        for (HistogramIterationValue v : h.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo() / 100.0;
            if (p >= 0.999999) break;
            pts.add(new double[] {Math.log10(1 / (1 - p)), v.getValueIteratedTo() / 1000.0});
        }
        pts.add(new double[] {6, h.getMaxValue() / 1000.0});
        double maxMs = Math.max(1, h.getMaxValue() / 1000.0);
        double yTop = Math.pow(10, Math.ceil(Math.log10(maxMs)));
        double yBottom = Math.max(0.01, Math.pow(10, Math.floor(Math.log10(Math.max(0.01, h.getMinNonZeroValue() / 1000.0)))));
        StringBuilder svg = header(title);
        for (double y = yBottom; y <= yTop * 1.0001; y *= 10) {
            double py = yLog(y, yBottom, yTop);
            svg.append(line(L, py, W - R, py, "#ddd")).append(text(L - 8, py + 4, fmt(y) + " ms", "end"));
        }
        String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "max"};
        for (int i = 0; i <= 6; i++) {
            double px = L + (W - L - R) * i / 6.0;
            svg.append(line(px, T, px, H - B, "#eee")).append(text(px, H - B + 18, labels[i], "middle"));
        }
        StringBuilder path = new StringBuilder();
        for (double[] p : pts) {
            double px = L + (W - L - R) * Math.min(6, p[0]) / 6.0;
            double py = yLog(Math.max(yBottom, p[1]), yBottom, yTop);
            path.append(path.length() == 0 ? "M" : "L").append(String.format("%.1f,%.1f ", px, py));
        }
        svg.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\"/>");
        svg.append(text(W / 2.0, H - 15, "percentile", "middle"));
        Files.writeString(file, svg.append("</svg>\n").toString());
    }

    /** One point per --find-max step: offered rate against p99; the bound as a dashed line. */
    static void throughputVsP99(List<Result> steps, double boundMs, String title, Path file) throws IOException {
        double maxX = steps.stream().mapToDouble(Result::throughputPerS).max().orElse(1) * 1.1;
        double maxY = Math.max(boundMs * 1.5, steps.stream().mapToDouble(Result::p99Ms).max().orElse(1) * 1.1);
        StringBuilder svg = header(title);
        for (int i = 0; i <= 5; i++) {
            double y = maxY * i / 5, py = H - B - (H - T - B) * i / 5.0;
            double x = maxX * i / 5, px = L + (W - L - R) * i / 5.0;
            svg.append(line(L, py, W - R, py, "#eee")).append(text(L - 8, py + 4, fmt(y) + " ms", "end"));
            svg.append(text(px, H - B + 18, String.format("%,.0f", x), "middle"));
        }
        double by = H - B - (H - T - B) * boundMs / maxY;
        svg.append("<line x1=\"" + L + "\" y1=\"" + by + "\" x2=\"" + (W - R) + "\" y2=\"" + by
                + "\" stroke=\"#c62828\" stroke-dasharray=\"6,4\"/>").append(text(W - R, by - 6, "p99 bound " + fmt(boundMs) + " ms", "end"));
        StringBuilder path = new StringBuilder();
        for (Result r : steps) {
            double px = L + (W - L - R) * r.throughputPerS() / maxX;
            double py = H - B - (H - T - B) * Math.min(r.p99Ms(), maxY) / maxY;
            path.append(path.length() == 0 ? "M" : "L").append(String.format("%.1f,%.1f ", px, py));
            svg.append(String.format("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>", px, py, r.correct() ? "#1565c0" : "#c62828"));
        }
        svg.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.5\"/>");
        svg.append(text(W / 2.0, H - 15, "delivered per second", "middle"));
        Files.writeString(file, svg.append("</svg>\n").toString());
    }

    private static StringBuilder header(String title) {
        StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + W + "\" height=\"" + H
                + "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(W / 2.0, 22, title, "middle").replace("font-size=\"12\"", "font-size=\"15\""));
        svg.append(line(L, H - B, W - R, H - B, "#333")).append(line(L, T, L, H - B, "#333"));
        return svg;
    }

    private static double yLog(double v, double lo, double hi) {
        return H - B - (H - T - B) * (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return String.format("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n", x1, y1, x2, y2, color);
    }

    private static String text(double x, double y, String s, String anchor) {
        return String.format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\">%s</text>%n", x, y, anchor,
                s.replace("&", "&amp;").replace("<", "&lt;"));
    }

    private static String fmt(double v) {
        return v >= 10 ? String.format("%,.0f", v) : v >= 1 ? String.format("%.1f", v) : String.format("%.2f", v);
    }
}
