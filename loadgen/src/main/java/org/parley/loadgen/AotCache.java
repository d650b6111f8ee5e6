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
 * saw as it stops; a JVM in {@code -XX:AOTMode=create} then makes the cache from it. Older than
 * the jars means stale: JDK 25.0.3 would use it for a rebuilt jar all the same (JDK-8377932).
 * Measured: nodes listen in half the time; the storm moved less than the machine's spread
 * (benchmarks.md 31).
 */
final class AotCache {
    /** Devices of the training storm: about two minutes on this machine, below one process's 20,000 files. */
    static final int TRAINING_DEVICES = 15_000;

    private AotCache() {}

    /** A node's JVM options to use {@code cache}; a cache it cannot use stops it, rather than a run measured cold unnoticed. */
    static List<String> useArgs(Path cache) {
        return List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on");
    }

    /** Whether {@code cache} exists and was made after the server's jar and every jar beside it in {@code lib/} last changed. */
    static boolean fresh(Path cache, Path serverJar) throws IOException {
        if (!Files.isRegularFile(cache)) return false;
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

    /** Trains {@code o.aotCache()} unless it is {@link #fresh}. */
    static void ensure(Options o) throws Exception {
        Path cache = o.aotCache();
        Path jar = Path.of(NodeUnderTest.serverJar());
        if (fresh(cache, jar)) {
            System.err.printf("nodes start with the AOT cache %s (made %s)%n", cache, Files.getLastModifiedTime(cache));
            return;
        }
        train(o, TRAINING_DEVICES);
    }

    /** Makes {@code o.aotCache()} from a reconnect storm of {@code devices} on one node; the run's logs go to its folder's {@code aot-training}. */
    static void train(Options o, int devices) throws Exception {
        Path cache = o.aotCache();
        Path dir = o.outDir().resolve("aot-training");
        Files.createDirectories(dir);
        Files.createDirectories(cache.toAbsolutePath().getParent());
        Path config = dir.resolve("node.aotconf");
        Files.deleteIfExists(config);
        Options t = o.aotTraining(devices, dir);
        DriverProcess.checkFileLimit(t, DriverProcess.openFileLimit());
        System.err.printf("training the AOT cache %s: a reconnect storm of %,d devices on one node, twice ...%n", cache, devices);
        long start = System.nanoTime();
        try (NodeUnderTest node = NodeUnderTest.start(t, List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + config))) {
            Bench.Runs runs = Bench.measure(t, node, null);
            if (!runs.correct()) throw new IllegalStateException("the training storm lost, doubled or reordered messages: " + runs.best());
        } // the node writes what it recorded as it stops
        if (!Files.isRegularFile(config)) throw new IllegalStateException("the training node wrote no AOT configuration; see " + dir.resolve("node.log"));
        Path partial = cache.resolveSibling(cache.getFileName() + ".partial");
        List<String> cmd = new ArrayList<>(NodeUnderTest.javaCommand());
        cmd.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + config, "-XX:AOTCache=" + partial, "-jar", NodeUnderTest.serverJar()));
        Path log = dir.resolve("aot-create.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("creating the AOT cache took over 10 minutes; see " + log);
        }
        try {
            if (p.exitValue() != 0 || !Files.isRegularFile(partial)) throw new IllegalStateException("the AOT cache was not created; see " + log);
            Files.move(partial, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(config); // tens of MB, of use to nothing else
        }
        System.err.printf("  AOT cache made in %.0f s: %s (%,d MiB)%n", (System.nanoTime() - start) / 1e9, cache, Files.size(cache) >> 20);
    }
}
