package org.parley.loadgen;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server being measured: a Parley node started by bench as its own process (so its memory
 * and CPU can be read from /proc), an already running one given with --target, or an ejabberd
 * started by {@link Ejabberd} for {@code ./bench compare}. With {@code --nodes N} it is N node
 * processes on one PostgreSQL schema, whose memory and CPU are reported summed.
 */
final class NodeUnderTest implements AutoCloseable {
    private final List<URI> uris;
    private final List<Process> processes;
    /** The processes whose CPU and memory are reported (ejabberd's Erlang VM runs below a shell). */
    private final List<Long> statsPids;
    private final String store;
    private final AutoCloseable stop;
    /** Run once the processes have ended: removes what the nodes started here stored; or null. */
    private final AutoCloseable cleanUp;
    /** Gathers the planner's statistics of the store once a scenario is set up; or null. */
    private final Analyzer analyzer;
    private long cpuTicksAtMark;
    /** Each JIT compiler thread's CPU ticks when last read, by pid/tid ({@link #jitCpuSeconds}). */
    private final java.util.Map<String, Long> jitTicksSeen = new java.util.HashMap<>();
    private long markNanos;

    /** What {@link #analyze} runs: the statistics of the server's store gathered, as its autovacuum would. */
    interface Analyzer {
        void run() throws Exception;
    }

    NodeUnderTest(URI uri, Process process, long statsPid, String store, AutoCloseable stop, Analyzer analyzer) {
        this(List.of(uri), process == null ? List.of() : List.of(process), statsPid < 0 ? List.of() : List.of(statsPid), store, stop, null, analyzer);
    }

    private NodeUnderTest(List<URI> uris, List<Process> processes, List<Long> statsPids, String store, AutoCloseable stop, AutoCloseable cleanUp,
            Analyzer analyzer) {
        this.cleanUp = cleanUp;
        this.analyzer = analyzer;
        this.uris = List.copyOf(uris);
        this.processes = List.copyOf(processes);
        this.statsPids = List.copyOf(statsPids);
        this.store = store;
        this.stop = stop;
    }

    /**
     * Refuses a {@code --target} where no Parley node answers {@code GET /health} with {@code UP}:
     * said at once, before users are set up against it.
     */
    static void probe(String target) {
        URI health = URI.create(target).resolve("/health");
        try {
            var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            var r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().contains("\"status\":\"UP\"")) return;
            throw new IllegalArgumentException("--target " + target + ": GET /health answered " + r.statusCode() + ", not a Parley node that is up");
        } catch (IOException e) {
            throw new IllegalArgumentException("--target " + target + ": no node answers there (" + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("--target " + target + ": interrupted while asking it");
        }
    }

    static NodeUnderTest attach(String target) {
        return new NodeUnderTest(URI.create(target.endsWith("/") ? target.substring(0, target.length() - 1) : target), null, -1,
                "target", null, null);
    }

    /**
     * Starts {@code o.nodes()} nodes. Several share one PostgreSQL schema (the first runs the
     * migrations before the others start) and each gets a smaller heap than a lone node and a
     * share of 80 connections (at most 16, a lone node's pool), so that a dozen fit this
     * machine's memory and PostgreSQL's 100 connections.
     */
    static NodeUnderTest start(Options o) throws Exception {
        if (o.relay()) return startRelay(o);
        if (o.aotCache() == null) return start(o, List.of());
        try {
            return start(o, AotCache.useArgs(o.aotCache()));
        } catch (IllegalStateException e) {
            if (e.getMessage() == null || !e.getMessage().contains("Unable to use AOT cache")) throw e;
            throw new IllegalStateException(e.getMessage() + " (it could not use the AOT cache " + o.aotCache()
                    + ", made by another JDK or damaged: delete it, and bench trains a new one)", e);
        }
    }

    /** {@link #start(Options)} with more options for each node's JVM (those of an AOT cache's training, say). */
    static NodeUnderTest start(Options o, List<String> jvmArgs) throws Exception {
        String jar = serverJar();
        String schema = o.store().equals("postgres") ? "bench_" + Long.toHexString(System.nanoTime()) : null;
        List<Path> dirs = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        Files.createDirectories(o.outDir());
        List<Process> started = java.util.Collections.synchronizedList(new ArrayList<>());
        // A bench stopped with Ctrl-C or kill, even while its nodes start, still stops them (close() does more when it gets to run).
        Thread stopOnExit = new Thread(() -> {
            synchronized (started) {
                started.forEach(Process::destroy);
            }
        });
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        List<URI> uris = new ArrayList<>();
        NodeUnderTest node = null;
        try {
            for (int i = 0; i < o.nodes(); i++) {
                Path data = Files.createTempDirectory("parley-bench");
                dirs.add(data);
                logs.add(o.outDir().resolve(o.nodes() == 1 ? "node.log" : "node-" + (i + 1) + ".log"));
                started.add(startProcess(o, jar, jvmArgs, data, logs.get(i), schema));
                // The first node migrates the schema alone; the rest start together once it is up.
                if (i == 0) uris.add(awaitRunning(started.get(0), logs.get(0), 60));
            }
            for (int i = 1; i < started.size(); i++) uris.add(awaitRunning(started.get(i), logs.get(i), 180));
            for (int i = 0; i < started.size(); i++) awaitHealthy(uris.get(i), started.get(i), "/health", logs.get(i), 60);
            node = new NodeUnderTest(uris, List.copyOf(started), started.stream().map(Process::pid).toList(),
                    o.nodes() == 1 ? o.store() : o.store() + " (" + o.nodes() + " nodes)", null, () -> {
                        forget(stopOnExit);
                        for (Path d : dirs) deleteQuietly(d);
                        if (schema != null) dropSchema(o.pgUrl(), schema);
                    }, schema == null ? null : () -> analyzeSchema(o.pgUrl(), schema));
            return node;
        } finally {
            if (node == null) { // a node that did not start: its log, in the run's folder, says why
                for (Process p : started) p.destroyForcibly().waitFor();
                forget(stopOnExit);
                for (Path d : dirs) deleteQuietly(d);
                if (schema != null) dropSchema(o.pgUrl(), schema);
            }
        }
    }

    /**
     * {@code --relay}: the {@link Relay} as a process of its own, with a lone node's JVM options, so
     * that its CPU and memory are read and reported as a node's are.
     */
    private static NodeUnderTest startRelay(Options o) throws Exception {
        Files.createDirectories(o.outDir());
        Path log = o.outDir().resolve("relay.log");
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(heap(o, DriverProcess.machineBytes()));
        cmd.addAll(extraJvmArgs());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Relay.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        Thread stopOnExit = new Thread(p::destroy);
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try {
            URI uri = awaitRunning(p, log, 60);
            return new NodeUnderTest(List.of(uri), List.of(p), List.of(p.pid()), "relay (stores nothing)", null, () -> forget(stopOnExit), null);
        } catch (Exception | Error e) {
            p.destroyForcibly().waitFor();
            forget(stopOnExit);
            throw e;
        }
    }

    /** Drops a shutdown hook whose nodes are stopped (a --find-max search or a compare starts several in turn). */
    private static void forget(Thread stopOnExit) {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException e) { // the JVM is exiting: the hook runs, on stopped nodes, harmlessly
        }
    }

    /**
     * A node listens on a port of its own choosing (port 0): one picked here and handed over
     * could meanwhile be taken by an outgoing connection, which draws from the same range.
     * Returns the node's URL, read from the line it prints once it listens.
     */
    private static URI awaitRunning(Process process, Path log, int seconds) throws Exception {
        Pattern running = Pattern.compile("Parley (?:relay )?is running at http://localhost:([0-9]+)/");
        long deadline = System.currentTimeMillis() + seconds * 1_000L;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log)) {
                Matcher m = running.matcher(Files.readString(log));
                if (m.find()) return URI.create("http://127.0.0.1:" + m.group(1));
            }
            if (!process.isAlive()) throw new IllegalStateException("server exited; see " + log + ", which ends: " + lastLines(log, 3));
            Thread.sleep(100);
        }
        throw new IllegalStateException("server not listening after " + seconds + " s; see " + log);
    }

    /** The last {@code n} lines of a node's log, joined: why a JVM that would not start stopped (a bad option, a cache it could not use). */
    private static String lastLines(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            return String.join(" / ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /**
     * A node's heap: a lone node's 1-4 GiB; with {@code --nodes}, 1 GiB each, growing from 256 MiB,
     * except in a reconnect storm, where each node takes its whole heap at start (pre-touched, as
     * operations.md advises for a node that must take bursts) when the nodes' heaps fit in a quarter of the
     * machine: the kernel zeroing the pages of a heap that grew as the storm's sockets and syncs
     * were promoted had 7 % of a node's CPU (benchmarks.md 29). Not for {@code idle}, which
     * measures the memory each socket adds.
     */
    static List<String> heap(Options o, long machineBytes) {
        if (o.nodes() == 1) return List.of("-Xms1g", "-Xmx4g");
        if (o.scenario().equals("reconnect") && o.nodes() * (1L << 30) <= machineBytes / 4) return List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch");
        return List.of("-Xms256m", "-Xmx1g");
    }

    /** The server's jar, which ./bench builds and names in {@code -Dparley.serverJar}. */
    static String serverJar() {
        String jar = System.getProperty("parley.serverJar");
        if (jar == null || !Files.exists(Path.of(jar))) throw new IllegalStateException("server jar not found: " + jar + " (run ./bench, which builds it)");
        return jar;
    }

    /**
     * The start of every node's command line, also the one an AOT cache is created with: the
     * JVM's module access must be the same for a cache and the nodes that use it.
     */
    static List<String> javaCommand() {
        return javaCommand(ProcessHandle.current().info().command().orElse("java"), extraJvmArgs());
    }

    /**
     * {@code java} and its options: the parallel collector, unless {@code extra} (what
     * {@code BENCH_NODE_JVM_ARGS} adds) names another, which then takes its place (the JVM
     * refuses two), so that an AOT cache is also made with the nodes' collector.
     */
    static List<String> javaCommand(String java, List<String> extra) {
        String collector = extra.stream().filter(a -> a.matches("-XX:\\+Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC")).findFirst()
                .orElse("-XX:+UseParallelGC");
        return List.of(java, "--enable-native-access=ALL-UNNAMED", collector);
    }

    /** {@code BENCH_NODE_JVM_ARGS}: more options for the server's JVM, a JFR recording for profiling, say. */
    private static List<String> extraJvmArgs() {
        String extra = System.getProperty("parley.nodeJvmArgs", "");
        return extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
    }

    private static Process startProcess(Options o, String jar, List<String> jvmArgs, Path data, Path log, String schema) throws IOException {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(heap(o, DriverProcess.machineBytes()));
        cmd.addAll(jvmArgs);
        cmd.addAll(extraJvmArgs());
        cmd.addAll(List.of("-jar", jar, "--host", "127.0.0.1", "--port", "0",
                "--set", "auth.devCodes=true", "--set", "auth.codesPerPhonePerHour=100", "--set", "auth.lookupsPerUserPerHour=1000000"));
        if (schema != null) cmd.addAll(List.of("--store", "postgres", "--pg-url", o.pgUrl(), "--pg-schema", schema));
        // PostgreSQL allows 100 connections: N nodes share 80 of them, at most the 16 of a lone node each
        if (schema != null && o.nodes() > 1) cmd.addAll(List.of("--set", "pg.poolSize=" + Math.min(16, 80 / o.nodes())));
        cmd.addAll(List.of("--data-dir", data.toString())); // the store with SQLite; media either way
        String config = System.getProperty("parley.nodeConfig", ""); // key=value ..., e.g. to try a setting
        for (String kv : config.trim().split("\\s+")) if (!kv.isEmpty()) cmd.addAll(List.of("--set", kv));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())); // a fresh log: an --out used before holds an older node's port
        pb.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Dlogback.configurationFile=" + writeQuietLogback(data));
        return pb.start();
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
    static void awaitHealthy(URI uri, Process process, String path, Path log, int seconds) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + seconds * 1_000L;
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
        throw new IllegalStateException("server not healthy after " + seconds + " s; see " + log);
    }

    /** The (first) node's base URL. */
    URI uri() {
        return uris.get(0);
    }

    /** Every node's base URL, one per process started. */
    List<URI> uris() {
        return uris;
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

    /** CPU used since {@link #mark}, in percent of one core (all nodes together); null for a node we did not start. */
    Double cpuPercentSinceMark() {
        long now = cpuTicks();
        if (statsPids.isEmpty() || now < 0 || cpuTicksAtMark < 0) return null;
        double seconds = (System.nanoTime() - markNanos) / 1e9;
        return (now - cpuTicksAtMark) / 100.0 / seconds * 100; // USER_HZ is 100 on Linux
    }

    /** Saves the server's thread stacks (a Java node only; file-2.txt, ... for further nodes), for a run that failed its checks. */
    void saveThreadDump(Path file) {
        if (store.startsWith("ejabberd")) return;
        for (int i = 0; i < statsPids.size(); i++) {
            Path f = i == 0 ? file : file.resolveSibling(file.getFileName().toString().replaceFirst("\\.txt$", "") + "-" + (i + 1) + ".txt");
            try {
                Files.createDirectories(f.getParent());
                Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(statsPids.get(i)), "Thread.print").redirectErrorStream(true)
                        .redirectOutput(f.toFile()).start();
                if (p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) System.err.println("  node threads saved to " + f);
            } catch (IOException | InterruptedException e) {
                System.err.println("  could not save the node's threads: " + e);
            }
        }
    }

    /**
     * Bytes of live objects on the nodes' heaps (summed), after the full collection that
     * {@code jcmd GC.class_histogram} makes first; null for a node we did not start or when one cannot be read.
     */
    Long liveHeapBytes() {
        if (statsPids.isEmpty() || store.startsWith("ejabberd")) return null;
        long sum = 0;
        for (long pid : statsPids) {
            Long bytes = liveHeapBytes(pid);
            if (bytes == null) return null;
            sum += bytes;
        }
        return sum;
    }

    private static Long liveHeapBytes(long pid) {
        Path out = null;
        try {
            out = Files.createTempFile("parley-histogram", ".txt");
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram").redirectErrorStream(true)
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

    /** Resident memory of the node (all nodes together) in MiB; null when unknown. */
    Double rssMiB() {
        if (statsPids.isEmpty()) return null;
        double sum = 0;
        for (long pid : statsPids) {
            Double mib = null;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) mib = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            } catch (IOException e) {
                return null;
            }
            if (mib == null) return null;
            sum += mib;
        }
        return sum;
    }

    /** CPU ticks of all the nodes, or -1 when one cannot be read. */
    private long cpuTicks() {
        long sum = 0;
        for (long pid : statsPids) {
            try {
                sum += ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
            } catch (IOException | RuntimeException e) {
                return -1; // a node gone: no figure rather than a wrong one
            }
        }
        return sum;
    }

    /**
     * CPU seconds the nodes' JIT compiler threads (C1 and C2) have used so far, all nodes together;
     * null for a node bench did not start, or when one cannot be read. HotSpot may stop a compiler
     * thread when its queue empties: what each thread was last seen to use stays counted, so the
     * figure never goes back (a thread that starts and stops between two calls is missed).
     */
    synchronized Double jitCpuSeconds() {
        if (statsPids.isEmpty() || store.startsWith("ejabberd")) return null;
        for (long pid : statsPids) {
            try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    String stat;
                    try {
                        stat = Files.readString(task.resolve("stat"));
                    } catch (IOException e) {
                        continue; // a thread that ended meanwhile
                    }
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        jitTicksSeen.merge(pid + "/" + task.getFileName(), ticks(stat), Math::max);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return jitTicksSeen.values().stream().mapToLong(Long::longValue).sum() / 100.0; // USER_HZ
    }

    /** CPU seconds of all the nodes so far; null as for {@link #cpuPercentSinceMark}. */
    Double cpuSeconds() {
        long ticks = cpuTicks();
        return statsPids.isEmpty() || ticks < 0 ? null : ticks / 100.0;
    }

    /** utime + stime of a /proc stat line (the fields after the name, which may hold spaces). */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Stops the nodes, then removes what they stored (a run writes up to gigabytes); their logs stay in the run's folder. */
    @Override
    public void close() throws Exception {
        if (stop != null) stop.close();
        if (processes.isEmpty()) return;
        for (Process p : processes) p.destroy();
        for (Process p : processes) if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        if (cleanUp != null) cleanUp.close();
    }

    /**
     * Gathers the planner's statistics of the server's store, as autovacuum does on a maintained
     * PostgreSQL (it is off on some, this machine's included): plans made without them take a
     * set-up's tables for a few rows and scan them whole (benchmarks.md 23). Run once a
     * scenario is set up, for Parley's schema and ejabberd's database alike; nothing on SQLite
     * or for a --target.
     */
    void analyze() throws Exception {
        if (analyzer == null) return;
        long start = System.nanoTime();
        analyzer.run();
        System.err.printf("analyzed the store's tables (%.1f s)%n", (System.nanoTime() - start) / 1e9);
    }

    private static void analyzeSchema(String pgUrl, String schema) throws java.sql.SQLException {
        try (var c = java.sql.DriverManager.getConnection(pgUrl); var st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (var ps = c.prepareStatement("SELECT tablename FROM pg_tables WHERE schemaname = ?")) {
                ps.setString(1, schema);
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) tables.add('"' + schema + "\".\"" + rs.getString(1).replace("\"", "\"\"") + '"');
                }
            }
            if (!tables.isEmpty()) st.execute("ANALYZE " + String.join(", ", tables));
        }
    }

    private static void dropSchema(String pgUrl, String schema) {
        try (var c = java.sql.DriverManager.getConnection(pgUrl); var st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE"); // a name made by start: bench_ and hex digits
        } catch (java.sql.SQLException e) {
            System.err.println("  could not drop the node's schema " + schema + ": " + e.getMessage());
        }
    }

    /** {@link #deleteAll}, saying so when it cannot (the schema is dropped all the same). */
    private static void deleteQuietly(Path dir) {
        try {
            deleteAll(dir);
        } catch (IOException | RuntimeException e) {
            System.err.println("  could not delete the node's folder " + dir + ": " + e);
        }
    }

    /** Deletes {@code dir} and everything in it. */
    static void deleteAll(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
