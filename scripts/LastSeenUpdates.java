// What PostgreSQL spends on devices' last-seen times at two page fills (docs/benchmarks.md, 35).
// Run from the repository's root after a build (./bench builds it):
//   java -cp loadgen/target/lib/postgresql-42.7.14.jar scripts/LastSeenUpdates.java [--vacuum] [JDBC_URL]
// (default jdbc:postgresql://127.0.0.1:5432/test?user=postgres). In a schema of its own
// (dropped after), a table of the node's `devices` shape and indexes holds 50,000 devices;
// every device then connects once a round, as in a reconnect storm: the node's statement
// (SqlAccountStore.setLastSeen) sets their times in batches of 512 devices inserted one after
// the other, writer.maxBatch's default, one transaction each. With --vacuum, a VACUUM of the
// table follows each round, as autovacuum would between storms. Five rounds at the default
// fill (100) and five with a fifth of each page left free (fillfactor 80, migration 12), twice,
// alternated; for each round, the server process's CPU (user + kernel, from /proc: the
// database on this machine) and how many of the updates were heap-only (written on the row's
// own page, no index entry).
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

public class LastSeenUpdates {
    static final int DEVICES = 50_000, BATCH = 512, ROUNDS = 5;

    public static void main(String[] args) throws Exception {
        boolean vacuum = java.util.Arrays.asList(args).contains("--vacuum");
        String url = java.util.Arrays.stream(args).filter(a -> !a.equals("--vacuum")).findFirst()
                .orElse("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        String schema = "lastseen_" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(url)) {
            for (int fill : new int[] {100, 80, 100, 80}) {
                try (Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                    s.execute("CREATE SCHEMA " + schema);
                    s.execute("SET search_path = " + schema);
                    s.execute("CREATE TABLE devices (device_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,"
                            + " token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, last_seen_at BIGINT, revoked_at BIGINT)"
                            + " WITH (fillfactor = " + fill + ")");
                    s.execute("CREATE INDEX devices_by_user ON devices (user_id)");
                    s.execute("INSERT INTO devices SELECT lpad(i::text, 22, 'd'), lpad(i::text, 22, 'u'), 'Phone', md5(i::text) || md5((-i)::text),"
                            + " 1000, NULL, NULL FROM generate_series(1, " + DEVICES + ") i");
                    s.execute("VACUUM ANALYZE devices");
                }
                for (int round = 1; round <= ROUNDS; round++) {
                    long hot0 = hotUpdates(c), cpu0 = backendCpuMillis(c), wall0 = System.nanoTime();
                    c.setAutoCommit(false);
                    try (PreparedStatement ps = c.prepareStatement("UPDATE devices SET last_seen_at = ? WHERE device_id = ?"
                            + " AND (last_seen_at IS NULL OR last_seen_at < ?)")) {
                        for (int i = 1; i <= DEVICES; i++) {
                            long at = round * 1_000_000L + i;
                            ps.setLong(1, at);
                            ps.setString(2, String.format("%22s", i).replace(' ', 'd'));
                            ps.setLong(3, at);
                            ps.addBatch();
                            if (i % BATCH == 0 || i == DEVICES) {
                                ps.executeBatch();
                                c.commit();
                            }
                        }
                    }
                    c.setAutoCommit(true);
                    if (vacuum) try (Statement s = c.createStatement()) {
                        s.execute("VACUUM devices");
                    }
                    long wallMs = (System.nanoTime() - wall0) / 1_000_000, cpuMs = backendCpuMillis(c) - cpu0;
                    System.out.printf("fillfactor %3d, round %d: %,d updates in %,d ms, database CPU %,d ms, heap-only %,d%n",
                            fill, round, DEVICES, wallMs, cpuMs, hotUpdates(c) - hot0);
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    /** Heap-only updates of the table so far (the statistics of this backend, flushed first). */
    static long hotUpdates(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_force_next_flush()");
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_stat_get_tuples_hot_updated('devices'::regclass)")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** This connection's server process: user + kernel CPU, from /proc (the database runs on this machine). */
    static long backendCpuMillis(Connection c) throws Exception {
        int pid;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getInt(1);
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // utime, stime in ticks of 10 ms
    }
}
