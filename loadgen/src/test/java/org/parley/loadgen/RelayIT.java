package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./bench direct --relay}: the relay as a process of its own, driven and checked like a node. */
class RelayIT {
    @TempDir
    Path out;

    @Test
    void directAgainstTheRelayIsDrivenAndCheckedLikeANode() throws Exception {
        Options o = Options.parse(new String[] {"direct", "--relay", "--clients", "40", "--rate", "400", "--warmup", "1", "--duration", "2",
                "--out", out.toString()});
        Result r;
        long pid;
        try (NodeUnderTest relay = NodeUnderTest.start(o)) {
            pid = ProcessHandle.current().descendants().filter(p -> cmdline(p).contains(Relay.class.getName())).findFirst().orElseThrow().pid();
            Bench.Runs runs = Bench.measure(o, relay, null);
            r = runs.best();
        }
        assertThat(r.correct()).as("%s", r).isTrue();
        assertThat(r.store()).isEqualTo("relay (stores nothing)");
        assertThat(r.sent()).as("every send acked").isEqualTo(800);
        assertThat(r.delivered()).as("and delivered once, in order").isEqualTo(800);
        assertThat(r.serverCpuPct()).as("read from the relay's process").isNotNull();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("stopped with the run").isFalse();
    }

    @Test
    void theRelayRefusesWhatItDoesNotKnow() throws Exception {
        Options o = Options.parse(new String[] {"direct", "--relay", "--out", out.toString()});
        Vertx vertx = Vertx.vertx();
        try (NodeUnderTest relay = NodeUnderTest.start(o); HttpClient http = HttpClient.newHttpClient()) {
            URI base = relay.uri();
            assertThat(post(http, base, "/v1/chats", null, "{\"type\":\"direct\",\"userId\":\"u1\"}").statusCode()).as("no token").isEqualTo(400);
            assertThat(post(http, base, "/v1/auth/token", null, "{").statusCode()).as("not JSON").isEqualTo(400);
            assertThat(post(http, base, "/v1/auth/token", null, "{\"x\":\"" + "y".repeat(5000) + "\"}").statusCode()).as("too long").isEqualTo(413);
            java.util.List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> signedUp = post(http, base, "/v1/auth/token", null, "{}");
                assertThat(signedUp.statusCode()).isEqualTo(200);
                ids.add(field(signedUp.body(), "userId"));
            }
            assertThat(ids.get(0)).as("22 characters, as a node's ids").hasSize(22);
            assertThat(post(http, base, "/v1/chats", "t1", "{\"type\":\"group\",\"members\":[]}").body()).contains("INVALID_REQUEST");
            assertThat(post(http, base, "/v1/chats", "t1", "{\"type\":\"direct\",\"userId\":\"u9\"}").statusCode()).as("no such user").isEqualTo(400);
            assertThat(post(http, base, "/v1/nothing", "t1", "{}").statusCode()).isEqualTo(404);
            HttpResponse<String> opened = post(http, base, "/v1/chats", "t1", "{\"type\":\"direct\",\"userId\":\"" + ids.get(1) + "\"}");
            assertThat(opened.statusCode()).isEqualTo(200);
            String chat = field(opened.body(), "chatId");

            WebSocketClient client = vertx.createWebSocketClient();
            assertThat(connect(client, base, "t7")).as("no such user").failsWithin(10, TimeUnit.SECONDS);
            var third = connect(client, base, "t3").get(10, TimeUnit.SECONDS);
            java.util.concurrent.BlockingQueue<String> errors = new java.util.concurrent.LinkedBlockingQueue<>();
            third.textMessageHandler(t -> {
                if (t.contains("\"error\"")) errors.add(t);
            });
            third.writeTextMessage("{\"type\":\"send\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"x\",\"text\":\"1\"}");
            assertThat(errors.poll(10, TimeUnit.SECONDS)).as("someone else's chat").contains("NOT_A_MEMBER");
            for (String bad : new String[] {"{\"type\":\"send\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"x\"}",
                    "{\"type\":\"send\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"x\",\"text\":\"a\\\\\"}",
                    "{\"type\":\"send\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"x\",\"text\":\"open", "{\"type\":\"typing\"}",
                    "{\"type\":\"delivered\",\"chatId\":\"" + chat + "\"}", "{\"type\":\"delivered\",\"chatId\":\"" + chat + "\",\"upToSeq\":\"3\"}"}) {
                third.writeTextMessage(bad);
                assertThat(errors.poll(10, TimeUnit.SECONDS)).as(bad).contains("INVALID_FRAME");
            }
        } finally {
            vertx.close();
        }
    }

    private static java.util.concurrent.CompletableFuture<io.vertx.core.http.WebSocket> connect(WebSocketClient client, URI base, String token) {
        return client.connect(new WebSocketConnectOptions().setPort(base.getPort()).setHost("127.0.0.1").setURI("/v1/ws")
                .addHeader("Authorization", "Bearer " + token)).toCompletionStage().toCompletableFuture();
    }

    private static String field(String json, String field) throws Exception {
        return org.parley.protocol.WireJson.mapper().readTree(json).get(field).asText();
    }

    /** From /proc: ProcessHandle.Info's command line is empty when it is as long as a test's class path. */
    private static String cmdline(ProcessHandle p) {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/" + p.pid() + "/cmdline"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI base, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
