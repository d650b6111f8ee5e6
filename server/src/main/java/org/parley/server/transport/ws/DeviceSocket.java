package org.parley.server.transport.ws;

import io.vertx.core.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Frames;
import org.parley.protocol.Frames.ClientFrame;
import org.parley.protocol.Model;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.Status;
import org.parley.protocol.WireJson;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatService;
import org.parley.server.delivery.Bus;
import org.parley.server.delivery.SerialExecutor;
import org.parley.server.presence.PresenceService;
import org.parley.server.message.MessageService;
import org.parley.server.receipt.CursorStore;
import org.parley.server.receipt.ReceiptService;
import org.parley.server.transport.http.JsonBodies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's socket. All state is touched on the socket's event loop only.
 *
 * <p>The seam between catch-up and live traffic: live messages are held back until the
 * device's first frame. If that frame is a sync, they stay held until the sync is answered
 * with {@code more=false}; the answers are sent as they are, then the held messages follow,
 * minus any seq already sent. Any other first frame means the device wants live traffic
 * only. A later sync holds live traffic again in the same way.
 *
 * <p>Outbound: frames go straight to the socket while its write queue has room, else into a
 * backlog drained as the reader catches up. A backlog beyond {@code maxBacklogBytes} means
 * the reader has stalled: the socket is closed (4429) and the device resyncs later.
 *
 * <p>Inbound: at most {@link #MAX_IN_FLIGHT} sends and receipts per socket await the store;
 * beyond that a frame is refused with RATE_LIMITED.
 */
final class DeviceSocket implements WsChannel.Listener {
    private static final Logger log = LoggerFactory.getLogger(DeviceSocket.class);
    static final int MAX_IN_FLIGHT = 256;

    private enum Mode { AWAITING_FIRST_FRAME, SYNCING, LIVE }

    private record Held(Message message, byte[] json) {}

    private final String id = java.util.UUID.randomUUID().toString();
    private final Principal principal;
    private final WsChannel ws;
    private final Context context;
    private final Connections connections;
    private final MessageService messages;
    private final ReceiptService receipts;
    private final PresenceService presence;
    private final ChatService chats;
    private final TypingStates typing;
    private final Executor blocking;
    private final SerialExecutor ordered;
    private final int maxFrameBytes;
    private final int syncBatch;
    private final int syncBytes;
    private final int maxHeld;
    private final long maxBacklogBytes;

    private Mode mode = Mode.AWAITING_FIRST_FRAME;
    private boolean syncRunning;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final Map<String, Long> lastSent = new HashMap<>();
    private final ArrayDeque<byte[]> backlog = new ArrayDeque<>();
    private long backlogBytes;
    private int inFlight;
    private volatile long lastHeardAt = System.currentTimeMillis();
    /** Set on the event loop; volatile for a queued sync that checks, once its turn comes, whether it is still wanted. */
    private volatile boolean closed;
    /** Users whose presence this socket watches (→ whether a contact); replaced whole, read from other threads. */
    private volatile Map<String, Boolean> watching = Map.of();
    /** The version of the last presence state sent, per watched user. */
    private final Map<String, Long> presenceVersions = new HashMap<>();
    private boolean subscribing;
    private Frames.SubscribePresence nextSubscribe;

    DeviceSocket(Principal principal, WsChannel ws, Context context, Connections connections, MessageService messages,
            ReceiptService receipts, PresenceService presence, ChatService chats, Bus bus, Executor blocking, int maxFrameBytes,
            int syncBatch, int outboundQueueBytes) {
        this.principal = principal;
        this.ws = ws;
        this.context = context;
        this.connections = connections;
        this.messages = messages;
        this.receipts = receipts;
        this.presence = presence;
        this.chats = chats;
        this.typing = new TypingStates(context, principal.userId(), bus::publish);
        this.blocking = blocking;
        this.ordered = new SerialExecutor(blocking);
        this.maxFrameBytes = maxFrameBytes;
        this.syncBatch = syncBatch;
        this.syncBytes = Math.max(64 * 1024, outboundQueueBytes / 2);
        this.maxHeld = Math.max(10_000, syncBatch * 4);
        this.maxBacklogBytes = outboundQueueBytes;
    }

    Principal principal() {
        return principal;
    }

    /** Unique across nodes: names the socket a send came from. */
    String id() {
        return id;
    }

    long lastHeardAt() {
        return lastHeardAt;
    }

    Context context() {
        return context;
    }

    Map<String, Boolean> watching() {
        return watching;
    }

    void watching(Map<String, Boolean> users) {
        watching = Map.copyOf(users);
    }

    /** Wires the handlers; runs on the socket's context. */
    void start(Frames.Ready ready) {
        ws.listen(this);
        write(ready);
    }

    // ---- inbound ----

    @Override
    public void onHeard() {
        lastHeardAt = System.currentTimeMillis();
    }

    @Override
    public void onTooBig() {
        if (closed) return;
        error(null, new ApiException(ErrorCode.FRAME_TOO_LARGE, "messages are limited to " + maxFrameBytes + " bytes"));
        close(CloseCodes.TOO_BIG, "message too large");
    }

    /** A whole message (fragments joined, size checked): UTF-8 JSON text, or refused. */
    @Override
    public void onMessage(byte[] bytes, boolean binary) {
        if (closed) return;
        if (binary) {
            error(null, new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "frames must be JSON text"));
            return;
        }
        try {
            JsonBodies.requireUtf8(bytes);
        } catch (ApiException e) {
            close(CloseCodes.INVALID_UTF8, "text frame is not valid UTF-8");
            return;
        }
        onText(new String(bytes, StandardCharsets.UTF_8));
    }

    private void onText(String text) {
        ClientFrame frame;
        try {
            frame = JsonBodies.parse(text, ClientFrame.class);
        } catch (ApiException e) {
            error(idOf(text), e);
            return;
        }
        if (mode == Mode.AWAITING_FIRST_FRAME && !(frame instanceof Frames.Sync)) goLive();
        switch (frame) {
            case Frames.Send s -> onSend(s);
            case Frames.Sync s -> onSync(s);
            case Frames.Delivered d -> onCursor(d.id(), d.chatId(), CursorStore.Kind.delivered, d.upToSeq());
            case Frames.Read r -> onCursor(r.id(), r.chatId(), CursorStore.Kind.read, r.upToSeq());
            case Frames.Ping p -> write(new Frames.Pong(p.id()));
            case Frames.SubscribePresence s -> onSubscribePresence(s);
            case Frames.Typing t -> onTyping(t);
        }
    }

    /** Best effort: the id of a frame that failed validation, so the error can name it. */
    private static String idOf(String text) {
        try {
            var node = WireJson.mapper().readTree(text);
            var id = node == null ? null : node.get("id");
            return id != null && id.isTextual() && id.textValue().length() <= 64 ? id.textValue() : null;
        } catch (Exception e) {
            return null;
        }
    }

    private void onSend(Frames.Send s) {
        if (ordered.idle()) {
            // nothing of this socket's is queued: its earlier typing frames have posted their
            // updates to this context already, and this comes after them
            connections.post(context, () -> typing.sent(s.chatId()));
        } else {
            try { // after this socket's earlier typing frames
                ordered.execute(() -> connections.post(context, () -> typing.sent(s.chatId())));
            } catch (RejectedExecutionException e) {
                // shutting down: the send below is refused as such
            }
        }
        submit(s.id(), () -> messages.sendIfNoRead(principal, s.chatId(), s.request(), id),
                () -> messages.send(principal, s.chatId(), s.request(), id), sent -> {
            Message m = sent.message();
            return new Frames.Ack(s.id(), m.chatId(), m.clientMsgId(), m.msgId(), m.seq(), m.sentAt(), sent.duplicate());
        });
    }

    private void onCursor(String id, String chatId, CursorStore.Kind kind, long upToSeq) {
        submit(id, () -> receipts.markIfNoRead(principal, chatId, kind, upToSeq), () -> receipts.markAsync(principal, chatId, kind, upToSeq),
                done -> id == null ? null : Frames.Ack.of(id));
    }

    /**
     * Validates and queues a write, then answers on the socket once the store has it. When
     * nothing of this socket's waits on its ordered executor, {@code withoutRead} is tried here
     * on the event loop (it answers null when it would have to read the store); otherwise, or
     * then, {@code work} runs on the ordered executor, so frames keep their order either way.
     */
    private <T> void submit(String id, Supplier<CompletableFuture<T>> withoutRead, Supplier<CompletableFuture<T>> work,
            java.util.function.Function<T, Frames.ServerFrame> answer) {
        if (inFlight >= MAX_IN_FLIGHT) {
            error(id, new ApiException(ErrorCode.RATE_LIMITED, "more than " + MAX_IN_FLIGHT + " requests await the store on this socket"));
            return;
        }
        inFlight++;
        if (ordered.idle()) {
            CompletableFuture<T> now;
            try {
                now = withoutRead.get();
            } catch (RuntimeException e) {
                now = CompletableFuture.failedFuture(e);
            }
            if (now != null) {
                answerWhenDone(id, now, answer);
                return;
            }
        }
        try {
            ordered.execute(() -> {
                CompletableFuture<T> result;
                try {
                    result = work.get();
                } catch (RuntimeException e) {
                    result = CompletableFuture.failedFuture(e);
                }
                answerWhenDone(id, result, answer);
            });
        } catch (RejectedExecutionException e) {
            inFlight--;
            error(id, new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
        }
    }

    private <T> void answerWhenDone(String id, CompletableFuture<T> result, java.util.function.Function<T, Frames.ServerFrame> answer) {
        result.whenComplete((value, failure) -> connections.post(context, () -> {
            inFlight--;
            if (failure != null) {
                error(id, failure);
            } else {
                Frames.ServerFrame frame = answer.apply(value);
                if (frame != null) write(frame);
            }
        }));
    }

    /**
     * Watches the other members of the chats the device shows; answers with their presence now.
     * One subscription is worked out at a time; one that arrives meanwhile replaces any other
     * waiting (only the latest list matters), which also bounds what a client can make the
     * node read.
     */
    private void onSubscribePresence(Frames.SubscribePresence s) {
        if (subscribing) {
            if (nextSubscribe != null && nextSubscribe.id() != null) write(Frames.Ack.of(nextSubscribe.id())); // superseded
            nextSubscribe = s;
            return;
        }
        subscribing = true;
        runBlocking(s.id(), () -> {
            Map<String, Boolean> users = presence.watchList(principal, s.chatIds());
            connections.post(context, () -> {
                if (closed) return;
                connections.watch(this, users); // before reading states: a change from here on is sent too
                presenceVersions.keySet().retainAll(users.keySet());
                runBlocking(s.id(), () -> {
                    List<Map.Entry<Model.Presence, Long>> frames = users.entrySet().stream().map(e -> {
                        var state = presence.state(e.getKey());
                        return Map.entry(presence.asSeenBy(principal.userId(), e.getKey(), e.getValue(), state), state.version());
                    }).toList();
                    connections.post(context, () -> {
                        if (closed) return;
                        if (s.id() != null) write(Frames.Ack.of(s.id()));
                        for (var f : frames) offerPresence(f.getKey().userId(), f.getValue(), WireJson.encodeBytes(f.getKey()));
                        subscribed();
                    });
                }, this::subscribed);
            });
        }, this::subscribed);
    }

    /** The running subscription is done (or failed): the one waiting, if any, runs next. */
    private void subscribed() {
        subscribing = false;
        Frames.SubscribePresence next = nextSubscribe;
        nextSubscribe = null;
        if (next != null && !closed) onSubscribePresence(next);
    }

    /** A presence frame about {@code userId}, unless this socket already sent a later state of that user. */
    void offerPresence(String userId, long version, byte[] json) {
        if (closed || !watching.containsKey(userId)) return;
        Long sent = presenceVersions.get(userId);
        if (sent != null && sent > version) return; // an older state overtaken on the way
        presenceVersions.put(userId, version);
        writeJson(json);
    }

    private void onTyping(Frames.Typing t) {
        if (!typing.admit(System.currentTimeMillis())) {
            error(t.id(), new ApiException(ErrorCode.RATE_LIMITED, "at most " + TypingStates.MAX_PER_SECOND + " typing frames a second"));
            return;
        }
        // In order with this socket's other typing frames and sends: a typing frame sent just
        // before a message must not show up after it.
        try {
            ordered.execute(() -> {
                try {
                    List<String> members = chats.requireMember(t.chatId(), principal.userId()).memberIds();
                    connections.post(context, () -> {
                        if (closed) return;
                        typing.update(t.chatId(), t.state(), members, System.currentTimeMillis());
                        if (t.id() != null) write(Frames.Ack.of(t.id()));
                    });
                } catch (RuntimeException e) {
                    connections.post(context, () -> error(t.id(), e));
                }
            });
        } catch (RejectedExecutionException e) {
            error(t.id(), new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
        }
    }

    /**
     * Runs {@code work} off the event loop; a failure becomes an error frame naming {@code id},
     * then {@code onFailure} runs on the socket's context.
     */
    private void runBlocking(String id, Runnable work, Runnable onFailure) {
        try {
            blocking.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    connections.post(context, () -> {
                        error(id, e);
                        onFailure.run();
                    });
                }
            });
        } catch (RejectedExecutionException e) {
            error(id, new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
            onFailure.run();
        }
    }

    private void onSync(Frames.Sync sync) {
        if (syncRunning) {
            error(sync.id(), ApiException.invalid("a sync is already running on this socket; wait for synced"));
            return;
        }
        syncRunning = true;
        mode = Mode.SYNCING;
        runBlocking(sync.id(), () -> {
            var batch = messages.sync(principal, sync.cursors(), syncBatch, syncBytes, () -> !closed);
            if (batch != null) connections.post(context, () -> finishSync(sync.id(), batch));
        }, () -> syncRunning = false);
    }

    private void finishSync(String id, MessageService.SyncBatch batch) {
        syncRunning = false;
        if (closed) return;
        List<byte[]> frames = new ArrayList<>(batch.messages().size() + 1);
        for (Message m : batch.messages()) {
            boolean mine = m.senderId().equals(principal.userId()) && !m.bySystem();
            frames.add(WireJson.encodeBytes(mine ? m.withStatus(Status.sent, null, null) : m));
            connections.messageSent();
            lastSent.merge(m.chatId(), m.seq(), Math::max);
        }
        frames.add(WireJson.encodeBytes(new Frames.Synced(id, batch.more())));
        writeJsonAll(frames);
        if (!batch.more()) goLive();
    }

    private void goLive() {
        mode = Mode.LIVE;
        while (!held.isEmpty() && !closed) {
            Held h = held.poll();
            sendMessage(h.message(), h.json());
        }
    }

    // ---- outbound ----

    /** A new message for this device (called on the socket's context). */
    void offerMessage(Message m, byte[] json) {
        if (closed) return;
        if (mode != Mode.LIVE) {
            if (held.size() >= maxHeld) {
                connections.slowConsumerClosed();
                close(CloseCodes.SLOW_CONSUMER, "too much traffic held during sync; reconnect and sync");
                return;
            }
            held.add(new Held(m, json));
            return;
        }
        sendMessage(m, json);
    }

    private void sendMessage(Message m, byte[] json) {
        Long last = lastSent.get(m.chatId());
        if (last != null && m.seq() <= last) return; // already carried by a sync answer
        lastSent.put(m.chatId(), m.seq());
        writeJson(json);
        connections.messageSent();
    }

    void offerFrame(byte[] json) {
        if (!closed) writeJson(json);
    }

    void write(Frames.ServerFrame frame) {
        writeJson(WireJson.encodeBytes(frame));
    }

    private void error(String id, Throwable failure) {
        if (failure instanceof CompletionException && failure.getCause() != null) failure = failure.getCause();
        ApiException api = failure instanceof ApiException a ? a : new ApiException(ErrorCode.INTERNAL, "unexpected error");
        if (!(failure instanceof ApiException)) log.error("socket frame failed (device {})", principal.deviceId(), failure);
        write(new Frames.Error(id, api.code().name(), api.getMessage()));
    }

    private void writeJson(byte[] json) {
        if (closed || !ws.isOpen()) return; // gone: the close callback runs (or ran) on this loop
        if (backlog.isEmpty() && ws.isWritable()) {
            ws.writeText(json);
            connections.framesSent(1);
            return;
        }
        backlog.add(json);
        backlogBytes += json.length;
        if (backlogBytes > maxBacklogBytes) {
            connections.slowConsumerClosed();
            close(CloseCodes.SLOW_CONSUMER, "outbound queue full; reconnect and sync");
        }
    }

    /**
     * Frames that go out together (a sync's answer): in one buffer as many as the socket takes
     * before its high mark, the rest as {@link #writeJson} would (into the backlog, counted
     * towards its bound).
     */
    private void writeJsonAll(List<byte[]> frames) {
        if (closed || !ws.isOpen()) return;
        int written = backlog.isEmpty() ? ws.writeTexts(frames) : 0;
        connections.framesSent(written);
        for (byte[] json : frames.subList(written, frames.size())) writeJson(json);
    }

    /** The reader caught up: what waited goes out, as long as there is room. */
    @Override
    public void onWritable() {
        if (!closed) sendBacklog(false);
    }

    /** Writes what waits in the backlog: while the socket has room, or all of it ({@code regardless}). */
    private void sendBacklog(boolean regardless) {
        while (!backlog.isEmpty() && (regardless || ws.isWritable())) {
            byte[] json = backlog.poll();
            backlogBytes -= json.length;
            ws.writeText(json);
            connections.framesSent(1);
        }
    }

    void ping() {
        if (!closed) ws.ping();
    }

    void close(short code, String reason) {
        if (closed) return;
        // What was queued for a device that is behind goes out before the close frame: the
        // signedOut frame before 4401, the error that explains a 1009. Not for a slow consumer
        // (that backlog is what it could not take) nor for a device gone silent.
        if (code != CloseCodes.SLOW_CONSUMER && code != CloseCodes.IDLE_TIMEOUT) sendBacklog(true);
        // a socket closed for silence went away when it was last heard from
        gone(code == CloseCodes.IDLE_TIMEOUT ? lastHeardAt : System.currentTimeMillis());
        ws.close(code, reason);
    }

    @Override
    public void onClosed() {
        if (closed) return;
        gone(System.currentTimeMillis());
    }

    private void gone(long at) {
        closed = true;
        held.clear();
        backlog.clear();
        typing.closed();
        connections.remove(this, at);
    }
}
