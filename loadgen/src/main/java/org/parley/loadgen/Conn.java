package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.util.function.Consumer;

/**
 * One device's socket, driven by Vert.x on its event loop: it syncs first (so it goes live
 * the way a real client does), then hands every frame to the scenario.
 */
final class Conn extends Peer {
    final Accounts.User user;
    final int index;

    Conn(Accounts.User user, int index) {
        this.user = user;
        this.index = index;
    }

    @Override
    int index() {
        return index;
    }

    /** Connects and completes once the node answered the first sync with more=false. */
    @Override
    Future<Conn> open(WebSocketClient client, URI base, Consumer<String> onFrame) {
        Promise<Conn> live = Promise.promise();
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort()).setURI("/v1/ws")
                .addHeader("Authorization", "Bearer " + user.token());
        // Handlers set before connecting: the node's `ready` may come in the same read as the
        // handshake's answer, and a handler set once the connect succeeded could miss it.
        ClientWebSocket socket = client.webSocket();
        Runnable attached = () -> { // on the socket's event loop, by whichever comes first: its first frame or the connect's success
            if (ws == null) attach(socket, () -> live.tryFail("closed before going live"));
        };
        socket.textMessageHandler(text -> {
            if (!live.future().isComplete()) {
                attached.run();
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
        socket.connect(o).onFailure(live::tryFail).onSuccess(opened -> attached.run());
        return live.future();
    }

    Future<Void> close() {
        return ws == null ? Future.succeededFuture() : ws.close();
    }
}
