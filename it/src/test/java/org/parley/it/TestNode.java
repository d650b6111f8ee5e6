package org.parley.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.parley.client.ParleyClient;
import org.parley.client.RestClient;
import org.parley.server.app.Config;
import org.parley.server.app.Node;

/** A node in this JVM on a free port, on a fresh SQLite folder or a fresh PostgreSQL schema. */
final class TestNode implements AutoCloseable {
    static final String PG_URL = System.getProperty("parley.test.pgUrl", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final AtomicInteger PHONES = new AtomicInteger(ThreadLocalRandom.current().nextInt(1_000_000));

    enum Store { SQLITE, POSTGRES }

    /** A signed-in device: its REST client and identity. */
    record Device(RestClient rest, String userId, String deviceId, String token, String phone) {}

    private final Node node;
    private final String schema;
    private final Path dataDir;
    /** Whether the data folder was made here (deleted at close) rather than given by the test (kept for a restart). */
    private final boolean ownsDataDir;

    private TestNode(Node node, String schema, Path dataDir, boolean ownsDataDir) {
        this.node = node;
        this.schema = schema;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    static TestNode start(Store store) {
        return start(store, Map.of());
    }

    static TestNode start(Store store, Map<String, String> extra) {
        return start(store, extra, java.time.Clock.systemUTC());
    }

    /** With a clock the test moves (retention, expiry). */
    static TestNode start(Store store, Map<String, String> extra, java.time.Clock clock) {
        Map<String, String> made = storeSettings(store);
        boolean ownsDataDir = !extra.containsKey("data.dir");
        if (!ownsDataDir) TempDirs.delete(Path.of(made.get("data.dir"))); // the test's own folder is used instead
        Map<String, String> overrides = new HashMap<>(made);
        overrides.put("port", "0");
        overrides.put("host", "127.0.0.1");
        overrides.put("auth.devCodes", "true");
        overrides.putAll(extra);
        BlockedLoopWatch.INSTANCE.getClass(); // start collecting before the node runs
        // A stricter blocked-thread check than production: any event-loop task over 500 ms is
        // reported, and MessagingContract fails on such reports (nothing may block an event loop).
        Node node = Node.start(Config.load(null, Map.of(), overrides), clock, o -> o
                .setMaxEventLoopExecuteTime(500).setMaxEventLoopExecuteTimeUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                .setBlockedThreadCheckInterval(100).setBlockedThreadCheckIntervalUnit(java.util.concurrent.TimeUnit.MILLISECONDS));
        return new TestNode(node, overrides.get("pg.schema"), overrides.containsKey("data.dir") ? Path.of(overrides.get("data.dir")) : null,
                ownsDataDir);
    }

    /** Settings for a fresh store of the given kind. */
    static Map<String, String> storeSettings(Store store) {
        try {
            return switch (store) {
                case SQLITE -> Map.of("store", "sqlite", "data.dir", Files.createTempDirectory("parley-it").toString());
                case POSTGRES -> Map.of("store", "postgres", "pg.url", PG_URL,
                        "pg.schema", "t_it_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1),
                        "data.dir", Files.createTempDirectory("parley-it").toString()); // media live in the data folder
            };
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void dropSchema(String schema) {
        if (schema == null) return;
        try (var c = DriverManager.getConnection(PG_URL); var s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (Exception e) {
            // best effort
        }
    }

    /** Warnings the blocked-thread checker logged for event loops since this JVM started. */
    static List<String> blockedEventLoops() {
        return BlockedLoopWatch.INSTANCE.events();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + node.port());
    }

    /** The node's data folder (its media live under media/). */
    Path dataDir() {
        return dataDir;
    }

    int port() {
        return node.port();
    }

    /** The node's PostgreSQL schema; null on SQLite. */
    String schema() {
        return schema;
    }

    static String newPhone() {
        return String.format("+1555%07d", PHONES.incrementAndGet() % 10_000_000);
    }

    Device signUp(String displayName) {
        return signIn(newPhone(), displayName);
    }

    /** Signs in (a new device) for the phone; names the user when displayName is given. */
    Device signIn(String phone, String displayName) {
        return signIn(uri(), phone, displayName);
    }

    static Device signIn(URI uri, String phone, String displayName) {
        RestClient rest = new RestClient(uri, HttpClient.newHttpClient());
        String code = rest.requestCode(phone).devCode();
        var issued = rest.signIn(phone, code, "test device");
        if (displayName != null) rest.updateProfile(displayName, null);
        return new Device(rest, issued.userId(), issued.deviceId(), issued.token(), phone);
    }

    ParleyClient connect(Device d, Recorder recorder) {
        ParleyClient client = ParleyClient.create(uri(), d.token(), recorder);
        client.connect();
        return client;
    }

    @Override
    public void close() {
        node.close();
        dropSchema(schema);
        if (ownsDataDir) TempDirs.delete(dataDir);
    }
}
