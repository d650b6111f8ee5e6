package org.parley.loadgen;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The server being measured: a Parley node started by bench as its own process (so its memory
 * and CPU can be read from /proc), an already running one given with --target, or an ejabberd
 * started by {@link Ejabberd} for {@code ./bench compare}.
 */
final class NodeUnderTest implements AutoCloseable {
    private final URI uri;
    private final Process process;
    /** The process whose CPU and memory are reported (ejabberd's Erlang VM runs below a shell). */
    private final long statsPid;
    private final String store;
    private final AutoCloseable stop;
    /** Run once the process has ended: removes what a node started here stored; or null. */
    private final AutoCloseable cleanUp;
    private long cpuTicksAtMark;
    private long markNanos;

    NodeUnderTest(URI uri, Process process, long statsPid, String store, AutoCloseable stop) {
        this(uri, process, statsPid, store, stop, null);
    }

    private NodeUnderTest(URI uri, Process process, long statsPid, String store, AutoCloseable stop, AutoCloseable cleanUp) {
        this.cleanUp = cleanUp;
        this.uri = uri;
        this.process = process;
        this.statsPid = statsPid;
        this.store = store;
        this.stop = stop;
    }

    static NodeUnderTest attach(String target) {
        return new NodeUnderTest(URI.create(target.endsWith("/") ? target.substring(0, target.length() - 1) : target), null, -1,
                "target", null);
    }

    static NodeUnderTest start(Options o) throws Exception {
        String jar = System.getProperty("parley.serverJar");
        if (jar == null || !Files.exists(Path.of(jar))) throw new IllegalStateException("server jar not found: " + jar + " (run ./bench, which builds it)");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path data = Files.createTempDirectory("parley-bench");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx4g", "-XX:+UseParallelGC"));
        String extra = System.getProperty("parley.nodeJvmArgs", ""); // e.g. a JFR recording for profiling
        if (!extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        cmd.addAll(List.of("-jar", jar, "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--set", "auth.devCodes=true", "--set", "auth.codesPerPhonePerHour=100", "--set", "auth.lookupsPerUserPerHour=1000000"));
        String schema = o.store().equals("postgres") ? "bench_" + Long.toHexString(System.nanoTime()) : null;
        if (schema != null) cmd.addAll(List.of("--store", "postgres", "--pg-url", o.pgUrl(), "--pg-schema", schema));
        cmd.addAll(List.of("--data-dir", data.toString())); // the store with SQLite; media either way
        String config = System.getProperty("parley.nodeConfig", ""); // key=value ..., e.g. to try a setting
        for (String kv : config.trim().split("\\s+")) if (!kv.isEmpty()) cmd.addAll(List.of("--set", kv));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(data.resolve("node.log").toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Dlogback.configurationFile=" + writeQuietLogback(data));
        Process p = pb.start();
        NodeUnderTest node = new NodeUnderTest(URI.create("http://127.0.0.1:" + port), p, p.pid(), o.store(), null, () -> {
            removeAllButLogs(data);
            if (schema != null) dropSchema(o.pgUrl(), schema);
        });
        awaitHealthy(node.uri, p, "/health", data.resolve("node.log"));
        return node;
    }

    /** The access log at INFO would cost the node more than the work measured. */
    private static String writeQuietLogback(Path dir) throws IOException {
        Path f = dir.resolve("logback.xml");
        Files.writeString(f, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>ts=%d level=%level logger=%logger{0} msg="%msg"%n%ex</pattern></encoder>
                  </appender>
                  <logger name="parley.access" level="WARN"/>
                  <logger name="org.parley.server.auth.LogCodeSender" level="WARN"/>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        return f.toString();
    }

    /** Waits until {@code path} answers (anything below 500) while {@code process} lives. */
    static void awaitHealthy(URI uri, Process process, String path, Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (process != null && !process.isAlive()) throw new IllegalStateException("server exited; see " + log);
            try {
                var r = http.send(HttpRequest.newBuilder(uri.resolve(path)).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() < 500) return;
            } catch (IOException e) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("server not healthy after 60 s; see " + log);
    }

    URI uri() {
        return uri;
    }

    /** What the figures were measured on: sqlite, postgres, ejabberd/postgres or target. */
    String storeDescription(Options o) {
        return store;
    }

    /** Starts the CPU measurement window. */
    void mark() {
        markNanos = System.nanoTime();
        cpuTicksAtMark = cpuTicks();
    }

    /** CPU used since {@link #mark}, in percent of one core; null for a node we did not start. */
    Double cpuPercentSinceMark() {
        if (statsPid < 0) return null;
        double seconds = (System.nanoTime() - markNanos) / 1e9;
        return (cpuTicks() - cpuTicksAtMark) / 100.0 / seconds * 100; // USER_HZ is 100 on Linux
    }

    /** Saves the server's thread stacks (a Java node only), for a run that failed its checks. */
    void saveThreadDump(Path file) {
        if (statsPid < 0 || store.startsWith("ejabberd")) return;
        try {
            Files.createDirectories(file.getParent());
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(statsPid), "Thread.print").redirectErrorStream(true)
                    .redirectOutput(file.toFile()).start();
            if (p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) System.err.println("  node threads saved to " + file);
        } catch (IOException | InterruptedException e) {
            System.err.println("  could not save the node's threads: " + e);
        }
    }

    /**
     * Bytes of live objects on the node's heap, after the full collection that
     * {@code jcmd GC.class_histogram} makes first; null for a node we did not start.
     */
    Long liveHeapBytes() {
        if (statsPid < 0 || store.startsWith("ejabberd")) return null;
        Path out = null;
        try {
            out = Files.createTempFile("parley-histogram", ".txt");
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(statsPid), "GC.class_histogram").redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String total = null;
            for (String line : Files.readAllLines(out)) if (line.startsWith("Total")) total = line;
            if (total == null) return null;
            String[] f = total.trim().split("\\s+"); // Total <instances> <bytes>
            return Long.parseLong(f[f.length - 1]);
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("  could not read the node's heap: " + e);
            return null;
        } finally {
            if (out != null) out.toFile().delete();
        }
    }

    /** Resident memory of the node in MiB; null when unknown. */
    Double rssMiB() {
        if (statsPid < 0) return null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + statsPid + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private long cpuTicks() {
        if (statsPid < 0) return 0;
        try {
            String stat = Files.readString(Path.of("/proc/" + statsPid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Stops the node, then removes what it stored (a run writes up to gigabytes); its node.log stays. */
    @Override
    public void close() throws Exception {
        if (stop != null) stop.close();
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        if (cleanUp != null) cleanUp.close();
    }

    private static void dropSchema(String pgUrl, String schema) {
        try (var c = java.sql.DriverManager.getConnection(pgUrl); var st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); // a name made by start: bench_ and hex digits
        } catch (java.sql.SQLException e) {
            System.err.println("  could not drop the node's schema " + schema + ": " + e.getMessage());
        }
    }

    /** Deletes everything in {@code dir} but its *.log files (and the folder, which keeps them). */
    static void removeAllButLogs(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (f.equals(dir) || f.getFileName().toString().endsWith(".log")) continue;
                if (Files.isDirectory(f)) {
                    try (var left = Files.list(f)) {
                        if (left.findAny().isPresent()) continue; // holds a log
                    }
                }
                Files.delete(f);
            }
        }
    }
}
