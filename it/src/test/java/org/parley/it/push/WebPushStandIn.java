package org.parley.it.push;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.parley.protocol.WireJson;
import org.parley.server.push.PushEndpoint;
import org.parley.server.push.WebPushCrypto;

/**
 * A browser push service (what FCM, Mozilla autopush or Apple run for Web Push) on HTTPS at
 * 127.0.0.1, for tests that send Web Push, directly or through a running node.
 *
 * <p>It checks every request as a real service does: POST to a known subscription's endpoint,
 * RFC 8030 headers (TTL, Topic, Urgency), an RFC 8292 VAPID token signed with the key in
 * {@code k} (and, when given, that it is the expected key) for this origin, and an RFC 8291
 * body that decrypts with the subscriber's keys. Every request is recorded as a
 * {@link Received}, whose {@code problem} says what was wrong, null if nothing. A request that
 * fails a check is answered as a real service would (404 unknown endpoint, 405 not a POST,
 * 401 bad VAPID, 400 otherwise); a good one gets the next answer queued by
 * {@link #respondWith}, else 201.
 *
 * <p>Through a node: set {@code push.trustCertFile} to {@code TestTls.get().certPem} and
 * {@code push.webPush.allowedHosts} to {@code "127.0.0.1:" + port()}; register
 * {@link #newSubscription()}'s endpoint, p256dh and auth as the device's push address; once the
 * node's VAPID key is known, {@link #expectVapidKey} it; then {@link #awaitReceived} the push.
 */
public final class WebPushStandIn implements AutoCloseable {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern PATH = Pattern.compile("/wp/([A-Za-z0-9_-]+)");
    private static final List<String> URGENCIES = List.of("very-low", "low", "normal", "high");
    private static final Duration MAX_TOKEN_LIFETIME = Duration.ofHours(24);

    /** What a browser's {@code pushManager.subscribe()} hands the app, plus the key only the browser holds. */
    public record Subscription(String endpoint, String p256dh, String auth, ECPrivateKey privateKey) {
        /** The last path segment of the endpoint, as in {@link Received#subscriptionId()}. */
        public String id() {
            return endpoint.substring(endpoint.lastIndexOf('/') + 1);
        }

        /** This subscription as a device's Web Push address. */
        public PushEndpoint asPushEndpoint(String deviceId, String userId) {
            return new PushEndpoint(deviceId, userId, PushEndpoint.Kind.webPush, endpoint, p256dh, auth, null, null);
        }
    }

    /**
     * One request. {@code headers} by lower-case name; {@code decryptedJson} is the payload as the
     * service worker would read it (null if it did not decrypt); {@code problem} is null when every
     * check passed.
     */
    public record Received(String subscriptionId, String decryptedJson, Map<String, String> headers, String problem) {}

    private record Answer(int status, String retryAfter) {}

    private final Vertx vertx;
    private final HttpServer server;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final Queue<Answer> script = new ConcurrentLinkedQueue<>();
    private final List<Received> received = new ArrayList<>(); // guarded by itself
    private volatile String expectedVapidKey;

    private WebPushStandIn(String expectedVapidKey) {
        this.expectedVapidKey = expectedVapidKey;
        this.vertx = Vertx.vertx();
        try {
            this.server = TestTls.get().serve(vertx, this::handle);
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /**
     * @param expectedVapidKey the sender's VAPID public key (base64url, as browsers take it); null
     *     to accept any key whose token verifies, until {@link #expectVapidKey} is called
     */
    public static WebPushStandIn start(String expectedVapidKey) {
        return new WebPushStandIn(expectedVapidKey);
    }

    /** From now on, tokens must come with this VAPID public key. */
    public void expectVapidKey(String publicKey) {
        this.expectedVapidKey = publicKey;
    }

    public int port() {
        return server.actualPort();
    }

    /** {@code https://127.0.0.1:<port>}: what a VAPID token's aud must be. */
    public String origin() {
        return "https://127.0.0.1:" + port();
    }

    /** A new subscription at this service, with a fresh P-256 key pair and auth secret as a browser makes them. */
    public Subscription newSubscription() {
        var keys = WebPushCrypto.newKeyPair();
        byte[] auth = new byte[WebPushCrypto.AUTH_SECRET_BYTES];
        random.nextBytes(auth);
        Subscription s = new Subscription(origin() + "/wp/" + randomId(),
                BASE64URL.encodeToString(WebPushCrypto.encodePoint((ECPublicKey) keys.getPublic())), BASE64URL.encodeToString(auth),
                (ECPrivateKey) keys.getPrivate());
        subscriptions.put(s.id(), s);
        return s;
    }

    /**
     * Queues the answer to the next request that passes the checks (in order, one per call);
     * when the queue is empty the answer is 201.
     *
     * @param retryAfter the Retry-After header, or null for none
     */
    public void respondWith(int status, String retryAfter) {
        script.add(new Answer(status, retryAfter));
    }

    /** Every request so far, oldest first. */
    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** Waits until at least {@code count} requests have come, and returns them all. */
    public List<Received> awaitReceived(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (received.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("push service got " + received.size() + " of " + count + " pushes in " + timeout);
                TimeUnit.NANOSECONDS.timedWait(received, left);
            }
            return List.copyOf(received);
        }
    }

    private String randomId() {
        byte[] id = new byte[12];
        random.nextBytes(id);
        return BASE64URL.encodeToString(id);
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("push stand-in did not stop: " + e.getMessage(), e);
        }
    }

    private void handle(HttpServerRequest request) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
        HttpMethod method = request.method();
        String path = request.path();
        request.body()
                .compose(body -> vertx.executeBlocking(() -> check(method, path, headers, body))) // crypto stays off the event loop
                .onSuccess(checked -> answer(request, checked))
                .onFailure(e -> request.response().setStatusCode(500).end(String.valueOf(e)));
    }

    private record Checked(Received received, int problemStatus) {}

    private void answer(HttpServerRequest request, Checked checked) {
        synchronized (received) {
            received.add(checked.received());
            received.notifyAll();
        }
        if (checked.received().problem() != null) {
            request.response().setStatusCode(checked.problemStatus()).putHeader("Content-Type", "application/json")
                    .end(WireJson.encode(Map.of("error", checked.received().problem())));
            return;
        }
        Answer a = script.poll();
        int status = a == null ? 201 : a.status();
        var response = request.response().setStatusCode(status);
        if (a != null && a.retryAfter() != null) response.putHeader("Retry-After", a.retryAfter());
        if (status == 201) response.putHeader("Location", origin() + "/m/" + randomId()); // the message resource of RFC 8030
        response.end(status == 201 ? "" : "scripted " + status);
    }

    private Checked check(HttpMethod method, String path, Map<String, String> headers, Buffer body) {
        var m = PATH.matcher(path);
        String id = m.matches() ? m.group(1) : null;
        Subscription s = id == null ? null : subscriptions.get(id);
        if (s == null) return new Checked(new Received(id, null, Map.copyOf(headers), "no subscription at " + path), 404);
        if (method != HttpMethod.POST) return new Checked(new Received(id, null, Map.copyOf(headers), "method " + method), 405);
        String vapid = vapidProblem(headers.get("authorization"));
        if (vapid != null) return new Checked(new Received(id, null, Map.copyOf(headers), vapid), 401);

        List<String> problems = new ArrayList<>();

        if (!"aes128gcm".equalsIgnoreCase(headers.get("content-encoding"))) problems.add("Content-Encoding " + headers.get("content-encoding"));
        String ttl = headers.get("ttl");
        if (ttl == null || !ttl.matches("[0-9]{1,10}")) problems.add("TTL " + ttl);
        String topic = headers.get("topic");
        if (topic != null && !TOPIC.matcher(topic).matches()) problems.add("Topic " + topic);
        String urgency = headers.get("urgency");
        if (urgency != null && !URGENCIES.contains(urgency)) problems.add("Urgency " + urgency);
        if (body.length() > 4096) problems.add("body of " + body.length() + " bytes");

        String json = null;
        try {
            byte[] plain = WebPushCrypto.decrypt(body.getBytes(), s.privateKey(), WebPushCrypto.decodePoint(Base64.getUrlDecoder().decode(s.p256dh())),
                    Base64.getUrlDecoder().decode(s.auth()));
            json = new String(plain, StandardCharsets.UTF_8);
            WireJson.mapper().readTree(json);
        } catch (Exception e) {
            problems.add((json == null ? "does not decrypt: " : "payload is not JSON: ") + e.getMessage());
        }
        return new Checked(new Received(id, json, Map.copyOf(headers), problems.isEmpty() ? null : String.join("; ", problems)), 400);
    }

    /** The checks of RFC 8292: the token is ours to verify with k, and k must be the application server's key. */
    private String vapidProblem(String authorization) {
        if (authorization == null) return "no Authorization";
        if (!authorization.regionMatches(true, 0, "vapid ", 0, 6)) return "Authorization is not the vapid scheme";
        Map<String, String> params = new LinkedHashMap<>();
        for (String part : authorization.substring(6).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) params.put(part.substring(0, eq).strip().toLowerCase(Locale.ROOT), part.substring(eq + 1).strip());
        }
        String t = params.get("t");
        String k = params.get("k");
        if (t == null || k == null) return "vapid needs t and k";
        String expected = expectedVapidKey;
        if (expected != null && !expected.equals(k)) return "k is not the expected VAPID key";
        try {
            ECPublicKey key = WebPushCrypto.decodePoint(Base64.getUrlDecoder().decode(k));
            String[] jwt = t.split("\\.", -1);
            if (jwt.length != 3) return "token is not a JWS";
            JsonNode header = WireJson.mapper().readTree(Base64.getUrlDecoder().decode(jwt[0]));
            if (!"ES256".equals(header.path("alg").asText())) return "token alg is " + header.path("alg");
            byte[] signature = Base64.getUrlDecoder().decode(jwt[2]);
            Signature ecdsa = Signature.getInstance("SHA256withECDSAinP1363Format");
            ecdsa.initVerify(key);
            ecdsa.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
            if (signature.length != 64 || !ecdsa.verify(signature)) return "token signature does not verify with k";

            JsonNode claims = WireJson.mapper().readTree(Base64.getUrlDecoder().decode(jwt[1]));
            if (!origin().equals(claims.path("aud").asText())) return "aud " + claims.path("aud") + " is not " + origin();
            Instant now = Instant.now();
            if (!claims.path("exp").canConvertToLong()) return "no exp";
            Instant exp = Instant.ofEpochSecond(claims.path("exp").asLong());
            if (!exp.isAfter(now)) return "token expired at " + exp;
            if (exp.isAfter(now.plus(MAX_TOKEN_LIFETIME))) return "exp " + exp + " is more than 24 h ahead";
            String sub = claims.path("sub").asText("");
            if (!sub.startsWith("mailto:") && !sub.startsWith("https:")) return "sub " + claims.path("sub") + " is not a mailto: or https: URL";
            return null;
        } catch (Exception e) {
            return "unreadable VAPID token: " + e;
        }
    }
}
