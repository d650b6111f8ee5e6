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
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's ejabberd, started for {@code ./bench compare} in a temporary folder with its own
 * Erlang node name and loopback port, on its own PostgreSQL database (ejabberd's schema,
 * {@code synchronous_commit} as the server has it, on by default), with the message archive
 * (mod_mam) on for every user and room, so each message is stored the way Parley stores it.
 * Users and rooms are made with ejabberdctl's commands, called through ejabberd's HTTP API
 * (mod_http_api): starting ejabberdctl once per user costs ~0.3 s, 10 minutes for 2,000 users.
 */
final class Ejabberd {
    static final String PASSWORD = "bench-secret";
    private static final String CTL = "/usr/sbin/ejabberdctl";
    private static final String SCHEMA = "/usr/share/ejabberd/sql/pg.sql";
    private final URI uri;
    private final String domain = "bench.localhost";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private Ejabberd(URI uri) {
        this.uri = uri;
    }

    String domain() {
        return domain;
    }

    /** Starts ejabberd; closing the returned node stops it and drops its database. */
    static Started start(Options o) throws Exception {
        if (!Files.isExecutable(Path.of(CTL)) || !Files.exists(Path.of(SCHEMA))) {
            throw new IllegalStateException("ejabberd is not installed: ./bench compare installs Debian's ejabberd and erlang-p1-pgsql");
        }
        Pg pg = Pg.of(o.pgUrl());
        String id = Long.toHexString(System.nanoTime());
        String database = "ejabberd_bench_" + id;
        String node = "parleybench" + id + "@localhost";
        Path dir = Files.createTempDirectory("parley-bench-ejabberd");
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("spool"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        pg.psql("postgres", "-c", "CREATE DATABASE " + database);
        pg.psql(database, "-f", SCHEMA);
        Files.writeString(dir.resolve("ejabberd.yml"), config(pg, database, port));
        // ejabberdctl refuses more sockets than ERL_MAX_PORTS (32,000 by default)
        Files.writeString(dir.resolve("ejabberdctl.cfg"), "ERL_MAX_PORTS=262144\nERL_PROCESSES=1000000\n");
        run("chown", "-R", "ejabberd:", dir.toString());
        // ejabberdctl run by root switches to the ejabberd user with su, whose PAM session drops
        // the open-file limit to 1,024; switching with setpriv keeps the limit bench raised.
        List<String> ctl = List.of("setpriv", "--reuid=ejabberd", "--regid=ejabberd", "--init-groups", CTL, "--node", node, "--config", dir.resolve("ejabberd.yml").toString(), "--ctl-config",
                dir.resolve("ejabberdctl.cfg").toString(), "--logs", dir.resolve("logs").toString(), "--spool", dir.resolve("spool").toString());
        List<String> cmd = new ArrayList<>(ctl);
        cmd.add("foreground");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("ejabberd.out").toFile());
        pb.environment().put("HOME", "/var/lib/ejabberd"); // where the Erlang cookie ejabberdctl uses lives
        Process p = pb.start();
        URI uri = URI.create("http://127.0.0.1:" + port);
        Ejabberd server = new Ejabberd(uri);
        AutoCloseable stop = () -> {
            List<String> stopCmd = new ArrayList<>(ctl);
            stopCmd.add("stop");
            try {
                ProcessBuilder stopper = new ProcessBuilder(stopCmd);
                stopper.environment().put("HOME", "/var/lib/ejabberd");
                stopper.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
                if (!p.waitFor(30, TimeUnit.SECONDS)) p.descendants().forEach(ProcessHandle::destroyForcibly);
            } finally {
                pg.psql("postgres", "-c", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        };
        try {
            NodeUnderTest.awaitHealthy(uri, p, "/api/status", dir.resolve("ejabberd.out"), 60);
            long beam = p.descendants().filter(h -> h.info().command().orElse("").contains("beam")).mapToLong(ProcessHandle::pid)
                    .findFirst().orElse(-1);
            return new Started(server, new NodeUnderTest(uri, p, beam, "ejabberd/postgres", stop, () -> pg.psql(database, "-c", "ANALYZE")));
        } catch (Exception e) {
            stop.close();
            p.destroyForcibly();
            throw e;
        }
    }

    record Started(Ejabberd server, NodeUnderTest node) {}

    private static String config(Pg pg, String database, int port) {
        return """
                hosts: ["bench.localhost"]
                loglevel: warning
                hide_sensitive_log_data: true
                default_db: sql
                sql_type: pgsql
                sql_server: "%s"
                sql_port: %d
                sql_database: "%s"
                sql_username: "%s"
                sql_password: ""
                sql_pool_size: 10
                auth_method: sql
                auth_password_format: plain
                listen:
                  -
                    port: %d
                    ip: "127.0.0.1"
                    backlog: 4096
                    module: ejabberd_http
                    request_handlers:
                      /ws: ejabberd_http_ws
                      /api: mod_http_api
                api_permissions:
                  "bench admin over loopback":
                    from:
                      - ejabberd_ctl
                      - mod_http_api
                    who:
                      ip: 127.0.0.0/8
                    what: "*"
                access_rules:
                  c2s:
                    allow: all
                  local:
                    allow: all
                modules:
                  mod_mam:
                    db_type: sql
                    default: always
                    assume_mam_usage: true
                  mod_muc:
                    db_type: sql
                    access: all
                    access_create: all
                    access_persistent: all
                    history_size: 0
                    max_users: 200
                    default_room_options:
                      mam: true
                      persistent: true
                  mod_muc_admin: {}
                  mod_ping: {}
                """.formatted(pg.host(), pg.port(), database, pg.user(), port);
    }

    /** Registers users u0 .. u(n-1), 32 at a time. */
    void register(int n) throws Exception {
        Semaphore window = new Semaphore(32);
        List<Future<?>> futures = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                String user = XmppConn.user(i);
                futures.add(pool.submit(() -> {
                    window.acquire();
                    try {
                        return api("register", "{\"user\":\"" + user + "\",\"host\":\"" + domain + "\",\"password\":\"" + PASSWORD + "\"}");
                    } finally {
                        window.release();
                    }
                }));
            }
            for (Future<?> f : futures) f.get();
        }
    }

    /** Creates a persistent, archived room for up to 200 and returns its address. */
    String createRoom(String name) throws Exception {
        api("create_room_with_opts", "{\"name\":\"" + name + "\",\"service\":\"conference." + domain + "\",\"host\":\"" + domain
                + "\",\"options\":[{\"name\":\"persistent\",\"value\":\"true\"},{\"name\":\"mam\",\"value\":\"true\"},"
                + "{\"name\":\"max_users\",\"value\":\"200\"}]}");
        return name + "@conference." + domain;
    }

    private String api(String command, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve("/api/" + command)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || r.body().contains("\"status\":\"error\"")) {
            throw new IllegalStateException("ejabberd " + command + " -> " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }

    /** Where PostgreSQL is, read from the JDBC URL bench was given; psql does the rest. */
    record Pg(String host, int port, String user) {
        static Pg of(String jdbcUrl) {
            Matcher m = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/[^?]*(?:\\?(.*))?").matcher(jdbcUrl);
            if (!m.matches()) throw new IllegalArgumentException("--pg-url is not a jdbc:postgresql:// URL: " + jdbcUrl);
            String user = "postgres";
            if (m.group(3) != null) {
                for (String kv : m.group(3).split("&")) if (kv.startsWith("user=")) user = kv.substring(5);
            }
            return new Pg(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)), user);
        }

        void psql(String database, String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", Integer.toString(port),
                    "-U", user, "-d", database));
            cmd.addAll(List.of(args));
            run(cmd.toArray(String[]::new));
        }
    }
}
