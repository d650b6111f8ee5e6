package org.parley.it.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.server.push.PushHttp;

/** The stand-ins' TLS works the way the real providers' does: trusted by PushHttp, spoken over HTTP/2. */
class TestTlsIT {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aPostThroughThePushClientArrivesOverHttp2WithItsBody() throws Exception {
        var seen = new CopyOnWriteArrayList<String>();
        HttpServer server = TestTls.get().serve(vertx, request -> request.body().onSuccess(body -> {
            seen.add(request.version() + " " + request.method() + " " + body);
            request.response().end("ok");
        }));

        HttpClient client = PushHttp.client(TestTls.get().certPem);
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.actualPort() + "/x"))
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(seen).containsExactly(HttpVersion.HTTP_2 + " POST hello");
    }
}
