package org.parley.it.push;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for the Apple Push Notification service's HTTP/2 API with token-based
 * authentication ({@code POST /3/device/<device token>}), checking what Apple checks and
 * recording every request.
 *
 * <p>It makes a throwaway signing key (EC P-256) and writes it as Apple hands it out, an
 * AuthKey .p8 file. Point a sender or a node at it with:
 * <pre>{@code
 * try (ApnsStandIn apns = ApnsStandIn.start()) {
 *     // in-process:
 *     new ApnsSender(PushHttp.client(TestTls.get().certPem), URI.create(apns.apiBase()), ApnsSender.readKey(apns.keyFile()),
 *             apns.keyId(), apns.teamId(), Clock.systemUTC());
 *     // a node: push.trustCertFile = TestTls.get().certPem, push.apns.keyFile = apns.keyFile(), key id, team id,
 *     //         and the APNs api base = apns.apiBase()
 *     apns.respondWith(410, "Unregistered", null);   // the next request is answered so; later ones get 200 again
 *     ... apns.received() ...
 * }
 * }</pre>
 *
 * <p>A request that fails a check is still recorded, with {@link Received#problem()} saying
 * which, and answered with Apple's status and reason for it; scripted answers only replace the
 * 200 of a request that passed every check. APNs speaks only HTTP/2: a request over HTTP/1.1 is
 * recorded as a problem and refused.
 */
public final class ApnsStandIn implements AutoCloseable {
    public static final String KEY_ID = "ABC123DEFG";
    public static final String TEAM_ID = "DEF123GHIJ";
    private static final int MAX_PAYLOAD_BYTES = 4096;
    private static final Pattern DEVICE_PATH = Pattern.compile("/3/device/(.*)");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One request as it arrived: headers with lower-case names, the parsed JSON payload (a
     * missing node if it was not JSON), and {@code problem} null when it passed every check.
     */
    public record Received(String deviceToken, Map<String, String> headers, JsonNode payload, String problem) {}

    private record Scripted(int status, String reason, String retryAfter) {}

    /** A refused request: what Apple would answer, and what we record. */
    private record Refusal(int status, String reason, String problem) {}

    private final Vertx vertx;
    private final HttpServer server;
    private final KeyPair signingKey;
    private final Path keyFile;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Queue<Scripted> answers = new ConcurrentLinkedQueue<>();

    private ApnsStandIn() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        this.signingKey = ec.generateKeyPair();
        this.keyFile = writeKeyFile();
        this.vertx = Vertx.vertx();
        this.server = TestTls.get().serve(vertx, this::handle);
    }

    /** Starts the stand-in on a free port of 127.0.0.1 with its own Vert.x, closed by {@link #close()}. */
    public static ApnsStandIn start() {
        try {
            return new ApnsStandIn();
        } catch (Exception e) {
            throw new IllegalStateException("APNs stand-in did not start: " + e.getMessage(), e);
        }
    }

    /** Used in place of https://api.push.apple.com: {@code https://127.0.0.1:<port>}. */
    public String apiBase() {
        return "https://127.0.0.1:" + server.actualPort();
    }

    /** The team's signing key as an Apple-style AuthKey_<keyId>.p8 (PEM PKCS#8). */
    public Path keyFile() {
        return keyFile;
    }

    public String keyId() {
        return KEY_ID;
    }

    public String teamId() {
        return TEAM_ID;
    }

    /**
     * Answers the next request that passes every check with {@code status} and body
     * {@code {"reason": reason}} (410 also gets Apple's "timestamp"), and an apns-id and, when
     * given, a Retry-After header. Calls queue up, one answer per request.
     */
    public void respondWith(int status, String reason, String retryAfterOrNull) {
        answers.add(new Scripted(status, reason, retryAfterOrNull));
    }

    /** Every request so far, in arrival order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            try {
                handle(request, body);
            } catch (RuntimeException e) {
                answer(request, 500, "InternalServerError", null);
            }
        });
    }

    private void handle(HttpServerRequest request, Buffer body) {
        Map<String, String> headers = new TreeMap<>();
        request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
        Matcher path = DEVICE_PATH.matcher(request.path());
        String deviceToken = path.matches() ? path.group(1) : null;
        JsonNode payload;
        try {
            payload = JSON.readTree(body.toString(UTF_8));
        } catch (Exception e) {
            payload = JSON.missingNode();
        }
        Refusal refusal = check(request, deviceToken, headers, payload, body.length());
        received.add(new Received(deviceToken, Map.copyOf(headers), payload == null ? JSON.missingNode() : payload,
                refusal == null ? null : refusal.problem()));
        if (refusal != null) {
            answer(request, refusal.status(), refusal.reason(), null);
            return;
        }
        Scripted scripted = answers.poll();
        if (scripted != null) {
            answer(request, scripted.status(), scripted.reason(), scripted.retryAfter());
            return;
        }
        request.response().setStatusCode(200).putHeader("apns-id", apnsId(headers)).end();
    }

    /** Apple's checks, in roughly the order it applies them; null when the request passes. */
    private Refusal check(HttpServerRequest request, String deviceToken, Map<String, String> headers, JsonNode payload, int size) {
        if (request.version() != HttpVersion.HTTP_2) return new Refusal(400, "BadPath", "spoke " + request.version() + "; APNs requires HTTP/2");
        if (request.method() != HttpMethod.POST) return new Refusal(405, "MethodNotAllowed", "method " + request.method());
        if (deviceToken == null) return new Refusal(404, "BadPath", "path " + request.path());
        if (deviceToken.isEmpty()) return new Refusal(400, "MissingDeviceToken", "no device token in the path");
        if (!HEX.matcher(deviceToken).matches()) return new Refusal(400, "BadDeviceToken", "device token is not hex");
        String tokenProblem = providerTokenProblem(headers.get("authorization"));
        if (tokenProblem != null) {
            String reason = tokenProblem.startsWith("expired") ? "ExpiredProviderToken"
                    : headers.containsKey("authorization") ? "InvalidProviderToken" : "MissingProviderToken";
            return new Refusal(403, reason, tokenProblem);
        }
        if (headers.get("apns-topic") == null || headers.get("apns-topic").isBlank()) return new Refusal(400, "MissingTopic", "no apns-topic");
        if (!"alert".equals(headers.get("apns-push-type"))) return new Refusal(400, "InvalidPushType", "apns-push-type is " + headers.get("apns-push-type"));
        String priority = headers.get("apns-priority");
        if (priority != null && !List.of("10", "5", "1").contains(priority)) return new Refusal(400, "BadPriority", "apns-priority is " + priority);
        String expiration = headers.get("apns-expiration");
        if (expiration != null && !expiration.matches("\\d+")) return new Refusal(400, "BadExpirationDate", "apns-expiration is " + expiration);
        String collapseId = headers.get("apns-collapse-id");
        if (collapseId != null && collapseId.getBytes(UTF_8).length > 64) return new Refusal(400, "BadCollapseId", "apns-collapse-id over 64 bytes");
        if (size > MAX_PAYLOAD_BYTES) return new Refusal(413, "PayloadTooLarge", "payload is " + size + " bytes");
        if (payload == null || !payload.path("aps").isObject()) return new Refusal(400, "PayloadEmpty", "payload has no aps dictionary");
        return null;
    }

    /** The provider token: ES256 with our key, our key id and team, issued within the last hour. */
    private String providerTokenProblem(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "bearer ", 0, 7)) return "no bearer provider token";
        String[] parts = authorization.substring("bearer ".length()).split("\\.", -1);
        if (parts.length != 3) return "provider token is not a compact JWS";
        try {
            JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (!"ES256".equals(header.path("alg").asText())) return "alg is " + header.path("alg");
            if (!KEY_ID.equals(header.path("kid").asText())) return "kid is " + header.path("kid");
            if (!TEAM_ID.equals(claims.path("iss").asText())) return "iss is " + claims.path("iss");
            if (!verifies(parts)) return "signature does not verify";
            if (!claims.path("iat").isIntegralNumber()) return "iat is not a number";
            long age = Instant.now().getEpochSecond() - claims.path("iat").asLong();
            if (age > 3600) return "expired: issued " + age + " s ago";
            if (age < -60) return "iat " + -age + " s in the future";
        } catch (Exception e) {
            return "provider token unreadable: " + e.getMessage();
        }
        return null;
    }

    private boolean verifies(String[] jwt) throws GeneralSecurityException {
        Signature es256 = Signature.getInstance("SHA256withECDSAinP1363Format");
        es256.initVerify(signingKey.getPublic());
        es256.update((jwt[0] + "." + jwt[1]).getBytes(UTF_8));
        return es256.verify(Base64.getUrlDecoder().decode(jwt[2]));
    }

    private static void answer(HttpServerRequest request, int status, String reason, String retryAfter) {
        ObjectNode body = JSON.createObjectNode().put("reason", reason);
        if (status == 410) body.put("timestamp", Instant.now().toEpochMilli());
        var response = request.response().setStatusCode(status).putHeader("apns-id", apnsId(request.headers().get("apns-id")))
                .putHeader("content-type", "application/json");
        if (retryAfter != null) response.putHeader("retry-after", retryAfter);
        response.end(body.toString());
    }

    /** Apple echoes the caller's apns-id, or makes one up. */
    private static String apnsId(Map<String, String> headers) {
        return apnsId(headers.get("apns-id"));
    }

    private static String apnsId(String given) {
        return given != null ? given : UUID.randomUUID().toString().toUpperCase();
    }

    private Path writeKeyFile() throws Exception {
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(signingKey.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Path dir = Files.createTempDirectory("apns-standin");
        dir.toFile().deleteOnExit(); // before the file: deleteOnExit goes in reverse order, and a folder must be empty to go
        Path file = dir.resolve("AuthKey_" + KEY_ID + ".p8");
        Files.writeString(file, pem);
        file.toFile().deleteOnExit();
        return file;
    }
}
