package org.parley.server.transport.ws;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Frames;
import org.parley.server.account.LastSeenWriter;
import org.parley.server.auth.AuthService;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatService;
import org.parley.server.delivery.Bus;
import org.parley.server.presence.PresenceService;
import org.parley.server.message.MessageService;
import org.parley.server.receipt.ReceiptService;
import org.parley.server.transport.http.HttpApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** GET /v1/ws: authenticates, then upgrades to a socket for the device. */
public final class WsEndpoint {
    public static final String PATH = "/v1/ws";
    private static final Logger log = LoggerFactory.getLogger(WsEndpoint.class);

    private final AuthService auth;
    private final LastSeenWriter lastSeen;
    private final MessageService messages;
    private final ReceiptService receipts;
    private final PresenceService presence;
    private final ChatService chats;
    private final Bus bus;
    private final Connections connections;
    private final ExecutorService blocking;
    private final BooleanSupplier shuttingDown;
    private final Clock clock;
    private final int maxFrameBytes;
    private final int syncBatch;
    private final int outboundQueueBytes;
    private final int pingIntervalSeconds;

    public WsEndpoint(AuthService auth, LastSeenWriter lastSeen, MessageService messages, ReceiptService receipts, PresenceService presence,
            ChatService chats, Bus bus, Connections connections, ExecutorService blocking, BooleanSupplier shuttingDown, Clock clock, int maxFrameBytes, int syncBatch, int outboundQueueBytes,
            int pingIntervalSeconds) {
        this.auth = auth;
        this.lastSeen = lastSeen;
        this.messages = messages;
        this.receipts = receipts;
        this.presence = presence;
        this.chats = chats;
        this.bus = bus;
        this.connections = connections;
        this.blocking = blocking;
        this.shuttingDown = shuttingDown;
        this.clock = clock;
        this.maxFrameBytes = maxFrameBytes;
        this.syncBatch = syncBatch;
        this.outboundQueueBytes = outboundQueueBytes;
        this.pingIntervalSeconds = pingIntervalSeconds;
    }

    public void handle(RoutingContext ctx) {
        String requestId = HttpApi.requestId(ctx);
        if (refusedWhileStopping(ctx)) return;
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        String token = header != null ? bearerOf(header) : ctx.request().getParam("access_token");
        Context context = Vertx.currentContext();
        ctx.request().pause();
        blocking.execute(() -> {
            try {
                Principal p = auth.authenticate(token);
                context.runOnContext(v -> upgrade(ctx, p));
            } catch (RuntimeException e) {
                ApiException api = e instanceof ApiException a ? a : new ApiException(ErrorCode.INTERNAL, "unexpected error");
                context.runOnContext(v -> HttpApi.fail(ctx, requestId, api));
            }
        });
    }

    /** While the node shuts down, handshakes get 503 SHUTTING_DOWN. */
    private boolean refusedWhileStopping(RoutingContext ctx) {
        if (!shuttingDown.getAsBoolean()) return false;
        HttpApi.fail(ctx, HttpApi.requestId(ctx), new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
        return true;
    }

    private static String bearerOf(String header) {
        return header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    }

    private void upgrade(RoutingContext ctx, Principal p) {
        if (refusedWhileStopping(ctx)) return; // the token check may have outlasted closeAll(): no new sockets now
        WsChannel.Refusal refusal = WsChannel.check(ctx.request());
        if (refusal != null) {
            var response = ctx.response().setStatusCode(refusal.status());
            refusal.headers().forEach(response::putHeader);
            if (refusal.body().isEmpty()) {
                response.end();
            } else {
                response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(refusal.body());
            }
            return;
        }
        // the event loop's own context: a socket keeps nothing of its HTTP request
        Context loop = ((io.vertx.core.internal.ContextInternal) Vertx.currentContext()).unwrap();
        DeviceSocket socket;
        try {
            WsChannel channel = WsChannel.upgrade(ctx.request(), maxFrameBytes, outboundQueueBytes);
            if (channel == null) return; // the device hung up while its token was checked
            socket = new DeviceSocket(p, channel, loop, connections, messages, receipts, presence, chats, bus,
                    blocking, maxFrameBytes, syncBatch, outboundQueueBytes);
        } catch (RuntimeException e) {
            log.error("websocket upgrade failed", e);
            ctx.request().connection().close();
            return;
        }
        connections.add(socket);
        socket.start(new Frames.Ready(p.userId(), p.deviceId(), maxFrameBytes, pingIntervalSeconds));
        if (auth.isSignedOut(p.deviceId())) { // signed out between authentication and registration
            socket.write(new Frames.SignedOut(p.deviceId()));
            socket.close(CloseCodes.SIGNED_OUT, "signed out");
            return;
        }
        lastSeen.record(p.deviceId(), clock.millis()); // informational: the connection goes on whether it is stored or not
    }
}
