package org.parley.it.push;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PfxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A self-signed certificate for 127.0.0.1 made with the JDK's keytool, and HTTPS servers on
 * it (HTTP/2 by ALPN, HTTP/1.1 too) standing in for push providers. The node trusts the
 * certificate through push.trustCertFile.
 */
public final class TestTls {
    public static final String PASSWORD = "changeit";
    private static TestTls instance;

    public final Path keyStore;
    public final Path certPem;

    private TestTls(Path keyStore, Path certPem) {
        this.keyStore = keyStore;
        this.certPem = certPem;
    }

    public static synchronized TestTls get() {
        if (instance != null) return instance;
        try {
            Path dir = Files.createTempDirectory("parley-tls");
            Path ks = dir.resolve("standin.p12");
            Path pem = dir.resolve("standin.pem");
            // removed at exit, the folder after its files (deleteOnExit runs in reverse order)
            dir.toFile().deleteOnExit();
            ks.toFile().deleteOnExit();
            pem.toFile().deleteOnExit();
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            run(List.of(keytool, "-genkeypair", "-alias", "standin", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=push stand-in", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", ks.toString(),
                    "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
            run(List.of(keytool, "-exportcert", "-rfc", "-alias", "standin", "-keystore", ks.toString(), "-storepass", PASSWORD,
                    "-file", pem.toString()));
            instance = new TestTls(ks, pem);
            return instance;
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the test certificate: " + e.getMessage(), e);
        }
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(command.get(1) + " failed: " + out);
    }

    /**
     * An HTTPS server on 127.0.0.1 and a free port. The handler gets each request unread and
     * takes its body with {@code request.body()}.
     */
    public HttpServer serve(Vertx vertx, Consumer<HttpServerRequest> handler) {
        HttpServerOptions options = new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true).setUseAlpn(true)
                .setKeyCertOptions(new PfxOptions().setPath(keyStore.toString()).setPassword(PASSWORD));
        try {
            return vertx.createHttpServer(options).requestHandler(handler::accept).listen().toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("stand-in did not start: " + e.getMessage(), e);
        }
    }
}
