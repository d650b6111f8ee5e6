package org.parley.loadgen;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * A driver process of a scenario spread over several nodes ({@code --nodes N}): one process can
 * hold no more sockets than its open-file limit, so each node gets a process of its own running
 * {@code main} from this jar. It says what it did on its standard output, a line each, and
 * takes commands from its standard input; its standard error goes to {@code driver-<n>.log} in
 * the run's folder. When its input ends (the bench is done, or gone) it exits.
 */
final class DriverProcess implements AutoCloseable {
    /** Files a process needs besides its sockets: jars, epoll, the store's connections, logs. */
    static final int FILES_BESIDES_SOCKETS = 1_000;

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final PrintWriter in;
    private final int number;
    private final Path log;

    private DriverProcess(Process process, int number, Path log) {
        this.process = process;
        this.number = number;
        this.log = log;
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) lines.add(line);
            } catch (IOException e) {
                // the process ended
            }
            lines.add("failed exited with status " + exitValue(process));
        });
    }

    private static String exitValue(Process p) {
        try {
            return p.waitFor(5, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "? (still running, its output closed)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /**
     * Refuses, before anything starts, a count one process could not hold ({@code idle} and
     * {@code reconnect}): each node, and each process driving it, holds clients/nodes sockets,
     * one open file each.
     */
    static void checkFileLimit(Options o, long openFileLimit) {
        if (openFileLimit <= 0) return;
        long perProcess = (o.clients() + o.nodes() - 1) / o.nodes();
        if (perProcess + FILES_BESIDES_SOCKETS <= openFileLimit) return;
        String prefix = String.format("%,d sockets per process do not fit this machine's %,d open files per process (ulimit -n, and -Hn for root)",
                perProcess, openFileLimit);
        long nodes = openFileLimit <= 2L * FILES_BESIDES_SOCKETS ? Long.MAX_VALUE
                : (o.clients() + openFileLimit - FILES_BESIDES_SOCKETS - 1) / (openFileLimit - FILES_BESIDES_SOCKETS);
        if (nodes > Options.MAX_NODES || o.target() != null) {
            throw new IllegalArgumentException(prefix + ": raise the limit or give fewer --clients");
        }
        throw new IllegalArgumentException(prefix + String.format(": give --nodes %d or more with --store postgres", Math.max(2, nodes)));
    }

    /** The share of {@code total} that part {@code k} of {@code parts} takes: as even as can be, the first ones one more. */
    static int share(int total, int parts, int k) {
        return total / parts + (k < total % parts ? 1 : 0);
    }

    /** This process's open-file limit (a child inherits it), or -1 when unknown. */
    static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no check
        }
        return -1;
    }

    /** Driver heap: grown as needed, up to 1.5 GiB. */
    static final List<String> GROWING_HEAP = List.of("-Xms128m", "-Xmx1536m");

    /**
     * Driver heap for a burst: 1,920 MiB, all taken and touched at start, 1,408 MiB of it the young
     * generation, when {@code drivers} such heaps fit in a quarter of the machine's memory (the nodes
     * of a storm may take another quarter, {@link NodeUnderTest#heap}; the rest for the bench and the
     * database), else {@link #GROWING_HEAP}. In a reconnect storm the kernel zeroing the pages of a
     * growing heap, as the collector promoted objects into them, took a fifth of a driver's CPU
     * (benchmarks.md 28); and a driver allocates about 1 GB in a storm of 16,700 devices, so with the
     * default young generation (a third of the heap) it stopped for three young collections, each
     * copying the storm's live sockets, and a full one, 4-7 s in all (benchmarks.md 30). With the
     * young generation this size and a collection before each round ({@link SyncingDevices#connectAll}),
     * no driver collected during a storm here. {@code BENCH_DRIVER_JVM_ARGS} comes after these: a
     * smaller heap there needs {@code -Xms} and {@code -Xmn} as well as {@code -Xmx}.
     */
    static List<String> touchedHeap(int drivers) {
        return touchedHeap(drivers, machineBytes());
    }

    /** The machine's memory, or 0 when the JVM cannot tell. */
    static long machineBytes() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : 0;
    }

    static List<String> touchedHeap(int drivers, long machineBytes) {
        return drivers * 1920L * 1024 * 1024 <= machineBytes / 4 ? List.of("-Xms1920m", "-Xmx1920m", "-Xmn1408m", "-XX:+AlwaysPreTouch") : GROWING_HEAP;
    }

    /** Starts driver number {@code number} (1, 2, ...) running {@code main} with {@code args}, its heap set by {@code heap}. */
    static DriverProcess start(int number, Class<?> main, Path outDir, List<String> heap, List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Files.createDirectories(outDir);
        Path log = outDir.resolve("driver-" + number + ".log");
        // C1 only: a driver lives for a burst or two, and C2 compiling its paths during the storm took
        // half of its CPU, on the cores the nodes share (benchmarks.md 25)
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(heap);
        cmd.addAll(List.of("-XX:+UseParallelGC", "-XX:TieredStopAtLevel=1"));
        String extra = System.getProperty("parley.driverJvmArgs", ""); // e.g. a JFR recording, or other JIT settings
        if (!extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new DriverProcess(p, number, log);
    }

    /** The next line starting with {@code prefix}, as {@link #awaitAll} for this driver alone. */
    String await(String prefix, long timeoutS) throws InterruptedException {
        return awaitAll(List.of(this), prefix, timeoutS).get(0);
    }

    /**
     * The line starting with {@code prefix} from each of {@code drivers}, in their order, waiting
     * for all together and skipping progress lines ({@code open <n>}): anything else (a driver
     * that failed says {@code failed <reason>}) fails the lot at once, whichever driver said it.
     */
    static List<String> awaitAll(List<DriverProcess> drivers, String prefix, long timeoutS) throws InterruptedException {
        String[] answers = new String[drivers.size()];
        int left = drivers.size();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutS);
        while (left > 0) {
            if (System.nanoTime() > deadline) throw new IllegalStateException(left + " driver(s) did not answer within " + timeoutS + " s");
            for (int i = 0; i < answers.length; i++) {
                if (answers[i] != null) continue;
                DriverProcess d = drivers.get(i);
                String line = d.lines.poll(20, TimeUnit.MILLISECONDS);
                if (line == null || line.startsWith("open ")) continue;
                if (!line.startsWith(prefix)) throw new IllegalStateException("driver " + d.number + ": " + line + " (see " + d.log + ")");
                answers[i] = line;
                left--;
            }
        }
        return List.of(answers);
    }

    void tell(String command) {
        in.println(command);
    }

    /** Ends its input, then waits a minute for it to close its sockets and exit before killing it. */
    @Override
    public void close() {
        closeAll(List.of(this));
    }

    /** Ends every driver's input, then gives them a minute together to exit before killing those left. */
    static void closeAll(List<DriverProcess> drivers) {
        drivers.forEach(d -> d.in.close());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (DriverProcess d : drivers) {
            try {
                if (!d.process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) d.process.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                d.process.destroyForcibly();
            }
        }
    }

    /** The shared end of a driver's main: reads commands until its input ends, then exits. */
    interface Commands {
        void on(String command) throws Exception;
    }

    /** For a driver's main: runs {@code commands} for each line of standard input, exits 0 when it ends. */
    static void serve(Commands commands) {
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) commands.on(line);
        } catch (Exception | Error e) {
            fail(e);
        }
        System.exit(0);
    }

    /** For a driver's main: says why it stops ({@code failed <reason>}) and exits, Vert.x's threads and all. */
    static void fail(Throwable e) {
        e.printStackTrace();
        say("failed " + e.toString().replace('\n', ' '));
        System.exit(1);
    }

    /** Every client a driver made: Vert.x closes a client nothing references, sockets and all. */
    private static final List<WebSocketClient> HELD = new ArrayList<>();

    /** For a driver's main: makes clients on {@code vertx} that are held for the process's life. */
    static Function<WebSocketClientOptions, WebSocketClient> heldClients(Vertx vertx) {
        return options -> {
            WebSocketClient client = vertx.createWebSocketClient(options);
            synchronized (HELD) {
                HELD.add(client);
            }
            return client;
        };
    }

    /** For a driver's main: one line on standard output, whole. */
    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** A histogram as one word of a line (compressed, base64), for {@link #decode} on the other side. */
    static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(buf.array(), length));
    }

    static Histogram decode(String word) throws DataFormatException {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(word)), 0);
    }

    /**
     * For a driver's main: exits by itself when the bench that started it is gone, and after
     * {@code seconds} whatever happens, so that no driver outlives its run.
     */
    static void bound(long seconds) {
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> {
            System.err.println("driver: the bench is gone; exiting");
            System.exit(4);
        }));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(seconds * 1_000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("driver: " + seconds + " s are up; exiting");
            System.exit(3);
        });
    }
}
