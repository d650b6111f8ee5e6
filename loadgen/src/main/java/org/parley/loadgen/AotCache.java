package org.parley.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code --aot-cache FILE}: the nodes start with an ahead-of-time cache of JDK 25 (JEP 483:
 * the classes loaded and linked; JEP 515: the method profiles of a training run, which the JIT
 * uses from the start instead of gathering its own), made the way operations.md ("Starting
 * faster") tells a deployment to. When FILE is missing or older than the server's jars, bench
 * trains it first: one node of the run's store, started with {@code -XX:AOTMode=record}, meets
 * a reconnect storm twice (sign-in, connect, sync, send, deliver, receipts) and writes what it
 * saw as it stops; a JVM in {@code -XX:AOTMode=create} then makes the cache from it. A cache
 * made by another JDK (named in FILE.jdk beside it) is trained again too. Older than the jars
 * means stale: JDK 25.0.3 would use it for a rebuilt jar all the same (JDK-8377932).
 * Measured: nodes listen in half the time; the storm moved less than the machine's spread
 * (benchmarks.md 31).
 */
final class AotCache {
    /** Devices of the training storm: about two minutes on this machine, below one process's 20,000 files. */
    static final int TRAINING_DEVICES = 15_000;
    private static final int FEWEST_TRAINING_DEVICES = 1_000;

    private AotCache() {}

    /** A node's JVM options to use {@code cache}; a cache it cannot use stops it, rather than a run measured cold unnoticed. */
    static List<String> useArgs(Path cache) {
        return List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on");
    }

    /** The devices of a training storm on one node under this open-file limit (-1: unknown); refused when fewer than 1,000 fit. */
    static int trainingDevices(long openFileLimit) {
        if (openFileLimit <= 0) return TRAINING_DEVICES;
        long fit = openFileLimit - DriverProcess.FILES_BESIDES_SOCKETS;
        if (fit < FEWEST_TRAINING_DEVICES) {
            throw new IllegalArgumentException(String.format("--aot-cache trains on a reconnect storm of at least %,d devices on one node: "
                    + "this machine's %,d open files per process (ulimit -n) are too few", FEWEST_TRAINING_DEVICES, openFileLimit));
        }
        return (int) Math.min(TRAINING_DEVICES, fit);
    }

    /** The JDK that runs the nodes, as a cache's {@code .jdk} file names it. */
    static String jdk() {
        return Runtime.version() + " " + System.getProperty("java.home");
    }

    /**
     * Whether {@code cache} exists, was made by {@code jdk} and after the server's jar and every
     * jar beside it in {@code lib/} last changed.
     */
    static boolean fresh(Path cache, Path serverJar, String jdk) throws IOException {
        Path madeBy = madeBy(cache);
        if (!Files.isRegularFile(cache) || !Files.isRegularFile(madeBy) || !Files.readString(madeBy).strip().equals(jdk)) return false;
        FileTime made = Files.getLastModifiedTime(cache);
        List<Path> jars = new ArrayList<>(List.of(serverJar));
        Path lib = serverJar.resolveSibling("lib");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> s = Files.list(lib)) {
                s.filter(p -> p.toString().endsWith(".jar")).forEach(jars::add);
            }
        }
        for (Path jar : jars) if (Files.getLastModifiedTime(jar).compareTo(made) > 0) return false;
        return true;
    }

    private static Path madeBy(Path cache) {
        return cache.resolveSibling(cache.getFileName() + ".jdk");
    }

    /** Trains {@code o.aotCache()} unless it is {@link #fresh}. */
    static void ensure(Options o) throws Exception {
        Path cache = o.aotCache();
        if (fresh(cache, Path.of(NodeUnderTest.serverJar()), jdk())) {
            System.err.printf("nodes start with the AOT cache %s (made %s)%n", cache, Files.getLastModifiedTime(cache));
            return;
        }
        train(o, trainingDevices(DriverProcess.openFileLimit()));
    }

    /** Makes {@code o.aotCache()} from a reconnect storm of {@code devices} on one node; the run's logs go to its folder's {@code aot-training}. */
    static void train(Options o, int devices) throws Exception {
        Path cache = o.aotCache();
        Path dir = o.outDir().resolve("aot-training");
        Files.createDirectories(dir);
        Files.createDirectories(cache.getParent());
        Path config = dir.resolve("node.aotconf");
        Path partial = cache.resolveSibling(cache.getFileName() + ".partial");
        Options t = o.aotTraining(devices, dir);
        System.err.printf("training the AOT cache %s: a reconnect storm of %,d devices on one node, twice ...%n", cache, devices);
        long start = System.nanoTime();
        Process create = null;
        try {
            Files.deleteIfExists(config);
            try (NodeUnderTest node = NodeUnderTest.start(t, List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + config))) {
                Bench.Runs runs = Bench.measure(t, node, null);
                if (!runs.correct()) throw new IllegalStateException("the training storm lost, doubled or reordered messages: " + runs.best());
            } // the node writes what it recorded as it stops
            if (!Files.isRegularFile(config)) throw new IllegalStateException("the training node wrote no AOT configuration; see " + dir.resolve("node.log"));
            List<String> cmd = new ArrayList<>(NodeUnderTest.javaCommand());
            cmd.addAll(NodeUnderTest.heap(t, DriverProcess.machineBytes())); // the nodes' compressed pointers, whatever this machine's size
            cmd.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + config, "-XX:AOTCache=" + partial, "-jar", NodeUnderTest.serverJar()));
            Path log = dir.resolve("aot-create.log");
            create = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!create.waitFor(10, TimeUnit.MINUTES)) throw new IllegalStateException("creating the AOT cache took over 10 minutes; see " + log);
            if (create.exitValue() != 0 || !Files.isRegularFile(partial)) throw new IllegalStateException("the AOT cache was not created; see " + log);
            Files.move(partial, cache, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(madeBy(cache), jdk() + "\n"); // after the cache: a cache without it is trained again
        } finally {
            if (create != null && create.isAlive()) create.destroyForcibly().waitFor();
            Files.deleteIfExists(partial);
            Files.deleteIfExists(config); // tens of MB, of use to nothing else
        }
        System.err.printf("  AOT cache made in %.0f s: %s (%,d MiB)%n", (System.nanoTime() - start) / 1e9, cache, Files.size(cache) >> 20);
    }
}
