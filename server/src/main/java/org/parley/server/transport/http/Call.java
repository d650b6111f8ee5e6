package org.parley.server.transport.http;

import io.vertx.ext.web.RoutingContext;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.server.auth.ClientAddress;
import org.parley.server.auth.Principal;

/** One request as a route sees it: path and query parameters, the parsed body, the caller. */
public final class Call {
    private final RoutingContext ctx;
    private final byte[] body;
    private final Principal principal;

    Call(RoutingContext ctx, byte[] body, Principal principal) {
        this.ctx = ctx;
        this.body = body;
        this.principal = principal;
    }

    public Principal principal() {
        return principal;
    }

    public String path(String name) {
        return ctx.pathParam(name);
    }

    public String query(String name) {
        var all = ctx.queryParam(name);
        if (all.size() > 1) throw ApiException.invalid("query parameter " + name + " given more than once");
        return all.isEmpty() ? null : all.get(0);
    }

    public Long queryLong(String name) {
        String s = query(name);
        if (s == null) return null;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("query parameter " + name + " must be an integer");
        }
    }

    public Integer queryInt(String name) {
        Long v = queryLong(name);
        if (v == null) return null;
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw ApiException.invalid("query parameter " + name + " is out of range");
        return v.intValue();
    }

    public <T> T body(Class<T> type) {
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/json");
        }
        return JsonBodies.parse(body, type);
    }

    /** The body when there is one, else {@code absent}. */
    public <T> T bodyOr(Class<T> type, java.util.function.Supplier<T> absent) {
        return body.length == 0 ? absent.get() : body(type);
    }

    public ClientAddress client() {
        return HttpApi.clientAddress(ctx);
    }
}
