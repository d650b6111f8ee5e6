package org.parley.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import org.parley.protocol.WireJson;

/** Creates users, chats and groups over the node's REST API (the node must return dev codes). */
final class Accounts {
    record User(String userId, String token) {}

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final long phoneBase = 1_000_000L + ThreadLocalRandom.current().nextLong(8_000_000L);

    Accounts(URI base) {
        this.base = base;
    }

    JsonNode call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " -> " + r.statusCode() + " " + r.body());
        return r.body().isEmpty() ? null : WireJson.mapper().readTree(r.body());
    }

    /** Signs up {@code n} new users, 32 at a time. */
    List<User> signUp(int n) throws Exception {
        return thirtyTwoAtATime(n, i -> {
            String phone = "+1555" + String.format("%08d", (phoneBase + i) % 100_000_000L);
            String code = call("POST", "/v1/auth/code", null, "{\"phone\":\"" + phone + "\"}").path("devCode").asText(null);
            if (code == null) throw new IllegalStateException("the node returns no dev codes: start it with auth.devCodes=true");
            JsonNode t = call("POST", "/v1/auth/token", null, "{\"phone\":\"" + phone + "\",\"code\":\"" + code + "\",\"deviceName\":\"bench\"}");
            return new User(t.get("userId").asText(), t.get("token").asText());
        });
    }

    /** Opens the direct chat of {@code a.get(i)} with {@code b.get(i)} for each i, 32 at a time; their ids in that order. */
    List<String> openDirects(List<User> a, List<User> b) throws Exception {
        return thirtyTwoAtATime(a.size(), i -> openDirect(a.get(i), b.get(i)));
    }

    private interface Call<T> {
        T run(int i) throws Exception;
    }

    /** {@code call} for 0..n-1 on virtual threads, at most 32 at once; the results in that order. */
    private static <T> List<T> thirtyTwoAtATime(int n, Call<T> call) throws Exception {
        Semaphore window = new Semaphore(32);
        List<Future<T>> futures = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    window.acquire();
                    try {
                        return call.run(index);
                    } finally {
                        window.release();
                    }
                }));
            }
            List<T> results = new ArrayList<>(n);
            for (Future<T> f : futures) results.add(f.get());
            return results;
        }
    }

    String openDirect(User a, User b) throws Exception {
        return call("POST", "/v1/chats", a.token(), "{\"type\":\"direct\",\"userId\":\"" + b.userId() + "\"}").get("chatId").asText();
    }

    String createGroup(User owner, List<User> members, String title) throws Exception {
        StringBuilder ids = new StringBuilder();
        for (User m : members) {
            if (m == owner) continue;
            if (ids.length() > 0) ids.append(',');
            ids.append('"').append(m.userId()).append('"');
        }
        return call("POST", "/v1/chats", owner.token(), "{\"type\":\"group\",\"title\":\"" + title + "\",\"members\":[" + ids + "]}")
                .get("chatId").asText();
    }
}
