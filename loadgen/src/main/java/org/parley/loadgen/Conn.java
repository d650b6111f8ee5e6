package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.function.Consumer;

/**
 * One device's socket, driven by Vert.x on its event loop: it syncs first (so it goes live
 * the way a real client does), then hands every frame to the scenario.
 */
final class Conn implements Peer {
    final Accounts.User user;
    final int index;
    private WebSocket ws;
    private io.vertx.core.Context context;
    private volatile String closedBy;

    Conn(Accounts.User user, int index) {
        this.user = user;
        this.index = index;
    }

    @Override
    public int index() {
        return index;
    }

    /** Connects and completes once the node answered the first sync with more=false. */
    @Override
    public Future<Conn> open(WebSocketClient client, URI base, Consumer<String> onFrame) {
        Promise<Conn> live = Promise.promise();
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort()).setURI("/v1/ws")
                .addHeader("Authorization", "Bearer " + user.token());
        client.connect(o).onFailure(live::tryFail).onSuccess(socket -> {
            ws = socket;
            context = io.vertx.core.Vertx.currentContext();
            socket.textMessageHandler(text -> {
                if (!live.future().isComplete()) {
                    if (text.startsWith("{\"type\":\"ready\"")) {
                        socket.writeTextMessage("{\"type\":\"sync\",\"id\":\"s\",\"cursors\":{}}");
                    } else if (text.startsWith("{\"type\":\"synced\"")) {
                        if (text.contains("\"more\":true")) {
                            live.tryFail("a fresh bench user should not have that much history");
                        } else {
                            live.tryComplete(this);
                        }
                    }
                    return;
                }
                onFrame.accept(text);
            });
            socket.exceptionHandler(e -> live.tryFail(e));
            socket.closeHandler(v -> {
                closedBy = socket.closeStatusCode() + " " + socket.closeReason();
                live.tryFail("closed before going live");
            });
        });
        return live.future();
    }

    /** Writes a frame; call on this socket's event loop (see {@link #context()}). */
    @Override
    public void send(String frame) {
        ws.writeTextMessage(frame);
    }

    @Override
    public io.vertx.core.Context context() {
        return context;
    }

    @Override
    public String closedBy() {
        return closedBy;
    }

    @Override
    public boolean isClosed() {
        return ws == null || ws.isClosed();
    }

    Future<Void> close() {
        return ws == null ? Future.succeededFuture() : ws.close();
    }
}
