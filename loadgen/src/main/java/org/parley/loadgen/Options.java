package org.parley.loadgen;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Command-line options of {@code ./bench}; every value is checked before anything starts. */
record Options(
        String scenario,
        String target,
        String store,
        String pgUrl,
        int clients,
        double rate,
        int durationS,
        int warmupS,
        Path json,
        Path outDir,
        boolean findMax,
        double p99BoundMs,
        int groupSize,
        int messages,
        int pageSize,
        double stepFactor,
        List<String> compared,
        boolean receipts,
        int mediaSize,
        int batch,
        int nodes,
        Path aotCache,
        boolean relay,
        int warmupStorms) {

    /** PostgreSQL's 100 connections: the nodes share 80, 2 or more each. */
    static final int MAX_NODES = 40;

    static final List<String> SCENARIOS = List.of("direct", "group", "history", "idle", "reconnect", "media", "store", "compare");

    static final String USAGE = """
            usage: ./bench <scenario> [options]
              scenarios: direct | group | history | idle | reconnect | media | store | compare
              store: the durable write path alone (the node's message and cursor stores, in this process, no sockets)
              compare: direct and group with --find-max against ejabberd, then Parley, same rates and checks
              --target URL        drive a running node instead of starting one
              --store KIND        sqlite (default; compare: postgres) or postgres, for the node bench starts
              --pg-url URL        PostgreSQL JDBC URL (default jdbc:postgresql://127.0.0.1:5432/test?user=postgres)
              --clients N         connected users (direct: pairs of them; group: groups of --group-size; idle: sockets)
              --rate R            offered load per second: messages (direct, group) or pages (history)
              --duration S        measured seconds (default 20)
              --warmup S          seconds of load excluded from the figures, while the JIT compiles the hot paths
                                  of node and driver (default 30 for direct, group, history, store, compare; else 5);
                                  reconnect: any S above 0 runs --warmup-storms storms before the measured one
              --warmup-storms N   reconnect: storms before the measured one, 0 to 5 (default 3: the nodes' JIT
                                  compilers still work seconds in the second and third storms, little in the fourth)
              --json FILE         write the summary as JSON
              --out DIR           folder for histograms and charts (default bench-results/<scenario>-<time>)
              --relay             direct: drive a relay that stores nothing (bench starts it) instead of a node: the same
                                  sockets, frames and checks, to tell the sockets' cost on this machine from the node's
              --find-max          raise the rate step by step until p99 passes --p99-bound; report the best that held
              --p99-bound MS      p99 bound for --find-max (default 50; group 100)
              --step-factor F     --find-max multiplies the rate by F each step (default 1.25; compare 1.5)
              --scenarios LIST    compare: which of direct,group to run (default both)
              --media-size N      media: bytes per upload (default 1048576)
              --receipts on|off   recipients send coalesced delivered receipts, as the SDK does (default on; compare: off on both sides)
              --group-size N      members per group (default 100)
              --messages N        history: messages in the store before reading (default 1000000)
              --page-size N       history: messages per page (default 50)
              --batch N           store: messages per committed batch, each in another chat (default 15)
              --nodes N           idle, reconnect: start N nodes on one PostgreSQL schema (needs --store postgres),
                                  each with --clients/N sockets held by a driver process of its own, for counts
                                  above one process's open-file limit (default 1)
              --aot-cache FILE    start the nodes with this ahead-of-time cache (JDK 25+: classes loaded and linked,
                                  method profiles), trained first on a reconnect storm of one node when FILE is
                                  missing, older than the server's jars or made by another JDK (not for store,
                                  compare or --target)
            """;

    static Options parse(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) throw new IllegalArgumentException("give a scenario\n" + USAGE);
        String scenario = args[0];
        if (!SCENARIOS.contains(scenario)) throw new IllegalArgumentException("unknown scenario " + scenario + "\n" + USAGE);
        String target = null, store = scenario.equals("compare") ? "postgres" : "sqlite", pgUrl = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
        Integer clients = null;
        Double rate = null;
        Integer warmup = null;
        int duration = 20, groupSize = 100, messages = 1_000_000, pageSize = 50;
        Double p99 = null;
        double stepFactor = scenario.equals("compare") ? 1.5 : 1.25;
        List<String> compared = List.of("direct", "group");
        boolean receipts = !scenario.equals("compare");
        int mediaSize = 1 << 20;
        int batch = 15;
        int nodes = 1;
        Integer warmupStorms = null;
        Path json = null, out = null, aotCache = null;
        boolean findMax = false, relay = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--find-max")) {
                findMax = true;
                continue;
            }
            if (a.equals("--relay")) {
                relay = true;
                continue;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--target" -> target = v;
                case "--store" -> {
                    if (!v.equals("sqlite") && !v.equals("postgres")) throw new IllegalArgumentException("--store is sqlite or postgres");
                    store = v;
                }
                case "--pg-url" -> {
                    if (!v.startsWith("jdbc:postgresql:")) throw new IllegalArgumentException("--pg-url is a PostgreSQL JDBC URL (jdbc:postgresql://…), got " + v);
                    pgUrl = v;
                }
                case "--clients" -> clients = positive(a, v, 2, 2_000_000);
                case "--rate" -> rate = (double) positive(a, v, 1, 10_000_000);
                case "--duration" -> duration = positive(a, v, 1, 3600);
                case "--warmup" -> warmup = positive(a, v, 0, 600);
                case "--json" -> json = fileToWrite(a, v, true);
                case "--out" -> out = folderToWrite(a, v);
                case "--p99-bound" -> p99 = (double) positive(a, v, 1, 60_000);
                case "--group-size" -> groupSize = positive(a, v, 2, 100_000);
                case "--messages" -> messages = positive(a, v, 100, 100_000_000);
                case "--page-size" -> pageSize = positive(a, v, 1, 200);
                case "--step-factor" -> {
                    try {
                        stepFactor = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        stepFactor = 0;
                    }
                    if (!(stepFactor >= 1.05 && stepFactor <= 4)) throw new IllegalArgumentException("--step-factor must be a number in 1.05..4, got " + v);
                }
                case "--media-size" -> mediaSize = positive(a, v, 1, 100 << 20);
                case "--batch" -> batch = positive(a, v, 1, 10_000);
                case "--nodes" -> nodes = positive(a, v, 1, MAX_NODES);
                case "--warmup-storms" -> warmupStorms = positive(a, v, 0, 5);
                case "--aot-cache" -> aotCache = fileToWrite(a, v, false);
                case "--receipts" -> {
                    if (!v.equals("on") && !v.equals("off")) throw new IllegalArgumentException("--receipts is on or off, got " + v);
                    receipts = v.equals("on");
                }
                case "--scenarios" -> {
                    compared = List.of(v.split(","));
                    if (compared.isEmpty() || !List.of("direct", "group").containsAll(compared)) {
                        throw new IllegalArgumentException("--scenarios is a comma-separated list of direct and group, got " + v);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (target != null && !target.matches("https?://(127\\.[0-9.]+|localhost|\\[::1\\])(:[0-9]+)?/?")) {
            throw new IllegalArgumentException("--target must be a loopback URL (127.0.0.0/8, localhost or [::1])");
        }
        if (scenario.equals("store") && (target != null || findMax)) {
            throw new IllegalArgumentException("store runs the stores in this process as fast as they commit: no --target, no --find-max");
        }
        if (warmupStorms != null && !scenario.equals("reconnect")) throw new IllegalArgumentException("--warmup-storms is for reconnect");
        if (warmupStorms != null && warmupStorms > 0 && warmup != null && warmup == 0) {
            throw new IllegalArgumentException("--warmup 0 runs no warm-up storm: give --warmup-storms 0, or leave out --warmup 0");
        }
        if (nodes > 1 && !List.of("idle", "reconnect").contains(scenario)) throw new IllegalArgumentException("--nodes is for idle and reconnect");
        if (nodes > 1 && (target != null || !store.equals("postgres"))) {
            throw new IllegalArgumentException("--nodes starts nodes that share one store: give --store postgres, not --target");
        }
        if (aotCache != null && (target != null || List.of("store", "compare").contains(scenario))) {
            throw new IllegalArgumentException("--aot-cache is for the nodes bench starts: not with --target, store or compare");
        }
        if (relay && (!scenario.equals("direct") || target != null || store.equals("postgres") || aotCache != null)) {
            throw new IllegalArgumentException("--relay is for direct, and starts the relay itself: not with --target, --store postgres or --aot-cache");
        }
        if (aotCache != null && Runtime.version().feature() < 25) {
            throw new IllegalArgumentException("--aot-cache needs a JDK 25 or newer (its method profiles, JEP 515); this is " + Runtime.version());
        }
        if (clients != null && clients < nodes) throw new IllegalArgumentException("--clients must be at least --nodes (" + nodes + ")");
        int defaultClients = switch (scenario) {
            case "group" -> groupSize * 10;
            case "history", "media" -> 8;
            case "idle", "reconnect" -> 18_000;
            default -> 2_000;
        };
        double defaultRate = switch (scenario) {
            case "group" -> 1_000;
            case "history" -> 5_000;
            default -> 24_000;
        };
        if (out == null) out = Path.of("bench-results", scenario + "-" + java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        return new Options(scenario, target, store, pgUrl, clients == null ? defaultClients : clients, rate == null ? defaultRate : rate,
                duration, warmup != null ? warmup : List.of("idle", "reconnect", "media").contains(scenario) ? 5 : 30, json, out, findMax, p99 != null ? p99 : scenario.equals("group") ? 100 : 50, groupSize, messages, pageSize,
                stepFactor, compared, receipts, mediaSize, batch, nodes, aotCache, relay, warmupStorms != null ? warmupStorms : 3);
    }

    /**
     * The run that trains an AOT cache ({@link AotCache}): a reconnect storm of {@code devices} on one
     * node of this run's store, run twice (sign-in, connect, sync, send, deliver, receipts), into {@code out}.
     */
    Options aotTraining(int devices, Path out) {
        return new Options("reconnect", null, store, pgUrl, devices, 0, 1, 5, null, out, false, p99BoundMs, groupSize, messages, pageSize,
                stepFactor, compared, true, mediaSize, batch, 1, null, false, 1);
    }

    /**
     * A file option's FILE (--json, --aot-cache): a regular file, or none yet where bench may make
     * one; with {@code special}, also a device or pipe it may write to (--json /dev/stdout).
     */
    private static Path fileToWrite(String option, String v, boolean special) {
        Path f = absolute(v);
        if (f == null || f.getParent() == null || v.endsWith("/")) throw new IllegalArgumentException(option + " is a file, got '" + v + "'");
        if (Files.isRegularFile(f) || (special && Files.exists(f) && !Files.isDirectory(f) && Files.isWritable(f))) return f;
        if (Files.exists(f)) throw new IllegalArgumentException(option + " is a file, not " + (Files.isDirectory(f) ? "the folder " : "the special file ") + v);
        requireWritable(option, v, f.getParent());
        return f;
    }

    /** --out's DIR: a folder bench may write in, or none yet where bench may make one. */
    private static Path folderToWrite(String option, String v) {
        Path d = absolute(v);
        if (d == null) throw new IllegalArgumentException(option + " is a folder, got '" + v + "'");
        if (Files.exists(d) && !Files.isDirectory(d)) throw new IllegalArgumentException(option + " is a folder, not the file " + v);
        requireWritable(option, v, d);
        return Path.of(v);
    }

    private static Path absolute(String v) {
        try {
            return v.isBlank() ? null : Path.of(v).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** Refuses {@code folder} unless it, or its nearest existing parent (to make the rest in), is a folder bench may write in. */
    private static void requireWritable(String option, String v, Path folder) {
        Path existing = folder;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            throw new IllegalArgumentException(option + " " + v + ": bench cannot write in " + (existing == null ? folder : existing));
        }
    }

    private static int positive(String name, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer in " + min + ".." + max + ", got " + v);
        }
    }
}
