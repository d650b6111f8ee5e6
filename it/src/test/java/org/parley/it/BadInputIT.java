package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.parley.protocol.WireJson;

/**
 * Bad input over REST and WebSocket: each gets its stable error code, nothing is stored, and
 * the node keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    private TestNode node;
    private TestNode.Device ana;
    private TestNode.Device ben;
    private String chat;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        node = TestNode.start(TestNode.Store.SQLITE, Map.of("http.maxBodyBytes", "200000", "ws.maxFrameBytes", "150000",
                "auth.lookupsPerUserPerHour", "3"));
        ana = node.signUp("Ana");
        ben = node.signUp("Ben");
        chat = ana.rest().openDirect(ben.userId()).chatId();
        ana.rest().send(chat, "first", "the only message", null);
    }

    @AfterAll
    void stop() {
        node.close();
    }

    private record Answer(int status, String code) {}

    private Answer post(String path, String token, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.uri() + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (contentType != null) b.header("Content-Type", contentType);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() ? null : WireJson.mapper().readTree(r.body());
        return new Answer(r.statusCode(), json == null ? null : json.path("error").path("code").asText(null));
    }

    private Answer send(String token, String json) throws Exception {
        return post("/v1/chats/" + chat + "/messages", token, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private void assertNothingStoredAndStillServing() {
        assertThat(ben.rest().messages(chat, null, null, null).messages()).hasSize(1);
        assertThat(ben.rest().me().userId()).isEqualTo(ben.userId());
    }

    @Test
    void restRefusesBadRequestsWithStableCodes() throws Exception {
        String t = ana.token();
        assertThat(send(t, "{\"clientMsgId\":\"a\",\"text\":")).isEqualTo(new Answer(400, "MALFORMED_JSON"));
        assertThat(send(t, "[1,2]")).isEqualTo(new Answer(400, "INVALID_FIELD"));
        assertThat(send(t, "{\"clientMsgId\":7,\"text\":\"x\"}")).isEqualTo(new Answer(400, "INVALID_FIELD"));
        assertThat(send(t, "{\"clientMsgId\":\"a\",\"text\":true}")).isEqualTo(new Answer(400, "INVALID_FIELD"));
        assertThat(send(t, "{\"clientMsgId\":\"a\"}")).isEqualTo(new Answer(400, "INVALID_FIELD"));
        assertThat(send(t, "{\"clientMsgId\":\"a\",\"text\":\"" + "x".repeat(65_537) + "\"}")).isEqualTo(new Answer(400, "TEXT_TOO_LONG"));
        assertThat(send(t, "{\"clientMsgId\":\"a\",\"text\":\"\\ud800\"}")).isEqualTo(new Answer(400, "INVALID_UTF8"));
        assertThat(send(t, "{\"clientMsgId\":\"a\",\"text\":\"nul \\u0000 byte\"}")).isEqualTo(new Answer(400, "INVALID_FIELD"));
        assertThat(send(t, "{\"clientMsgId\":\"a\",\"text\":\"escape \\u001b[2J\"}")).isEqualTo(new Answer(400, "INVALID_FIELD"));
        assertThat(send(t, "{\"clientMsgId\":\"a\",\"text\":\"x\",\"replyTo\":\"no-such-message\"}")).isEqualTo(new Answer(400, "REPLY_NOT_FOUND"));
        byte[] invalidUtf8 = "{\"clientMsgId\":\"a\",\"text\":\"\u00ff\u00fe\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(post("/v1/chats/" + chat + "/messages", t, "application/json", invalidUtf8)).isEqualTo(new Answer(400, "INVALID_UTF8"));
        assertThat(post("/v1/chats/" + chat + "/messages", t, "text/plain", "{}".getBytes())).isEqualTo(new Answer(415, "UNSUPPORTED_MEDIA_TYPE"));
        assertThat(post("/v1/chats/" + chat + "/messages", t, "application/json", new byte[300_000])).isEqualTo(new Answer(413, "BODY_TOO_LARGE"));
        assertNothingStoredAndStillServing();
    }

    @Test
    void restRefusesMissingForgedAndSignedOutTokens() throws Exception {
        String body = "{\"clientMsgId\":\"tok\",\"text\":\"x\"}";
        assertThat(send(null, body)).isEqualTo(new Answer(401, "UNAUTHENTICATED"));
        assertThat(send("forged-" + ana.token(), body)).isEqualTo(new Answer(401, "UNAUTHENTICATED"));
        var spare = node.signIn(ana.phone(), null);
        ana.rest().signOut(spare.deviceId());
        assertThat(send(spare.token(), body)).isEqualTo(new Answer(401, "UNAUTHENTICATED"));
        HttpResponse<String> basic = http.send(HttpRequest.newBuilder(URI.create(node.uri() + "/v1/me"))
                .header("Authorization", "Basic abc").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(basic.statusCode()).isEqualTo(401);
        assertNothingStoredAndStillServing();
    }

    @Test
    void foreignAndUnknownChatsLookTheSame() throws Exception {
        var eve = node.signUp("Eve");
        Answer foreign = send(eve.token(), "{\"clientMsgId\":\"e\",\"text\":\"let me in\"}");
        Answer unknown = post("/v1/chats/AAAAAAAAAAAAAAAAAAAAAA/messages", eve.token(), "application/json",
                "{\"clientMsgId\":\"e\",\"text\":\"x\"}".getBytes());
        assertThat(foreign).isEqualTo(unknown).isEqualTo(new Answer(404, "CHAT_NOT_FOUND"));
        assertThat(post("/v1/chats/" + chat + "/read", eve.token(), "application/json", "{\"upToSeq\":1}".getBytes()))
                .isEqualTo(new Answer(404, "CHAT_NOT_FOUND"));
        HttpResponse<String> history = http.send(HttpRequest.newBuilder(URI.create(node.uri() + "/v1/chats/" + chat + "/messages"))
                .header("Authorization", "Bearer " + eve.token()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(history.statusCode()).isEqualTo(404);
        assertThat(history.body()).contains("CHAT_NOT_FOUND").doesNotContain("the only message");
        assertNothingStoredAndStillServing();
    }

    @Test
    void phoneLookUpsAreLimitedPerUser() {
        var walker = node.signUp("Walker");
        for (int i = 0; i < 3; i++) assertThat(walker.rest().lookUp(ben.phone()).userId()).isEqualTo(ben.userId());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> walker.rest().lookUp(ana.phone()))
                .isInstanceOfSatisfying(org.parley.client.ParleyException.class, e -> assertThat(e.code()).isEqualTo("RATE_LIMITED"));
    }

    @Test
    void signInRefusesBadPhonesAndWrongCodes() throws Exception {
        assertThat(post("/v1/auth/code", null, "application/json", "{\"phone\":\"12345\"}".getBytes())).isEqualTo(new Answer(400, "INVALID_PHONE"));
        String phone = TestNode.newPhone();
        String code = ana.rest().requestCode(phone).devCode();
        String wrong = code.equals("000000") ? "111111" : "000000";
        String attempt = "{\"phone\":\"" + phone + "\",\"code\":\"" + wrong + "\",\"deviceName\":\"x\"}";
        for (int i = 1; i < 5; i++) assertThat(post("/v1/auth/token", null, "application/json", attempt.getBytes())).isEqualTo(new Answer(401, "CODE_INVALID"));
        assertThat(post("/v1/auth/token", null, "application/json", attempt.getBytes())).isEqualTo(new Answer(429, "CODE_ATTEMPTS_EXCEEDED"));
        String right = "{\"phone\":\"" + phone + "\",\"code\":\"" + code + "\",\"deviceName\":\"x\"}";
        assertThat(post("/v1/auth/token", null, "application/json", right.getBytes()))
                .as("the code is void after five wrong tries").isEqualTo(new Answer(401, "CODE_EXPIRED"));
        for (int i = 0; i < 4; i++) ana.rest().requestCode(phone);
        assertThat(post("/v1/auth/code", null, "application/json", ("{\"phone\":\"" + phone + "\"}").getBytes()))
                .as("per-phone limit applies even in dev mode").isEqualTo(new Answer(429, "RATE_LIMITED"));
    }

    @Test
    void webSocketHandshakeFragmentsAndCloseFollowRfc6455() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token(), "")) {
            assertThat(ws.httpStatus).as("a plain GET with a valid token").isEqualTo(400);
            assertThat(ws.headers.get("content-type")).startsWith("text/plain");
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token(), "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n")) {
            assertThat(ws.httpStatus).as("an upgrade with a body").isEqualTo(400);
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token(), "Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 8\r\n")) {
            assertThat(ws.httpStatus).as("an old protocol version").isEqualTo(426);
            assertThat(ws.headers.get("sec-websocket-version")).isEqualTo("13");
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token(), "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")) { // as browsers ask
            assertThat(ws.httpStatus).as("tokens are case-insensitive and may share the header").isEqualTo(101);
            assertThat(ws.headers).as("no compression is negotiated").doesNotContainKey("sec-websocket-extensions");
            ws.nextTextContaining("\"type\":\"ready\"");
            // a message in three fragments with a ping between them (RFC 6455 §5.4)
            ws.send(RawWebSocket.TEXT, "{\"type\":\"pi".getBytes(StandardCharsets.UTF_8), false);
            ws.send(RawWebSocket.CONTINUATION, "ng\",\"id\":\"fr".getBytes(StandardCharsets.UTF_8), false);
            ws.send(RawWebSocket.PING, "hi".getBytes(StandardCharsets.UTF_8));
            RawWebSocket.Frame pong = ws.next();
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(pong.text()).isEqualTo("hi");
            ws.send(RawWebSocket.CONTINUATION, "ag\"}".getBytes(StandardCharsets.UTF_8), true);
            assertThat(ws.nextTextContaining("\"type\":\"pong\"")).contains("\"id\":\"frag\"");
            // the device closes: the node answers with the same code, then ends the connection
            ws.send(RawWebSocket.CLOSE, new byte[] {0x03, (byte) 0xe8});
            assertThat(ws.awaitClose()).isEqualTo(1000);
            assertThat(ws.next()).as("the node closed the TCP connection").isNull();
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            byte[] piece = "z".repeat(60_000).getBytes(StandardCharsets.UTF_8);
            ws.send(RawWebSocket.TEXT, "{\"type\":\"ping\",\"pad\":\"".getBytes(StandardCharsets.UTF_8), false);
            for (int i = 0; i < 3; i++) ws.send(RawWebSocket.CONTINUATION, piece, false); // 180,000 > 150,000 bytes
            assertThat(ws.nextTextContaining("\"type\":\"error\"")).as("fragments count towards the limit").contains("FRAME_TOO_LARGE");
            assertThat(ws.awaitClose()).isEqualTo(1009);
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            // the header of one text frame of 600,001 bytes (above 4 x ws.maxFrameBytes), masked: refused on sight
            ws.writeRaw(new byte[] {(byte) 0x81, (byte) (0x80 | 127), 0, 0, 0, 0, 0, 0x09, 0x27, (byte) 0xc1, 1, 2, 3, 4});
            assertThat(ws.awaitClose()).as("refused by the WebSocket layer").isEqualTo(1009);
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            ws.send(RawWebSocket.TEXT, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), true, false);
            assertThat(ws.awaitClose()).as("an unmasked frame").isEqualTo(1002);
        }
    }

    @Test
    void webSocketRefusesBadFramesAndKeepsServing() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
            assertThat(ws.httpStatus).isEqualTo(101);
            ws.nextTextContaining("\"type\":\"ready\"");
            expectError(ws, "{\"type\":\"send\",", "MALFORMED_JSON");
            expectError(ws, "{\"type\":\"teleport\",\"id\":\"t1\"}", "UNKNOWN_FRAME_TYPE");
            expectError(ws, "{\"id\":\"t2\"}", "INVALID_FIELD");
            expectError(ws, "{\"type\":\"send\",\"id\":\"t3\",\"chatId\":\"" + chat + "\",\"clientMsgId\":5,\"text\":\"x\"}", "INVALID_FIELD");
            expectError(ws, "{\"type\":\"send\",\"id\":\"t4\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"w\",\"text\":\"" + "y".repeat(65_537) + "\"}", "TEXT_TOO_LONG");
            var eve = node.signUp("Eve");
            String eveChat = eve.rest().openDirect(ben.userId()).chatId();
            expectError(ws, "{\"type\":\"send\",\"id\":\"t5\",\"chatId\":\"" + eveChat + "\",\"clientMsgId\":\"w\",\"text\":\"x\"}", "CHAT_NOT_FOUND");
            expectError(ws, "{\"type\":\"read\",\"id\":\"t6\",\"chatId\":\"" + eveChat + "\",\"upToSeq\":1}", "CHAT_NOT_FOUND");
            ws.send(RawWebSocket.BINARY, new byte[] {1, 2, 3});
            assertThat(ws.nextTextContaining("\"type\":\"error\"")).contains("UNSUPPORTED_MEDIA_TYPE");
            ws.sendText("{\"type\":\"ping\",\"id\":\"p\"}");
            assertThat(ws.nextTextContaining("\"type\":\"pong\"")).contains("\"id\":\"p\"");
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            ws.send(RawWebSocket.TEXT, new byte[] {'{', '"', (byte) 0xff, (byte) 0xfe, '"', '}'});
            assertThat(ws.awaitClose()).as("invalid UTF-8 closes with 1007").isEqualTo(1007);
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            ws.sendText("{\"type\":\"ping\",\"pad\":\"" + "z".repeat(160_000) + "\"}");
            assertThat(ws.nextTextContaining("\"type\":\"error\"")).contains("FRAME_TOO_LARGE");
            assertThat(ws.awaitClose()).isEqualTo(1009);
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", "forged")) {
            assertThat(ws.httpStatus).isEqualTo(401);
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", null)) {
            assertThat(ws.httpStatus).isEqualTo(401);
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws?access_token=" + ben.token(), null)) {
            assertThat(ws.httpStatus).as("browsers pass the token in the query").isEqualTo(101);
        }
        assertNothingStoredAndStillServing();
        String otherChat = ana.rest().openDirect(node.signUp("Cleo").userId()).chatId();
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            ws.sendText("{\"type\":\"send\",\"id\":\"ok\",\"chatId\":\"" + otherChat + "\",\"clientMsgId\":\"ws-ok\",\"text\":\"still here\"}");
            assertThat(ws.nextTextContaining("\"type\":\"ack\"")).contains("\"seq\":1");
        }
    }

    private static void expectError(RawWebSocket ws, String frame, String code) throws Exception {
        ws.sendText(frame);
        assertThat(ws.nextTextContaining("\"type\":\"error\"")).as(frame.length() > 200 ? frame.substring(0, 200) : frame).contains("\"code\":\"" + code + "\"");
    }
}
