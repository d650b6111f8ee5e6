package org.parley.server.transport.ws;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Frames;
import org.parley.protocol.Frames.ClientFrame;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.Status;
import org.parley.protocol.WireJson;
import org.parley.server.auth.Principal;
import org.parley.server.message.MessageService;
import org.parley.server.receipt.CursorStore;
import org.parley.server.receipt.ReceiptService;
import org.parley.server.transport.http.JsonBodies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's socket. All state is touched on the socket's event loop only.
 *
 * <p>The seam between catch-up and live traffic: a new socket holds live messages back
 * until its first sync is answered in full; sync answers are sent as they are, then the
 * held messages follow, minus any seq the sync already carried. A socket that does not
 * sync (its first frame is something else, or none comes within {@link #SYNC_GRACE_MS})
 * goes live at once.
 */
final class DeviceSocket {
    private static final Logger log = LoggerFactory.getLogger(DeviceSocket.class);
    static final long SYNC_GRACE_MS = 2_000;

    private enum Mode { AWAITING_SYNC, SYNCING, LIVE }

    private record Held(Message message, String json) {}

    private final Principal principal;
    private final ServerWebSocket ws;
    private final Context context;
    private final Connections connections;
    private final MessageService messages;
    private final ReceiptService receipts;
    private final ExecutorService blocking;
    private final Executor sends;
    private final int maxFrameBytes;
    private final int syncBatch;
    private final int maxHeld;

    private Mode mode = Mode.AWAITING_SYNC;
    private boolean syncRunning;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final Map<String, Long> lastSent = new HashMap<>();
    private volatile long lastHeardAt = System.currentTimeMillis();
    private boolean closed;
    private Buffer partial;
    private boolean partialBinary;

    DeviceSocket(Principal principal, ServerWebSocket ws, Context context, Connections connections, MessageService messages,
            ReceiptService receipts, ExecutorService blocking, int maxFrameBytes, int syncBatch) {
        this.principal = principal;
        this.ws = ws;
        this.context = context;
        this.connections = connections;
        this.messages = messages;
        this.receipts = receipts;
        this.blocking = blocking;
        this.sends = new SerialExecutor(blocking);
        this.maxFrameBytes = maxFrameBytes;
        this.syncBatch = syncBatch;
        this.maxHeld = Math.max(10_000, syncBatch * 4);
    }

    Principal principal() {
        return principal;
    }

    long lastHeardAt() {
        return lastHeardAt;
    }

    /** Wires the handlers; runs on the socket's context. */
    void start(Frames.Ready ready) {
        ws.frameHandler(this::onFrame);
        ws.closeHandler(v -> onClosed());
        ws.exceptionHandler(e -> log.debug("socket of device {} failed: {}", principal.deviceId(), e.toString()));
        write(ready);
        context.owner().setTimer(SYNC_GRACE_MS, id -> {
            if (mode == Mode.AWAITING_SYNC && !syncRunning) goLive();
        });
    }

    private void heard() {
        lastHeardAt = System.currentTimeMillis();
    }

    /** Reassembles fragmented messages, enforcing size and UTF-8 before any parsing. */
    private void onFrame(WebSocketFrame f) {
        heard();
        if (closed) return;
        switch (f.type()) {
            case TEXT, BINARY -> {
                partial = f.binaryData().copy();
                partialBinary = f.isBinary();
            }
            case CONTINUATION -> {
                if (partial == null) return;
                partial.appendBuffer(f.binaryData());
            }
            default -> {
                return; // ping, pong and close are handled by Vert.x
            }
        }
        if (partial.length() > maxFrameBytes) {
            partial = null;
            error(null, new ApiException(ErrorCode.FRAME_TOO_LARGE, "messages are limited to " + maxFrameBytes + " bytes"));
            close(CloseCodes.TOO_BIG, "message too large");
            return;
        }
        if (!f.isFinal()) return;
        Buffer message = partial;
        partial = null;
        if (partialBinary) {
            error(null, new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "frames must be JSON text"));
            return;
        }
        byte[] bytes = message.getBytes();
        try {
            JsonBodies.requireUtf8(bytes);
        } catch (ApiException e) {
            close(CloseCodes.INVALID_UTF8, "text frame is not valid UTF-8");
            return;
        }
        onText(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    private void onText(String text) {
        ClientFrame frame;
        try {
            frame = JsonBodies.parse(text, ClientFrame.class);
        } catch (ApiException e) {
            error(idOf(text), e);
            return;
        }
        if (!(frame instanceof Frames.Sync) && mode == Mode.AWAITING_SYNC) goLive();
        switch (frame) {
            case Frames.Send s -> onSend(s);
            case Frames.Sync s -> onSync(s);
            case Frames.Delivered d -> onCursor(d.id(), d.chatId(), CursorStore.Kind.delivered, d.upToSeq());
            case Frames.Read r -> onCursor(r.id(), r.chatId(), CursorStore.Kind.read, r.upToSeq());
            case Frames.Ping p -> write(new Frames.Pong(p.id()));
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
        // Sends from one socket keep their order: validation and queueing run one at a time.
        sends.execute(() -> {
            try {
                messages.send(principal, s.chatId(), s.request()).whenComplete((sent, failure) -> context.runOnContext(v -> {
                    if (failure != null) {
                        error(s.id(), failure);
                    } else {
                        Message m = sent.message();
                        write(new Frames.Ack(s.id(), m.chatId(), m.clientMsgId(), m.msgId(), m.seq(), m.sentAt(), sent.duplicate()));
                    }
                }));
            } catch (RuntimeException e) {
                context.runOnContext(v -> error(s.id(), e));
            }
        });
    }

    private void onCursor(String id, String chatId, CursorStore.Kind kind, long upToSeq) {
        blocking.execute(() -> {
            try {
                receipts.mark(principal, chatId, kind, upToSeq);
                if (id != null) context.runOnContext(v -> write(Frames.Ack.of(id)));
            } catch (RuntimeException e) {
                context.runOnContext(v -> error(id, e));
            }
        });
    }

    private void onSync(Frames.Sync sync) {
        if (syncRunning) {
            error(sync.id(), ApiException.invalid("a sync is already running on this socket; wait for synced"));
            return;
        }
        syncRunning = true;
        if (mode != Mode.LIVE) mode = Mode.SYNCING;
        blocking.execute(() -> {
            try {
                var batch = messages.sync(principal, sync.cursors(), syncBatch);
                context.runOnContext(v -> finishSync(sync.id(), batch));
            } catch (RuntimeException e) {
                context.runOnContext(v -> {
                    syncRunning = false;
                    error(sync.id(), e);
                });
            }
        });
    }

    private void finishSync(String id, MessageService.SyncBatch batch) {
        syncRunning = false;
        if (closed) return;
        for (Message m : batch.messages()) {
            writeJson(WireJson.encode(m.senderId().equals(principal.userId()) ? m.withStatus(Status.sent, null, null) : m));
            connections.messageSent();
            lastSent.merge(m.chatId(), m.seq(), Math::max);
        }
        write(new Frames.Synced(id, batch.more()));
        if (!batch.more() && mode == Mode.SYNCING) goLive();
    }

    private void goLive() {
        mode = Mode.LIVE;
        while (!held.isEmpty() && !closed) {
            Held h = held.poll();
            sendMessage(h.message(), h.json());
        }
    }

    /** A new message for this device (called on the socket's context). */
    void offerMessage(Message m, String json) {
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

    private void sendMessage(Message m, String json) {
        Long last = lastSent.get(m.chatId());
        if (last != null && m.seq() <= last) return; // already carried by a sync answer
        if (last != null) lastSent.put(m.chatId(), m.seq());
        writeJson(json);
        connections.messageSent();
    }

    void offerFrame(String json) {
        if (!closed) writeJson(json);
    }

    void write(Frames.ServerFrame frame) {
        writeJson(WireJson.encode(frame));
    }

    private void error(String id, Throwable failure) {
        if (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) failure = failure.getCause();
        ApiException api = failure instanceof ApiException a ? a : new ApiException(ErrorCode.INTERNAL, "unexpected error");
        if (!(failure instanceof ApiException)) log.error("socket frame failed (device {})", principal.deviceId(), failure);
        write(new Frames.Error(id, api.code().name(), api.getMessage()));
    }

    /** Writes unless the socket's outbound queue is full: a reader that stalls is cut off, others go on. */
    private void writeJson(String json) {
        if (closed) return;
        if (ws.isClosed()) { // the peer went away; the close handler runs next
            onClosed();
            return;
        }
        if (ws.writeQueueFull()) {
            connections.slowConsumerClosed();
            close(CloseCodes.SLOW_CONSUMER, "outbound queue full; reconnect and sync");
            return;
        }
        ws.writeTextMessage(json);
        connections.frameSent();
    }

    void ping() {
        if (!closed && !ws.isClosed()) ws.writePing(Buffer.buffer("p"));
    }

    void close(short code, String reason) {
        if (closed) return;
        closed = true;
        held.clear();
        ws.close(code, reason);
        connections.remove(this);
    }

    private void onClosed() {
        closed = true;
        held.clear();
        connections.remove(this);
    }

    Context context() {
        return context;
    }
}
