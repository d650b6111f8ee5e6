package org.parley.loadgen;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import java.net.URI;
import java.util.function.Consumer;

/** One user's socket as the messaging scenario drives it, whatever the protocol. */
abstract class Peer {
    protected WebSocket ws;
    protected Context context;
    protected volatile String closedBy;

    /** The user's number in the scenario (0 .. clients-1). */
    abstract int index();

    /** Connects, signs in and completes once the socket is live (synced, rooms joined); later frames go to {@code onFrame}. */
    abstract Future<?> open(WebSocketClient client, URI base, Consumer<String> onFrame);

    /** Keeps the socket (call on its event loop, from the connect callback) and notes how it closes. */
    protected void attach(WebSocket socket, Runnable onClose) {
        ws = socket;
        context = io.vertx.core.Vertx.currentContext();
        socket.closeHandler(v -> {
            closedBy = socket.closeStatusCode() + " " + socket.closeReason();
            onClose.run();
        });
    }

    /** Writes a frame; call on {@link #context()}. */
    void send(String frame) {
        ws.writeTextMessage(frame);
    }

    /** The event loop this socket lives on. */
    Context context() {
        return context;
    }

    boolean isClosed() {
        return ws == null || ws.isClosed();
    }

    /** How the socket was closed ("1001 going away"), or null while it is open. */
    String closedBy() {
        return closedBy;
    }
}
