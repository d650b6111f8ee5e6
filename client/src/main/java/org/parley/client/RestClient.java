package org.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.parley.protocol.Model;
import org.parley.protocol.WireJson;

/** The REST half of the SDK: one method per route of docs/PROTOCOL.md. */
public final class RestClient {
    private final URI base;
    private final HttpClient http;
    private volatile String token;

    public RestClient(URI base, HttpClient http) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.http = http;
    }

    public URI base() {
        return base;
    }

    public void token(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    /** Answer of a send: {@code duplicate} when the node had this clientMsgId already (HTTP 200). */
    public record Sent(Model.SendResult result, boolean duplicate) {}

    public Model.CodeSent requestCode(String phone) {
        return call("POST", "/v1/auth/code", json("phone", phone), Model.CodeSent.class);
    }

    public Model.TokenIssued signIn(String phone, String code, String deviceName) {
        Model.TokenIssued issued = call("POST", "/v1/auth/token", json("phone", phone, "code", code, "deviceName", deviceName),
                Model.TokenIssued.class);
        this.token = issued.token();
        return issued;
    }

    public Model.User me() {
        return call("GET", "/v1/me", null, Model.User.class);
    }

    public Model.User updateProfile(String displayName, String about) {
        return call("PATCH", "/v1/me", json("displayName", displayName, "about", about), Model.User.class);
    }

    public Model.Devices devices() {
        return call("GET", "/v1/me/devices", null, Model.Devices.class);
    }

    public void renameDevice(String deviceId, String name) {
        call("PATCH", "/v1/me/devices/" + deviceId, json("name", name), Void.class);
    }

    public void signOut(String deviceId) {
        call("DELETE", "/v1/me/devices/" + deviceId, null, Void.class);
    }

    public Model.UserSummary lookUp(String phone) {
        return call("GET", "/v1/users?phone=" + URLEncoder.encode(phone, StandardCharsets.UTF_8), null, Model.UserSummary.class);
    }

    public Model.Chat openDirect(String userId) {
        return call("POST", "/v1/chats", json("type", "direct", "userId", userId), Model.Chat.class);
    }

    public Model.Chat createGroup(String title, java.util.List<String> members) {
        return call("POST", "/v1/chats", json("type", "group", "title", title, "members", members), Model.Chat.class);
    }

    public Model.Chat chat(String chatId) {
        return call("GET", "/v1/chats/" + chatId, null, Model.Chat.class);
    }

    public Model.Chat updateGroup(String chatId, String title, String description, Boolean onlyAdminsSend, Boolean onlyAdminsEdit) {
        return call("PATCH", "/v1/chats/" + chatId, json("title", title, "description", description, "onlyAdminsSend", onlyAdminsSend,
                "onlyAdminsEdit", onlyAdminsEdit), Model.Chat.class);
    }

    public Model.Members members(String chatId) {
        return call("GET", "/v1/chats/" + chatId + "/members", null, Model.Members.class);
    }

    public Model.Members addMembers(String chatId, java.util.List<String> userIds) {
        return call("POST", "/v1/chats/" + chatId + "/members", json("userIds", userIds), Model.Members.class);
    }

    public void removeMember(String chatId, String userId) {
        call("DELETE", "/v1/chats/" + chatId + "/members/" + userId, null, Void.class);
    }

    public void setRole(String chatId, String userId, String role) {
        call("PATCH", "/v1/chats/" + chatId + "/members/" + userId, json("role", role), Void.class);
    }

    public Model.Invite createInvite(String chatId, Long expiresInSeconds) {
        return call("POST", "/v1/chats/" + chatId + "/invite", expiresInSeconds == null ? null : json("expiresInSeconds", expiresInSeconds),
                Model.Invite.class);
    }

    public void revokeInvite(String chatId) {
        call("DELETE", "/v1/chats/" + chatId + "/invite", null, Void.class);
    }

    public Model.Chat join(String chatId, String inviteCode) {
        return call("POST", "/v1/chats/" + chatId + "/join", json("inviteCode", inviteCode), Model.Chat.class);
    }

    public void leave(String chatId) {
        call("POST", "/v1/chats/" + chatId + "/leave", null, Void.class);
    }

    public Model.Receipts receipts(String chatId, String msgId) {
        return call("GET", "/v1/chats/" + chatId + "/messages/" + msgId + "/receipts", null, Model.Receipts.class);
    }

    public Model.Chats chats() {
        return call("GET", "/v1/chats", null, Model.Chats.class);
    }

    public Model.MessagePage messages(String chatId, Integer limit, Long before, Long after) {
        StringBuilder q = new StringBuilder("/v1/chats/" + chatId + "/messages?");
        if (limit != null) q.append("limit=").append(limit).append('&');
        if (before != null) q.append("before=").append(before).append('&');
        if (after != null) q.append("after=").append(after).append('&');
        return call("GET", q.substring(0, q.length() - 1), null, Model.MessagePage.class);
    }

    public Sent send(String chatId, String clientMsgId, String text, String replyTo) {
        HttpResponse<byte[]> r = exchange("POST", "/v1/chats/" + chatId + "/messages",
                json("clientMsgId", clientMsgId, "text", text, "replyTo", replyTo));
        return new Sent(decode(r, Model.SendResult.class), r.statusCode() == 200);
    }

    public void markRead(String chatId, long upToSeq) {
        call("POST", "/v1/chats/" + chatId + "/read", "{\"upToSeq\":" + upToSeq + "}", Void.class);
    }

    public Model.Presence presence(String userId) {
        return call("GET", "/v1/users/" + userId + "/presence", null, Model.Presence.class);
    }

    public Model.Settings settings() {
        return call("GET", "/v1/me/settings", null, Model.Settings.class);
    }

    public Model.Settings putSettings(Model.Settings settings) {
        return call("PUT", "/v1/me/settings", WireJson.encode(settings), Model.Settings.class);
    }

    /** Registers this device's push address: a {@code Requests.PushRegistration} as JSON fields. */
    public void registerPush(org.parley.protocol.Requests.PushRegistration registration) {
        call("PUT", "/v1/devices/current/push", WireJson.encode(registration), Void.class);
    }

    public void unregisterPush() {
        call("DELETE", "/v1/devices/current/push", null, Void.class);
    }

    public Model.VapidKey vapidKey() {
        return call("GET", "/v1/push/vapid", null, Model.VapidKey.class);
    }

    /** No pushes for the chat until {@code until} (epoch ms); null unmutes. */
    public void mute(String chatId, Long until) {
        if (until == null) call("DELETE", "/v1/chats/" + chatId + "/mute", null, Void.class);
        else call("PUT", "/v1/chats/" + chatId + "/mute", json("until", until), Void.class);
    }

    /** Builds a JSON object from name/value pairs, leaving out null values. */
    static String json(Object... pairs) {
        var node = WireJson.mapper().createObjectNode();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) node.putPOJO((String) pairs[i], pairs[i + 1]);
        }
        return node.toString();
    }

    private <T> T call(String method, String path, String body, Class<T> type) {
        return decode(exchange(method, path, body), type);
    }

    /** Sends a raw request; used by tests to send deliberately bad bodies. */
    public HttpResponse<byte[]> exchange(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ParleyException("UNREACHABLE", 0, "cannot reach " + base + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ParleyException("UNREACHABLE", 0, "interrupted");
        }
    }

    static <T> T decode(HttpResponse<byte[]> r, Class<T> type) {
        if (r.statusCode() >= 300) throw error(r);
        if (type == Void.class || r.body().length == 0) return null;
        try {
            return WireJson.mapper().readValue(r.body(), type);
        } catch (IOException e) {
            throw new ParleyException("BAD_ANSWER", r.statusCode(), "cannot read answer: " + e.getMessage());
        }
    }

    static ParleyException error(HttpResponse<byte[]> r) {
        try {
            JsonNode e = WireJson.mapper().readTree(r.body()).path("error");
            return new ParleyException(e.path("code").asText("HTTP_" + r.statusCode()), r.statusCode(), e.path("message").asText(""));
        } catch (IOException | RuntimeException ex) {
            return new ParleyException("HTTP_" + r.statusCode(), r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        }
    }
}
