package org.parley.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.parley.protocol.Frames;
import org.parley.protocol.Model;
import org.parley.protocol.Model.Message;
import org.parley.protocol.WireJson;

/**
 * The realtime SDK: keeps one WebSocket open, reconnects with backoff and jitter, catches
 * up from its cursors on every connect, delivers each message once and in order, sends with
 * client ids (retried across reconnects, so a send is never lost nor doubled) and reports
 * delivered receipts. All state lives on one dispatcher thread; listener calls come from it.
 */
public final class ParleyClient implements AutoCloseable {

    /** Callbacks, all on the SDK's dispatcher thread. Keep them short. */
    public interface Listener {
        default void onMessage(Message message) {}

        default void onReceipt(Frames.Receipt receipt) {}

        /** Your membership in a group changed (added, removed, left, role). */
        default void onMembership(Frames.Membership change) {}

        /** Connected and caught up: everything missed while away has been delivered. */
        default void onCaughtUp() {}

        /** A watched user came online, went offline, or changed who may see it (see {@link #subscribePresence}). */
        default void onPresence(Model.Presence presence) {}

        /** A member of one of your chats is typing, recording, or stopped (paused). */
        default void onTyping(Frames.TypingState typing) {}

        default void onDisconnected(int code, String reason) {}

        /** This device was signed out (or its token refused); the client stops reconnecting. */
        default void onSignedOut() {}
    }

    private record PendingSend(String frame, CompletableFuture<Frames.Ack> result) {}

    private final RestClient rest;
    private final HttpClient http;
    private final java.util.concurrent.ExecutorService io;
    private final Listener listener;
    private final ChatCursors cursors;
    private final ScheduledExecutorService dispatcher;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), ThreadLocalRandom.current());
    /** Unacknowledged sends in send order; at most {@link #WINDOW} of them are on the wire at once. */
    private final Map<String, PendingSend> pending = new LinkedHashMap<>();
    private final java.util.Set<String> onTheWire = new java.util.HashSet<>();
    /** Below the node's per-socket limit (256), so a burst never meets RATE_LIMITED and keeps its order. */
    static final int WINDOW = 128;
    private final Map<String, Long> deliveredToSend = new HashMap<>();
    private final boolean autoDelivered;

    private WebSocket ws;
    private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
    private StringBuilder partial = new StringBuilder();
    private boolean started;
    private boolean closed;
    private boolean caughtUp;
    /** The presence subscription, sent again on every reconnect (null: none). */
    private String presenceFrame;
    /** Between a sync and its last answer: messages now are catch-up, not live. */
    private boolean syncing;
    private long lastHeard;
    private long idleLimitMs = 70_000;
    private int generation;
    private String selfId;
    private volatile Thread dispatcherThread;

    private ParleyClient(URI base, String token, Listener listener, ChatCursors cursors, boolean autoDelivered) {
        // Its own threads: nothing here may wait on the common pool, which a caller may be blocking.
        this.io = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "parley-client-io");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).executor(io).build();
        this.rest = new RestClient(base, http);
        this.rest.token(token);
        this.listener = listener;
        this.cursors = cursors;
        this.autoDelivered = autoDelivered;
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "parley-client");
            t.setDaemon(true);
            dispatcherThread = t;
            return t;
        });
        dispatcher.scheduleWithFixedDelay(this::checkIdle, 5, 5, TimeUnit.SECONDS);
    }

    public static ParleyClient create(URI base, String token, Listener listener) {
        return new ParleyClient(base, token, listener, new ChatCursors(), true);
    }

    /**
     * @param cursors what the device already has (restored from its own storage)
     * @param autoDelivered send delivered receipts for every message received
     */
    public static ParleyClient create(URI base, String token, Listener listener, ChatCursors cursors, boolean autoDelivered) {
        return new ParleyClient(base, token, listener, cursors, autoDelivered);
    }

    public RestClient rest() {
        return rest;
    }

    public ChatCursors cursors() {
        return cursors;
    }

    /** Opens the socket (and keeps it open until {@link #close}). */
    public void connect() {
        dispatcher.execute(() -> {
            if (started || closed) return;
            started = true;
            open();
        });
    }

    /** True while connected and caught up. */
    public boolean isCaughtUp() {
        return on(() -> caughtUp);
    }

    /** Sends a text message; completes with the node's ack once the message is durable. */
    public CompletableFuture<Frames.Ack> send(String chatId, String text) {
        return send(chatId, UUID.randomUUID().toString(), text, null);
    }

    /**
     * Sends with the caller's client id. Until acknowledged, the frame is sent again after
     * every reconnect; the node keeps one message per client id.
     */
    public CompletableFuture<Frames.Ack> send(String chatId, String clientMsgId, String text, String replyTo) {
        String frame = WireJson.encode(new Frames.Send(clientMsgId, chatId, clientMsgId, text, replyTo));
        CompletableFuture<Frames.Ack> result = new CompletableFuture<>();
        dispatcher.execute(() -> {
            if (closed) {
                result.completeExceptionally(new ParleyException("CLOSED", 0, "client closed"));
                return;
            }
            pending.put(clientMsgId, new PendingSend(frame, result));
            pump();
        });
        return result;
    }

    /** Moves this user's read cursor in the chat (over the socket when connected, else REST). */
    public void markRead(String chatId, long upToSeq) {
        dispatcher.execute(() -> {
            if (ws != null && caughtUp) write(WireJson.encode(new Frames.Read(null, chatId, upToSeq)));
            else CompletableFuture.runAsync(() -> rest.markRead(chatId, upToSeq), io);
        });
    }

    /**
     * Watches the presence of the other members of these chats (the ones on screen);
     * replaces the previous list and is sent again after every reconnect.
     */
    public void subscribePresence(java.util.List<String> chatIds) {
        String frame = WireJson.encode(new Frames.SubscribePresence(null, chatIds));
        dispatcher.execute(() -> {
            presenceFrame = chatIds.isEmpty() ? null : frame;
            if (ws != null && caughtUp) write(frame);
        });
    }

    /** Tells the chat's members this user is typing, recording or stopped ("paused"); renew every few seconds. Dropped while offline. */
    public void typing(String chatId, String state) {
        String frame = WireJson.encode(new Frames.Typing(null, chatId, state));
        dispatcher.execute(() -> {
            if (ws != null && caughtUp) write(frame);
        });
    }

    /** Sends not yet acknowledged by the node. */
    public int pendingSends() {
        return on(pending::size);
    }

    private <T> T on(java.util.concurrent.Callable<T> task) {
        try {
            if (Thread.currentThread() == dispatcherThread) return task.call(); // called from a listener
            return dispatcher.submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- connection lifecycle (dispatcher thread) ----

    private void open() {
        if (closed) return;
        int gen = ++generation;
        URI uri = URI.create(rest.base().toString().replaceFirst("^http", "ws") + "/v1/ws");
        http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + rest.token())
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new SocketListener(gen))
                .whenComplete((socket, failure) -> dispatcher.execute(() -> {
                    if (gen != generation) return;
                    if (failure != null) {
                        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                        if (cause instanceof WebSocketHandshakeException h && h.getResponse().statusCode() == 401) {
                            closed = true;
                            listener.onSignedOut();
                            return;
                        }
                        scheduleReconnect();
                        return;
                    }
                    if (closed) socket.abort();
                }));
    }

    private void scheduleReconnect() {
        ws = null;
        caughtUp = false;
        syncing = false;
        onTheWire.clear();
        sendChain = CompletableFuture.completedFuture(null);
        if (closed) return;
        long delay = backoff.next().toMillis();
        dispatcher.schedule(this::open, delay, TimeUnit.MILLISECONDS);
    }

    private void checkIdle() {
        if (ws != null && System.currentTimeMillis() - lastHeard > idleLimitMs) {
            ws.abort(); // onError/onClose follow and reconnect
            lost(generation, 1006, "no traffic from the node");
        }
    }

    private void lost(int gen, int code, String reason) {
        if (gen != generation) return;
        generation++; // late callbacks of the old socket are ignored
        if (ws != null) ws.abort();
        listener.onDisconnected(code, reason);
        if (code == 4401) {
            closed = true;
            listener.onSignedOut();
            return;
        }
        scheduleReconnect();
    }

    private void write(String frame) {
        WebSocket socket = ws;
        if (socket == null) return;
        // java.net.http allows one outstanding send: chain them.
        sendChain = sendChain.thenCompose(v -> socket.sendText(frame, true)).exceptionally(e -> null);
    }

    private void sync() {
        syncing = true;
        write(WireJson.encode(new Frames.Sync("sync", cursors.snapshot())));
    }

    // ---- frames from the node (dispatcher thread) ----

    private void onFrame(String text) {
        Frames.ServerFrame frame;
        try {
            frame = WireJson.mapper().readValue(text, Frames.ServerFrame.class);
        } catch (JsonProcessingException e) {
            return; // a frame type newer than this SDK: ignore it
        }
        switch (frame) {
            case Frames.Ready r -> {
                selfId = r.userId();
                idleLimitMs = r.pingIntervalSeconds() * 2_000L + 10_000L;
                sync();
            }
            case Message m -> onMessage(m);
            case Frames.Synced s -> {
                if (s.more()) {
                    sync();
                } else {
                    syncing = false;
                    caughtUp = true;
                    backoff.reset();
                    onTheWire.clear();
                    pump();
                    flushDelivered();
                    if (presenceFrame != null) write(presenceFrame);
                    listener.onCaughtUp();
                }
            }
            case Frames.Ack a -> {
                PendingSend p = a.id() == null ? null : pending.remove(a.id());
                if (p != null) {
                    onTheWire.remove(a.id());
                    p.result().complete(a);
                    pump();
                }
                // The node sends no echo of our own message: the ack moves the cursor, so the
                // next message in the chat is not mistaken for a gap. Everything before our seq
                // reached this socket before the ack did.
                if (a.seq() != null && a.chatId() != null && cursors.check(a.chatId(), a.seq()) == ChatCursors.Verdict.NEW) {
                    cursors.advance(a.chatId(), a.seq());
                }
            }
            case Frames.Error e -> onError(e);
            case Frames.Receipt r -> listener.onReceipt(r);
            case Frames.Membership m -> {
                // History starts after joinedSeq: what comes next must follow it, or it is a gap to resync.
                if ("added".equals(m.change()) && m.joinedSeq() != null && m.userId().equals(selfId)) cursors.advance(m.chatId(), m.joinedSeq());
                listener.onMembership(m);
            }
            case Frames.SignedOut s -> {
                closed = true;
                listener.onSignedOut();
            }
            case Frames.Pong p -> {}
            case Model.Presence p -> listener.onPresence(p);
            case Frames.TypingState t -> listener.onTyping(t);
        }
    }

    private void onError(Frames.Error e) {
        if (e.id() == null) return;
        if (e.id().equals("sync")) { // catch-up failed (store busy): try again, the socket holds live traffic meanwhile
            long delay = backoff.next().toMillis();
            int gen = generation;
            dispatcher.schedule(() -> {
                if (gen == generation && ws != null) sync();
            }, delay, TimeUnit.MILLISECONDS);
            return;
        }
        PendingSend p = pending.get(e.id());
        if (p == null) return;
        onTheWire.remove(e.id());
        ParleyException failure = new ParleyException(e.code(), 0, e.message());
        if (failure.retryable()) {
            long delay = 200 + ThreadLocalRandom.current().nextLong(300);
            dispatcher.schedule(this::pump, delay, TimeUnit.MILLISECONDS);
        } else {
            pending.remove(e.id());
            p.result().completeExceptionally(failure);
            pump();
        }
    }

    /** Writes the oldest sends not yet on the wire, up to the window, once caught up. */
    private void pump() {
        if (ws == null || !caughtUp) return;
        for (var entry : pending.entrySet()) {
            if (onTheWire.size() >= WINDOW) return;
            if (onTheWire.add(entry.getKey())) write(entry.getValue().frame());
        }
    }

    private void onMessage(Message m) {
        switch (cursors.check(m.chatId(), m.seq())) {
            case DUPLICATE -> {}
            case NEW -> accept(m);
            case GAP -> {
                if (syncing) {
                    // A sync answer starts where this member's history starts (after a re-add,
                    // past messages it may not see): the node's word stands.
                    accept(m);
                } else {
                    // Live traffic is gap-free after a sync, so this is unexpected: start over
                    // from the cursor rather than show messages with a hole before them.
                    lost(generation, 1006, "gap in chat " + m.chatId() + " before seq " + m.seq() + "; resyncing");
                }
            }
        }
    }

    private void accept(Message m) {
        cursors.advance(m.chatId(), m.seq());
        listener.onMessage(m);
        if (autoDelivered && !m.senderId().equals(selfId)) {
            boolean first = deliveredToSend.isEmpty();
            deliveredToSend.merge(m.chatId(), m.seq(), Math::max);
            if (first && caughtUp) dispatcher.schedule(this::flushDelivered, 50, TimeUnit.MILLISECONDS);
        }
    }

    /** Sends the coalesced delivered receipts; kept for the next connection while offline or catching up. */
    private void flushDelivered() {
        if (ws == null || !caughtUp) return;
        deliveredToSend.forEach((chat, seq) -> write(WireJson.encode(new Frames.Delivered(null, chat, seq))));
        deliveredToSend.clear();
    }

    private final class SocketListener implements WebSocket.Listener {
        private final int gen;

        SocketListener(int gen) {
            this.gen = gen;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            // Runs before any onText: the socket is known before the ready frame is handled.
            dispatcher.execute(() -> {
                if (gen != generation) return;
                ws = webSocket;
                lastHeard = System.currentTimeMillis();
            });
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            String chunk = data.toString();
            dispatcher.execute(() -> {
                if (gen != generation) return;
                lastHeard = System.currentTimeMillis();
                partial.append(chunk);
                if (last) {
                    String text = partial.toString();
                    partial = new StringBuilder();
                    onFrame(text);
                }
            });
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            dispatcher.execute(() -> lastHeard = System.currentTimeMillis());
            return WebSocket.Listener.super.onPing(webSocket, message);
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            dispatcher.execute(() -> lost(gen, statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            dispatcher.execute(() -> lost(gen, 1006, String.valueOf(error)));
        }
    }

    /** Stops reconnecting and closes the socket; unacknowledged sends fail. */
    @Override
    public void close() {
        try {
            dispatcher.submit(() -> {
                closed = true;
                generation++;
                if (ws != null) ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
                List<PendingSend> left = new ArrayList<>(pending.values());
                pending.clear();
                for (PendingSend p : left) p.result().completeExceptionally(new ParleyException("CLOSED", 0, "client closed"));
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
        dispatcher.shutdownNow();
        io.shutdown();
    }
}
