package org.parley.server.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code parley-server [--config FILE] [--port N] [--data-dir DIR] [--store sqlite|postgres] [--pg-url URL] [--host H]} */
public final class Main {
    private static final String USAGE = """
            usage: parley-server [options]
              --config FILE         YAML config file (keys as in docs/operations.md)
              --port N              HTTP/WebSocket port (env PARLEY_PORT, default 8080; 0 = any free port)
              --data-dir DIR        embedded store folder (env PARLEY_DATA_DIR, default ./data)
              --store KIND          sqlite (default) or postgres (env PARLEY_STORE)
              --pg-url URL          PostgreSQL JDBC URL (env PARLEY_PG_URL)
              --pg-schema NAME      PostgreSQL schema (env PARLEY_PG_SCHEMA)
              --host ADDR           interface to listen on (env PARLEY_HOST, default 0.0.0.0)
              --set KEY=VALUE       any config key
              --help                this text
            """;

    private Main() {}

    public static void main(String[] args) {
        Logger log;
        Node node;
        try {
            Path configFile = null;
            Map<String, String> overrides = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--help") || arg.equals("-h")) {
                    System.out.print(USAGE);
                    return;
                }
                String flag = arg;
                String value;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0 && !arg.startsWith("--set")) {
                    flag = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                } else {
                    if (i + 1 >= args.length) throw new Config.Invalid("option " + arg + " needs a value\n" + USAGE);
                    value = args[++i];
                }
                switch (flag) {
                    case "--config" -> {
                        configFile = Path.of(value);
                        if (!Files.isRegularFile(configFile)) throw new Config.Invalid("config file " + value + " does not exist");
                    }
                    case "--port" -> overrides.put("port", value);
                    case "--data-dir" -> overrides.put("data.dir", value);
                    case "--store" -> overrides.put("store", value);
                    case "--pg-url" -> overrides.put("pg.url", value);
                    case "--pg-schema" -> overrides.put("pg.schema", value);
                    case "--host" -> overrides.put("host", value);
                    case "--set" -> {
                        int at = value.indexOf('=');
                        if (at <= 0) throw new Config.Invalid("--set needs KEY=VALUE, got " + value);
                        overrides.put(value.substring(0, at), value.substring(at + 1));
                    }
                    default -> throw new Config.Invalid("unknown option " + arg + "\n" + USAGE);
                }
            }
            Config config = Config.load(configFile, System.getenv(), overrides);
            log = LoggerFactory.getLogger(Main.class);
            node = Node.start(config);
            if (config.devCodes()) {
                log.warn("auth.devCodes is on: sign-in codes are returned in API responses. For development only;"
                        + " set PARLEY_AUTH_DEVCODES=false for real users.");
            }
            log.info("store: {}{}", config.store(), config.store().equals("sqlite") ? " at " + config.dataDir().toAbsolutePath() : "");
            System.out.println("Parley is running at http://localhost:" + node.port() + "/  (health: /health, metrics: /metrics)");
        } catch (Config.Invalid e) {
            System.err.println("parley: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            System.err.println("parley: cannot start: " + e.getMessage());
            LoggerFactory.getLogger(Main.class).error("start-up failed", e);
            System.exit(1);
            return;
        }
        Node running = node;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown").unstarted(running::close));
    }
}
