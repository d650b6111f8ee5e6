package org.parley.server.transport.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.ErrorBody;
import org.parley.protocol.Model.ErrorDetail;
import org.parley.protocol.Requests;
import org.parley.protocol.WireJson;
import org.parley.server.account.AccountService;
import org.parley.server.auth.AuthService;
import org.parley.server.auth.ClientAddress;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatService;
import org.parley.server.delivery.Bus;
import org.parley.server.delivery.Event;
import org.parley.server.group.GroupService;
import org.parley.server.message.MessageService;
import org.parley.server.presence.PresenceService;
import org.parley.server.push.PushService;
import org.parley.server.ratelimit.RateLimiter;
import org.parley.server.receipt.CursorStore;
import org.parley.server.receipt.ReceiptService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The REST API (/v1). Thin: decode, authenticate, call a feature service on a virtual
 * thread, encode. Every route is in {@link #routes()}, which the docs test reads.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final Logger access = LoggerFactory.getLogger("parley.access");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    public static final String REQUEST_ID_KEY = "requestId";

    @FunctionalInterface
    public interface Handler {
        Reply handle(Call call) throws Exception;
    }

    /** One route; {@code open} routes need no token. */
    public record Route(HttpMethod method, String path, boolean open, Handler handler) {}

    private final AuthService auth;
    private final AccountService accounts;
    private final ChatService chats;
    private final GroupService groups;
    private final MessageService messages;
    private final ReceiptService receipts;
    private final PresenceService presence;
    private final PushService push;
    private final Bus bus;
    private final ExecutorService blocking;
    private final BooleanSupplier shuttingDown;
    private final int maxBodyBytes;

    public HttpApi(AuthService auth, AccountService accounts, ChatService chats, GroupService groups, MessageService messages,
            ReceiptService receipts, PresenceService presence, PushService push, Bus bus, ExecutorService blocking, BooleanSupplier shuttingDown, int maxBodyBytes) {
        this.auth = auth;
        this.accounts = accounts;
        this.chats = chats;
        this.groups = groups;
        this.messages = messages;
        this.receipts = receipts;
        this.presence = presence;
        this.push = push;
        this.bus = bus;
        this.blocking = blocking;
        this.shuttingDown = shuttingDown;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Every REST route of the node. Paths use :name for parameters. */
    public List<Route> routes() {
        return List.of(
                new Route(HttpMethod.POST, "/v1/auth/code", true,
                        c -> Reply.ok(auth.requestCode(c.body(Requests.CodeRequest.class), c.client()))),
                new Route(HttpMethod.POST, "/v1/auth/token", true,
                        c -> Reply.ok(auth.signIn(c.body(Requests.TokenRequest.class), c.client()))),
                new Route(HttpMethod.GET, "/v1/me", false, c -> Reply.ok(accounts.me(c.principal()))),
                new Route(HttpMethod.PATCH, "/v1/me", false,
                        c -> Reply.ok(accounts.updateProfile(c.principal(), c.body(Requests.ProfileUpdate.class)))),
                new Route(HttpMethod.GET, "/v1/me/devices", false, c -> Reply.ok(accounts.devices(c.principal()))),
                new Route(HttpMethod.PATCH, "/v1/me/devices/:deviceId", false, c -> {
                    accounts.renameDevice(c.principal(), c.path("deviceId"), c.body(Requests.DeviceRename.class));
                    return Reply.noContent();
                }),
                new Route(HttpMethod.DELETE, "/v1/me/devices/:deviceId", false, c -> {
                    auth.signOut(c.principal(), c.path("deviceId"), p -> bus.publish(new Event.DeviceSignedOut(p.userId(), p.deviceId())));
                    return Reply.noContent();
                }),
                new Route(HttpMethod.GET, "/v1/users", false, c -> {
                    String phone = c.query("phone");
                    if (phone == null) throw ApiException.invalid("query parameter phone is required");
                    return Reply.ok(accounts.lookUpByPhone(c.principal(), phone));
                }),
                new Route(HttpMethod.GET, "/v1/users/:userId", false, c -> Reply.ok(accounts.lookUpById(c.path("userId")))),
                new Route(HttpMethod.GET, "/v1/users/:userId/presence", false, c -> Reply.ok(presence.view(c.principal(), c.path("userId")))),
                new Route(HttpMethod.GET, "/v1/me/settings", false, c -> Reply.ok(accounts.settings(c.principal()))),
                new Route(HttpMethod.PUT, "/v1/me/settings", false, c -> {
                    var saved = accounts.putSettings(c.principal(), c.body(Requests.SettingsUpdate.class));
                    var state = presence.state(c.principal().userId()); // watchers see it again under the new rule
                    bus.publish(new Event.PresenceChanged(c.principal().userId(), state.online(), state.lastSeen(), state.version(), true));
                    return Reply.ok(saved);
                }),
                new Route(HttpMethod.PUT, "/v1/devices/current/push", false, c -> {
                    push.register(c.principal(), c.body(Requests.PushRegistration.class));
                    return Reply.noContent();
                }),
                new Route(HttpMethod.DELETE, "/v1/devices/current/push", false, c -> {
                    push.unregister(c.principal());
                    return Reply.noContent();
                }),
                new Route(HttpMethod.GET, "/v1/push/vapid", true, c -> Reply.ok(push.vapidKey())),
                new Route(HttpMethod.POST, "/v1/chats", false, c -> {
                    var request = c.body(Requests.OpenChatRequest.class);
                    if (request.type().equals("group")) return Reply.created(groups.create(c.principal(), request));
                    var opened = chats.open(c.principal(), request);
                    return opened.created() ? Reply.created(opened.chat()) : Reply.ok(opened.chat());
                }),
                new Route(HttpMethod.GET, "/v1/chats", false, c -> Reply.ok(chats.list(c.principal()))),
                new Route(HttpMethod.GET, "/v1/chats/:chatId", false, c -> Reply.ok(chats.get(c.principal(), c.path("chatId")))),
                new Route(HttpMethod.PATCH, "/v1/chats/:chatId", false,
                        c -> Reply.ok(groups.update(c.principal(), c.path("chatId"), c.body(Requests.GroupUpdate.class)))),
                new Route(HttpMethod.PUT, "/v1/chats/:chatId/mute", false, c -> {
                    chats.mute(c.principal(), c.path("chatId"), c.body(Requests.MuteRequest.class).until());
                    return Reply.noContent();
                }),
                new Route(HttpMethod.DELETE, "/v1/chats/:chatId/mute", false, c -> {
                    chats.mute(c.principal(), c.path("chatId"), null);
                    return Reply.noContent();
                }),
                new Route(HttpMethod.GET, "/v1/chats/:chatId/members", false, c -> Reply.ok(groups.members(c.principal(), c.path("chatId")))),
                new Route(HttpMethod.POST, "/v1/chats/:chatId/members", false,
                        c -> Reply.ok(groups.add(c.principal(), c.path("chatId"), c.body(Requests.AddMembersRequest.class)))),
                new Route(HttpMethod.PATCH, "/v1/chats/:chatId/members/:userId", false, c -> {
                    groups.setRole(c.principal(), c.path("chatId"), c.path("userId"), c.body(Requests.RoleChange.class));
                    return Reply.noContent();
                }),
                new Route(HttpMethod.DELETE, "/v1/chats/:chatId/members/:userId", false, c -> {
                    groups.remove(c.principal(), c.path("chatId"), c.path("userId"));
                    return Reply.noContent();
                }),
                new Route(HttpMethod.POST, "/v1/chats/:chatId/invite", false, c -> Reply.created(groups.createInvite(c.principal(),
                        c.path("chatId"), c.bodyOr(Requests.InviteRequest.class, () -> new Requests.InviteRequest(null))))),
                new Route(HttpMethod.DELETE, "/v1/chats/:chatId/invite", false, c -> {
                    groups.revokeInvite(c.principal(), c.path("chatId"));
                    return Reply.noContent();
                }),
                new Route(HttpMethod.POST, "/v1/chats/:chatId/join", false,
                        c -> Reply.ok(groups.join(c.principal(), c.path("chatId"), c.body(Requests.JoinRequest.class)))),
                new Route(HttpMethod.POST, "/v1/chats/:chatId/leave", false, c -> {
                    groups.leave(c.principal(), c.path("chatId"));
                    return Reply.noContent();
                }),
                new Route(HttpMethod.GET, "/v1/chats/:chatId/messages/:msgId/receipts", false,
                        c -> Reply.ok(receipts.receipts(c.principal(), c.path("chatId"), c.path("msgId")))),
                new Route(HttpMethod.GET, "/v1/chats/:chatId/messages", false, c -> Reply.ok(messages.history(c.principal(),
                        c.path("chatId"), c.queryInt("limit"), c.queryLong("before"), c.queryLong("after")))),
                new Route(HttpMethod.POST, "/v1/chats/:chatId/messages", false, c -> {
                    var request = c.body(Requests.SendMessageRequest.class);
                    var sent = messages.sendAndWait(c.principal(), c.path("chatId"), request);
                    var m = sent.message();
                    return new Reply(sent.duplicate() ? 200 : 201, new org.parley.protocol.Model.SendResult(m.msgId(), m.seq(), m.sentAt()));
                }),
                new Route(HttpMethod.POST, "/v1/chats/:chatId/read", false, c -> {
                    var request = c.body(Requests.ReadRequest.class);
                    receipts.mark(c.principal(), c.path("chatId"), CursorStore.Kind.read, request.upToSeq());
                    return Reply.noContent();
                }));
    }

    /** Installs the routes, body limits and the JSON answers for 404, 405 and 413. */
    public void install(Router router) {
        router.route().handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
        for (Route r : routes()) router.route(r.method(), r.path()).handler(ctx -> dispatch(ctx, r));
        router.errorHandler(404, ctx -> fail(ctx, requestId(ctx), new ApiException(ErrorCode.NOT_FOUND, "no route " + ctx.request().path())));
        router.errorHandler(405, ctx -> fail(ctx, requestId(ctx), new ApiException(ErrorCode.METHOD_NOT_ALLOWED,
                ctx.request().method() + " is not allowed on " + ctx.request().path())));
        router.errorHandler(413, ctx -> fail(ctx, requestId(ctx), new ApiException(ErrorCode.BODY_TOO_LARGE,
                "the body is larger than " + maxBodyBytes + " bytes")));
        router.errorHandler(500, ctx -> fail(ctx, requestId(ctx), new ApiException(ErrorCode.INTERNAL, "unexpected error")));
    }

    /** The request id: the caller's X-Request-Id when well-formed, else a new one; echoed back. */
    public static String requestId(RoutingContext ctx) {
        String id = ctx.get(REQUEST_ID_KEY);
        if (id != null) return id;
        String given = ctx.request().getHeader("X-Request-Id");
        id = given != null && REQUEST_ID.matcher(given).matches() ? given : Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
        ctx.put(REQUEST_ID_KEY, id);
        return id;
    }

    private void dispatch(RoutingContext ctx, Route route) {
        String requestId = requestId(ctx);
        long start = System.nanoTime();
        if (shuttingDown.getAsBoolean()) {
            fail(ctx, requestId, new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
            return;
        }
        Context context = Vertx.currentContext();
        byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String token = bearer(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
        try {
            blocking.execute(() -> {
                MDC.put(REQUEST_ID_KEY, requestId);
                try {
                    Principal principal = route.open() ? null : auth.authenticate(token);
                    Reply reply = route.handler().handle(new Call(ctx, body, principal));
                    context.runOnContext(v -> respond(ctx, requestId, reply, start));
                } catch (Exception e) {
                    ApiException api = toApi(e, requestId);
                    context.runOnContext(v -> fail(ctx, requestId, api));
                } finally {
                    MDC.remove(REQUEST_ID_KEY);
                }
            });
        } catch (RejectedExecutionException e) {
            fail(ctx, requestId, new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
        }
    }

    static ApiException toApi(Throwable e, String requestId) {
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) e = e.getCause();
        if (e instanceof ApiException api) {
            if (api.code() == ErrorCode.STORE_UNAVAILABLE) log.warn("store unavailable (req={}): {}", requestId, api.getMessage());
            return api;
        }
        log.error("unexpected failure (req={})", requestId, e);
        return new ApiException(ErrorCode.INTERNAL, "unexpected error; request id " + requestId);
    }

    static String bearer(String header) {
        if (header == null) return null;
        if (header.length() > 7 && header.regionMatches(true, 0, "Bearer ", 0, 7)) return header.substring(7).trim();
        return "";
    }

    private void respond(RoutingContext ctx, String requestId, Reply reply, long start) {
        var response = ctx.response();
        if (response.ended() || response.closed()) return;
        response.setStatusCode(reply.status()).putHeader("X-Request-Id", requestId);
        if (reply.body() == null) {
            response.end();
        } else {
            response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
            response.end(io.vertx.core.buffer.Buffer.buffer(WireJson.encodeBytes(reply.body()))); // UTF-8 straight from Jackson
        }
        MDC.put(REQUEST_ID_KEY, requestId);
        access.info("{} {} {} {}ms", ctx.request().method(), ctx.request().path(), reply.status(), (System.nanoTime() - start) / 1_000_000);
        MDC.remove(REQUEST_ID_KEY);
    }

    /** Writes the error body with the code's HTTP status. */
    public static void fail(RoutingContext ctx, String requestId, ApiException e) {
        var response = ctx.response();
        if (response.ended() || response.closed()) return;
        response.setStatusCode(e.code().httpStatus())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader("X-Request-Id", requestId);
        if (e instanceof RateLimiter.Limited limited) response.putHeader("Retry-After", Long.toString(limited.retryAfterSeconds()));
        response.end(WireJson.encode(new ErrorBody(new ErrorDetail(e.code().name(), e.getMessage(), requestId))));
        MDC.put(REQUEST_ID_KEY, requestId);
        access.info("{} {} {} {}", ctx.request().method(), ctx.request().path(), e.code().httpStatus(), e.code());
        MDC.remove(REQUEST_ID_KEY);
    }

    public static ClientAddress clientAddress(RoutingContext ctx) {
        SocketAddress remote = ctx.request().remoteAddress();
        String ip = remote == null ? "unknown" : remote.hostAddress();
        boolean loopback;
        try {
            loopback = remote != null && InetAddress.getByName(ip).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false;
        }
        return new ClientAddress(ip, loopback);
    }
}
