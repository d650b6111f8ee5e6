package org.parley.loadgen;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./bench direct --relay}: a server that relays the scenario's frames and stores nothing.
 * It answers the few REST calls the bench makes to set up (sign-up, direct chats) and, on
 * {@code /v1/ws}, what a node answers per message — an ack to the sender and the message to
 * the other member, with a gap-free seq per chat, and each delivered receipt passed on — in
 * frames of the node's shapes and sizes, on Vert.x's WebSockets and event loops. No JSON
 * parse, no store, no sync to disk: what the same driver gets from these cores when a server
 * only moves the frames, to tell the cost of the sockets from the node's own (benchmarks.md
 * 33). A bench tool only: a token is a user's number, it listens on loopback, and it refuses
 * what it does not know.
 */
public final class Relay {
    /** A direct chat: its two members' numbers; its seq is guarded by the chat itself. */
    private static final class Chat {
        final String id;
        final int a;
        final int b;
        long seq;

        Chat(String id, int a, int b) {
            this.id = id;
            this.a = a;
            this.b = b;
        }

        int other(int me) {
            return me == a ? b : a;
        }
    }

    private static final int MAX_BODY = 4096;
    /** What the relay copies from a send into its frames: no quote, backslash or control character that would need escaping. */
    private static final Pattern PLAIN = Pattern.compile("[^\"\\\\\\p{Cntrl}]{1,256}");
    /** A delivered frame's seq: a plain number of 1 or more. */
    private static final Pattern UP_TO = Pattern.compile("\"upToSeq\":([1-9][0-9]{0,17})[,}]");

    private final AtomicInteger users = new AtomicInteger();
    private final Map<Integer, ServerWebSocket> sockets = new ConcurrentHashMap<>();
    private final Map<String, Chat> chats = new ConcurrentHashMap<>();
    private final AtomicInteger chatCount = new AtomicInteger();

    /** Listens on 127.0.0.1, on a port the kernel picks, and prints where (bench reads it from the log). */
    public static void main(String[] args) {
        if (args.length != 0) {
            System.err.println("usage: Relay   (it takes no arguments: ./bench direct --relay starts it)");
            System.exit(2);
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        Relay relay = new Relay();
        // As a node listens: a server per processor, each on an event loop of its own, on one random port they
        // share (-1), with the node's socket options (no compression extensions, no Nagle).
        HttpServerOptions options = new HttpServerOptions().setTcpNoDelay(true).setMaxWebSocketFrameSize(1 << 20)
                .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false);
        AtomicInteger port = new AtomicInteger();
        try {
            vertx.deployVerticle(() -> new VerticleBase() {
                @Override
                public Future<?> start() {
                    return vertx.createHttpServer(options).requestHandler(relay::request).webSocketHandshakeHandler(relay::handshake)
                            .webSocketHandler(relay::socket).listen(-1, "127.0.0.1").onSuccess(s -> port.set(s.actualPort()));
                }
            }, new DeploymentOptions().setInstances(Math.max(1, Runtime.getRuntime().availableProcessors())))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("relay: cannot listen: " + e);
            System.exit(1);
        }
        System.out.println("Parley relay is running at http://localhost:" + port.get() + "/");
    }

    private void request(HttpServerRequest req) {
        String path = req.path();
        if (req.method().name().equals("GET") && path.equals("/health")) {
            req.response().putHeader("Content-Type", "application/json").end("{\"status\":\"UP\"}");
            return;
        }
        if (!req.method().name().equals("POST")) {
            req.response().setStatusCode(405).end();
            return;
        }
        String length = req.getHeader("Content-Length");
        if (length == null || !length.matches("[0-9]{1,5}") || Integer.parseInt(length) > MAX_BODY) {
            req.response().setStatusCode(413).end(); // the bench's set-up calls are small and say their length
            return;
        }
        req.body().onFailure(e -> req.response().setStatusCode(400).end()).onSuccess(body -> {
            try {
                JsonObject in = body.length() == 0 ? new JsonObject() : body.toJsonObject();
                JsonObject out = switch (path) {
                    case "/v1/auth/code" -> new JsonObject().put("devCode", "000000");
                    case "/v1/auth/token" -> {
                        int n = users.incrementAndGet();
                        yield new JsonObject().put("userId", userId(n)).put("token", "t" + n);
                    }
                    case "/v1/chats" -> openChat(user(req.getHeader("Authorization")), in);
                    default -> null;
                };
                if (out == null) req.response().setStatusCode(404).end();
                else req.response().putHeader("Content-Type", "application/json").end(out.encode());
            } catch (DecodeException | ClassCastException | IllegalArgumentException e) {
                req.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                        .end(new JsonObject().put("code", "INVALID_REQUEST").put("message", String.valueOf(e.getMessage())).encode());
            }
        });
    }

    /** The caller's direct chat with {@code userId}. */
    private JsonObject openChat(int owner, JsonObject in) {
        if (!"direct".equals(in.getString("type"))) throw new IllegalArgumentException("the relay opens direct chats only");
        int other = userNumber(in.getString("userId"));
        if (other == owner) throw new IllegalArgumentException("a direct chat is with someone else");
        String id = String.format("c%021d", chatCount.incrementAndGet()); // 22 characters, as a node's ids
        chats.put(id, new Chat(id, owner, other));
        return new JsonObject().put("chatId", id);
    }

    /** A user's id, 22 characters as a node's are, so that frames have a node's sizes. */
    private static String userId(int n) {
        return String.format("u%021d", n);
    }

    private int user(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer t")) throw new IllegalArgumentException("no bearer token");
        return number(authorization.substring("Bearer t".length()));
    }

    private int userNumber(String userId) {
        if (userId == null || !userId.startsWith("u")) throw new IllegalArgumentException("unknown user " + userId);
        return number(userId.substring(1));
    }

    private int number(String digits) {
        int n;
        try {
            n = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown user");
        }
        if (n < 1 || n > users.get()) throw new IllegalArgumentException("unknown user");
        return n;
    }

    /** A socket opens on {@code /v1/ws} with a user's token, or not at all. */
    private void handshake(ServerWebSocketHandshake hs) {
        try {
            user(hs.headers().get("Authorization"));
        } catch (IllegalArgumentException e) {
            hs.reject(401);
            return;
        }
        if (hs.path().equals("/v1/ws")) hs.accept();
        else hs.reject(404);
    }

    private void socket(ServerWebSocket ws) {
        int me = user(ws.headers().get("Authorization")); // checked by the handshake
        sockets.put(me, ws);
        ws.closeHandler(v -> sockets.remove(me, ws));
        ws.writeTextMessage("{\"type\":\"ready\",\"userId\":\"" + userId(me) + "\",\"deviceId\":\"AZwTjH6U9rjY--M5nnwbcA\",\"maxFrameBytes\":262144,\"pingIntervalSeconds\":10}");
        ws.textMessageHandler(frame -> {
            try {
                if (Frames.is(frame, "send")) send(me, ws, frame);
                else if (Frames.is(frame, "delivered")) delivered(me, ws, frame);
                else if (Frames.is(frame, "sync")) ws.writeTextMessage("{\"type\":\"synced\",\"id\":\"s\",\"more\":false}");
                else invalid(ws, "the relay knows send, delivered and sync");
            } catch (RuntimeException e) { // a field that does not end: Frames reads no further than the frame
                invalid(ws, "unreadable frame");
            }
        });
    }

    private static void invalid(ServerWebSocket ws, String why) {
        ws.writeTextMessage("{\"type\":\"error\",\"code\":\"INVALID_FRAME\",\"message\":\"" + why + "\"}");
    }

    /** The sender's chat the frame names, or null once an error frame said why not. */
    private Chat chatOf(int me, ServerWebSocket ws, String frame) {
        String id = Frames.string(frame, "chatId");
        Chat chat = id == null ? null : chats.get(id);
        if (chat == null || (chat.a != me && chat.b != me)) {
            ws.writeTextMessage("{\"type\":\"error\",\"code\":\"NOT_A_MEMBER\",\"message\":\"no such chat of yours\"}");
            return null;
        }
        return chat;
    }

    /** The ack, and the message to the other member, written in the chat's order (one send of a chat at a time). */
    private void send(int me, ServerWebSocket ws, String frame) {
        String clientMsgId = Frames.string(frame, "clientMsgId");
        String text = Frames.string(frame, "text");
        if (clientMsgId == null || text == null || !PLAIN.matcher(clientMsgId).matches() || !PLAIN.matcher(text).matches()) {
            invalid(ws, "send needs a clientMsgId and a text of 1-256 characters, neither with quotes, backslashes or control characters");
            return;
        }
        Chat chat = chatOf(me, ws, frame);
        if (chat == null) return;
        long now = System.currentTimeMillis();
        synchronized (chat) {
            long seq = ++chat.seq;
            ws.writeTextMessage("{\"type\":\"ack\",\"chatId\":\"" + chat.id + "\",\"clientMsgId\":\"" + clientMsgId
                    + "\",\"msgId\":\"lLCuKNunW8NOoxgX0LiIRQ\",\"seq\":" + seq + ",\"sentAt\":" + now + ",\"duplicate\":false}");
            String message = "{\"type\":\"message\",\"msgId\":\"lLCuKNunW8NOoxgX0LiIRQ\",\"chatId\":\"" + chat.id + "\",\"seq\":" + seq
                    + ",\"senderId\":\"" + userId(me) + "\",\"clientMsgId\":\"" + clientMsgId + "\",\"kind\":\"text\",\"text\":\"" + text
                    + "\",\"sentAt\":" + now + "}";
            ServerWebSocket to = sockets.get(chat.other(me));
            if (to != null) to.writeTextMessage(message);
        }
    }

    /** A delivered receipt, passed to the other member. */
    private void delivered(int me, ServerWebSocket ws, String frame) {
        Matcher m = UP_TO.matcher(frame);
        if (!m.find()) {
            invalid(ws, "delivered needs an upToSeq of 1 or more");
            return;
        }
        long upTo = Long.parseLong(m.group(1));
        Chat chat = chatOf(me, ws, frame);
        if (chat == null) return;
        ServerWebSocket socket = sockets.get(chat.other(me));
        if (socket != null) {
            socket.writeTextMessage("{\"type\":\"receipt\",\"chatId\":\"" + chat.id + "\",\"userId\":\"" + userId(me)
                    + "\",\"kind\":\"delivered\",\"upToSeq\":" + upTo + ",\"at\":" + System.currentTimeMillis() + "}");
        }
    }
}
