package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./bench idle|reconnect --nodes 2}: two real nodes on the machine's PostgreSQL, a driver process for each. */
class SeveralNodesIT {
    @TempDir
    Path out;

    @Test
    void socketsSplitOverSeveralNodesAreEachHeldByADriverProcessOfItsOwn() throws Exception {
        Options o = Options.parse(new String[] {"idle", "--clients", "301", "--nodes", "2", "--store", "postgres", "--warmup", "0",
                "--duration", "1", "--out", out.toString()});
        long schemasBefore = benchSchemas(o.pgUrl());
        Result r;
        try (NodeUnderTest node = NodeUnderTest.start(o)) {
            assertThat(node.uris()).hasSize(2).doesNotHaveDuplicates();
            assertThat(node.storeDescription(o)).isEqualTo("postgres (2 nodes)");
            try (IdleScenario idle = new IdleScenario(o, node)) {
                idle.setUp();
                assertThat(driverProcesses()).isEqualTo(2);
                assertThat(benchSchemas(o.pgUrl())).as("both nodes on one schema").isEqualTo(schemasBefore + 1);
                assertThat(openSockets(node.uris().get(0))).isEqualTo(151);
                assertThat(openSockets(node.uris().get(1))).isEqualTo(150);
                r = idle.run(0, o.warmupS(), o.durationS());
            }
            assertThat(driverProcesses()).as("drivers end with the scenario").isZero();
        }
        assertThat(r.correct()).isTrue();
        assertThat(r.connections()).isEqualTo(301);
        assertThat(r.errors()).isZero();
        assertThat(r.serverBytesPerConnection()).as("the live heap of both nodes read").isNotNull();
        assertThat(r.serverRssMiB()).as("two JVMs").isGreaterThan(100);
        assertThat(r.p50Ms()).as("connect times came back from the drivers").isPositive();
        assertThat(out.resolve("driver-1.log")).exists();
        assertThat(out.resolve("driver-2.log")).exists();
        assertThat(benchSchemas(o.pgUrl())).as("the nodes' schema dropped").isEqualTo(schemasBefore);
    }

    @Test
    void devicesOfSeveralNodesAllReconnectAndCatchUpFromTheSharedStore() throws Exception {
        Options o = Options.parse(new String[] {"reconnect", "--clients", "121", "--nodes", "2", "--store", "postgres", "--out", out.toString()});
        Result r;
        try (NodeUnderTest node = NodeUnderTest.start(o); ReconnectScenario reconnect = new ReconnectScenario(o, node)) {
            reconnect.setUp();
            assertThat(driverProcesses()).isEqualTo(2);
            r = reconnect.run(0, 5, 0); // with warm-up storms: every device gets 20 more messages before each storm
        }
        assertThat(driverProcesses()).isZero();
        assertThat(r.correct()).as("nothing lost, doubled or out of order: %s", r).isTrue();
        assertThat(r.sent()).isEqualTo(121 * 20);
        assertThat(r.delivered()).as("every device got its 20 missed messages, and only those, after the warm-up's").isEqualTo(121 * 20);
        assertThat(r.maxMs()).as("the time until the last device caught up, from the drivers").isPositive();
        assertThat(r.store()).isEqualTo("postgres (2 nodes)");
    }

    private static long driverProcesses() {
        // /proc rather than ProcessHandle.Info, whose command line is empty when it is as long as a test's class path
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(p -> {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"));
            } catch (java.io.IOException e) {
                return "";
            }
        }).filter(c -> c.contains(IdleWorker.class.getName()) || c.contains(ReconnectWorker.class.getName())).count();
    }

    /** The node's own count of open WebSockets, from its metrics. */
    private static int openSockets(URI node) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(node.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^parley_ws_connections(?:\\{[^}]*\\})? ([0-9.]+)").matcher(metrics);
        assertThat(m.find()).as("parley_ws_connections in /metrics").isTrue();
        return (int) Double.parseDouble(m.group(1));
    }

    private static long benchSchemas(String pgUrl) throws Exception {
        try (var c = DriverManager.getConnection(pgUrl); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'bench\\_%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
