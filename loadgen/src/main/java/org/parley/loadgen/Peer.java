package org.parley.loadgen;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.WebSocketClient;
import java.net.URI;
import java.util.function.Consumer;

/** One user's socket as the messaging scenario drives it, whatever the protocol. */
interface Peer {
    /** The user's number in the scenario (0 .. clients-1). */
    int index();

    /** Connects, signs in and completes once the socket is live (synced, rooms joined); later frames go to {@code onFrame}. */
    Future<?> open(WebSocketClient client, URI base, Consumer<String> onFrame);

    /** Writes a frame; call on {@link #context()}. */
    void send(String frame);

    /** The event loop this socket lives on. */
    Context context();

    boolean isClosed();

    /** How the socket was closed ("1001 going away"), or null while it is open. */
    String closedBy();
}
