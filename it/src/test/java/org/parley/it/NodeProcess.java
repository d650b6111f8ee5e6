package org.parley.it;

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
import java.util.Map;

/** A node in its own JVM, started from the built jar, so it can be killed like a real one. */
final class NodeProcess implements AutoCloseable {
    private final List<String> command;
    private final Path log;
    /** The node's data folder (its settings' data.dir), deleted with its log at close; or null. */
    private final Path dataDir;
    private final int port;
    private Process process;

    NodeProcess(Map<String, String> settings) throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String jar = System.getProperty("parley.serverJar");
        if (jar == null || !Files.exists(Path.of(jar))) throw new IllegalStateException("server jar not built: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-jar", jar,
                "--port", Integer.toString(port), "--host", "127.0.0.1", "--set", "auth.devCodes=true"));
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        log = Files.createTempFile("parley-node", ".log");
        dataDir = settings.containsKey("data.dir") ? Path.of(settings.get("data.dir")) : null;
    }

    int port() {
        return port;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    Path log() {
        return log;
    }

    /** Starts the node and waits until /health answers 200. */
    NodeProcess start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("PARLEY_"));
        process = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("node exited with " + process.exitValue() + "; log:\n" + Files.readString(log));
            try {
                var r = http.send(HttpRequest.newBuilder(uri().resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return this;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("node did not become healthy; log:\n" + Files.readString(log));
    }

    /** SIGKILL: no shutdown hook, no flush. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, then waits for the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) kill();
        TempDirs.delete(dataDir);
        TempDirs.delete(log);
    }
}
