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
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for Firebase Cloud Messaging: Google's OAuth 2.0 token endpoint
 * ({@code POST /token}) and the FCM HTTP v1 send endpoint
 * ({@code POST /v1/projects/{project}/messages:send}) on one HTTPS server, checking what
 * Google checks and recording every send.
 *
 * <p>It makes a throwaway service account (a fresh RSA key) whose JSON key file points its
 * {@code token_uri} here. Point a sender or a node at it with:
 * <pre>{@code
 * try (FcmStandIn fcm = FcmStandIn.start()) {
 *     // in-process:
 *     new FcmSender(PushHttp.client(TestTls.get().certPem), FcmSender.ServiceAccount.read(fcm.serviceAccountFile()),
 *             URI.create(fcm.apiBase()), Clock.systemUTC());
 *     // a node: push.trustCertFile = TestTls.get().certPem, push.fcm.serviceAccountFile = fcm.serviceAccountFile(),
 *     //         and the FCM api base = fcm.apiBase()
 *     fcm.respondWith(503, "5", "UNAVAILABLE");   // the next send is answered so; later ones get 200 again
 *     ... fcm.received() ...
 * }
 * }</pre>
 *
 * <p>A send that fails a check is still recorded, with {@link Received#problem()} saying which,
 * and answered as FCM would (401 for a bad access token, 400 INVALID_ARGUMENT for a bad message);
 * scripted answers only replace the 200 of a send that passed every check.
 */
public final class FcmStandIn implements AutoCloseable {
    public static final String PROJECT_ID = "parley-standin";
    static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    private static final Pattern SEND_PATH = Pattern.compile("/v1/projects/([^/]+)/messages:send");
    /** What a v1 {@code message} may hold; FCM refuses any other field ("Unknown name"). */
    private static final Set<String> MESSAGE_FIELDS = Set.of("name", "token", "topic", "condition", "data", "notification", "android", "webpush",
            "apns", "fcm_options");
    private static final Pattern DURATION = Pattern.compile("\\d+(\\.\\d{1,9})?s");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One send as it arrived: {@code problem} is null when it passed every check, else what was wrong. */
    public record Received(String token, JsonNode message, String problem) {}

    private record Scripted(int status, String retryAfter, String errorCode, String message) {}

    private final Vertx vertx;
    private final HttpServer server;
    private final KeyPair serviceAccountKey;
    private final Path serviceAccountFile;
    private final String clientEmail = "push-sender@" + PROJECT_ID + ".iam.gserviceaccount.com";
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> accessTokens = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> tokenProblems = new CopyOnWriteArrayList<>();
    private final Queue<Scripted> sendAnswers = new ConcurrentLinkedQueue<>();
    private final Queue<Integer> tokenAnswers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger tokenRequests = new AtomicInteger();

    private FcmStandIn() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        this.serviceAccountKey = rsa.generateKeyPair();
        this.vertx = Vertx.vertx();
        this.server = TestTls.get().serve(vertx, this::handle);
        this.serviceAccountFile = writeServiceAccountFile();
    }

    /** Starts the stand-in on a free port of 127.0.0.1 with its own Vert.x, closed by {@link #close()}. */
    public static FcmStandIn start() {
        try {
            return new FcmStandIn();
        } catch (Exception e) {
            throw new IllegalStateException("FCM stand-in did not start: " + e.getMessage(), e);
        }
    }

    /** The service-account JSON key file, as the Firebase console would download it, pointing at this stand-in. */
    public Path serviceAccountFile() {
        return serviceAccountFile;
    }

    /** Where the v1 API is: {@code https://127.0.0.1:<port>}, used in place of https://fcm.googleapis.com. */
    public String apiBase() {
        return "https://127.0.0.1:" + server.actualPort();
    }

    public String tokenUri() {
        return apiBase() + "/token";
    }

    public String projectId() {
        return PROJECT_ID;
    }

    public String clientEmail() {
        return clientEmail;
    }

    /**
     * Answers the next send that passes every check with {@code status} and a v1 error body
     * carrying {@code errorCode} (UNREGISTERED, SENDER_ID_MISMATCH, QUOTA_EXCEEDED, UNAVAILABLE,
     * INTERNAL, INVALID_ARGUMENT, THIRD_PARTY_AUTH_ERROR; null for a body without FcmError
     * details), and a Retry-After header when given. Calls queue up, one answer per send.
     */
    public void respondWith(int status, String retryAfterOrNull, String errorCodeOrNull) {
        respondWith(status, retryAfterOrNull, errorCodeOrNull, null);
    }

    /** As {@link #respondWith(int, String, String)}, with the error's human message instead of FCM's usual one. */
    public void respondWith(int status, String retryAfterOrNull, String errorCodeOrNull, String messageOrNull) {
        sendAnswers.add(new Scripted(status, retryAfterOrNull, errorCodeOrNull, messageOrNull));
    }

    /** Answers the next valid token request with {@code status} (4xx: invalid_grant, 5xx: a server error) instead of a token. */
    public void failTokenRequestWith(int status) {
        tokenAnswers.add(status);
    }

    /** Forgets every access token issued, as Google does when one is revoked; the next send gets a 401. */
    public void revokeAccessTokens() {
        accessTokens.clear();
    }

    /** Every send so far, in arrival order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** How many times the token endpoint was asked, valid or not. */
    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** What was wrong with each refused token request. */
    public List<String> tokenProblems() {
        return List.copyOf(tokenProblems);
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            try {
                if (request.method() == HttpMethod.POST && "/token".equals(request.path())) {
                    token(request, body);
                    return;
                }
                Matcher send = SEND_PATH.matcher(request.path());
                if (request.method() == HttpMethod.POST && send.matches()) {
                    send(request, send.group(1), body);
                    return;
                }
                answer(request, 404, null, fcmError(404, null, "Requested entity was not found."));
            } catch (RuntimeException e) {
                answer(request, 500, null, fcmError(500, null, "stand-in failed: " + e));
            }
        });
    }

    // ---- OAuth 2.0 token endpoint (RFC 7523 JWT bearer grant)

    private void token(HttpServerRequest request, Buffer body) {
        tokenRequests.incrementAndGet();
        String problem = tokenRequestProblem(request, body.toString(UTF_8));
        if (problem != null) {
            tokenProblems.add(problem);
            answer(request, 400, null, JSON.createObjectNode().put("error", "invalid_grant").put("error_description", problem));
            return;
        }
        Integer scripted = tokenAnswers.poll();
        if (scripted != null) {
            ObjectNode error = scripted < 500
                    ? JSON.createObjectNode().put("error", "invalid_grant").put("error_description", "Invalid JWT Signature.")
                    : JSON.createObjectNode().put("error", "internal_failure").put("error_description", "Backend error");
            answer(request, scripted, null, error);
            return;
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String accessToken = "ya29.standin-" + HexFormat.of().formatHex(bytes);
        accessTokens.put(accessToken, Instant.now().plusSeconds(3600));
        answer(request, 200, null, JSON.createObjectNode().put("access_token", accessToken).put("expires_in", 3600).put("token_type", "Bearer"));
    }

    private String tokenRequestProblem(HttpServerRequest request, String body) {
        String contentType = request.getHeader("Content-Type");
        if (contentType == null || !contentType.startsWith("application/x-www-form-urlencoded")) return "content type " + contentType;
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) form.put(URLDecoder.decode(pair.substring(0, eq), UTF_8), URLDecoder.decode(pair.substring(eq + 1), UTF_8));
        }
        if (!GRANT_TYPE.equals(form.get("grant_type"))) return "grant_type is " + form.get("grant_type");
        String assertion = form.get("assertion");
        if (assertion == null) return "no assertion";
        String[] parts = assertion.split("\\.", -1);
        if (parts.length != 3) return "assertion is not a compact JWS";
        try {
            JsonNode header = JSON.readTree(base64url(parts[0]));
            JsonNode claims = JSON.readTree(base64url(parts[1]));
            if (!"RS256".equals(header.path("alg").asText())) return "alg is " + header.path("alg");
            if (!"JWT".equals(header.path("typ").asText())) return "typ is " + header.path("typ");
            if (!verifies(parts)) return "Invalid JWT Signature.";
            if (!clientEmail.equals(claims.path("iss").asText())) return "iss is " + claims.path("iss");
            if (!tokenUri().equals(claims.path("aud").asText())) return "aud is " + claims.path("aud");
            if (!List.of(claims.path("scope").asText().split(" ")).contains(SCOPE)) return "scope lacks firebase.messaging";
            if (!claims.path("iat").isIntegralNumber() || !claims.path("exp").isIntegralNumber()) return "iat/exp are not numbers";
            long iat = claims.path("iat").asLong();
            long exp = claims.path("exp").asLong();
            long now = Instant.now().getEpochSecond();
            if (exp - iat > 3600) return "assertion lives longer than an hour";
            if (exp <= now) return "assertion expired";
            if (iat > now + 60) return "iat in the future";
        } catch (Exception e) {
            return "assertion unreadable: " + e.getMessage();
        }
        return null;
    }

    // ---- FCM HTTP v1 send

    private void send(HttpServerRequest request, String project, Buffer body) {
        String authorization = request.getHeader("Authorization");
        String accessToken = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : null;
        Instant expiry = accessToken == null ? null : accessTokens.get(accessToken);
        JsonNode message;
        try {
            message = JSON.readTree(body.toString(UTF_8)).path("message");
        } catch (Exception e) {
            message = JSON.missingNode();
        }
        String deviceToken = message.path("token").isTextual() ? message.path("token").asText() : null;
        if (expiry == null || expiry.isBefore(Instant.now())) {
            received.add(new Received(deviceToken, message, accessToken == null ? "no bearer access token" : "access token not issued here or expired"));
            answer(request, 401, null, fcmError(401, null,
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."));
            return;
        }
        if (!PROJECT_ID.equals(project)) {
            received.add(new Received(deviceToken, message, "project " + project));
            answer(request, 403, null, fcmError(403, null, "Permission 'cloudmessaging.messages.create' denied on resource"));
            return;
        }
        String problem = messageProblem(request.getHeader("Content-Type"), message);
        received.add(new Received(deviceToken, message, problem));
        if (problem != null) {
            answer(request, 400, null, fcmError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. " + problem));
            return;
        }
        Scripted scripted = sendAnswers.poll();
        if (scripted != null) {
            String text = scripted.message() != null ? scripted.message() : usualMessage(scripted.errorCode());
            answer(request, scripted.status(), scripted.retryAfter(), fcmError(scripted.status(), scripted.errorCode(), text));
            return;
        }
        answer(request, 200, null, JSON.createObjectNode().put("name", "projects/" + PROJECT_ID + "/messages/" + UUID.randomUUID()));
    }

    private static String messageProblem(String contentType, JsonNode message) {
        if (contentType == null || !contentType.startsWith("application/json")) return "content type " + contentType;
        if (!message.isObject()) return "no message object";
        for (var names = message.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!MESSAGE_FIELDS.contains(name)) return "Unknown name \"" + name + "\" at 'message'";
        }
        if (!message.path("token").isTextual() || message.path("token").asText().isEmpty()) return "message.token missing";
        if (!message.path("notification").path("title").isTextual()) return "message.notification.title missing";
        if (!message.path("notification").path("body").isTextual()) return "message.notification.body missing";
        JsonNode data = message.path("data");
        if (!data.isMissingNode() && !data.isObject()) return "message.data is not a map";
        for (var fields = data.properties().iterator(); fields.hasNext(); ) {
            var field = fields.next();
            if (!field.getValue().isTextual()) return "message.data." + field.getKey() + " is not a string";
            String key = field.getKey();
            if (Set.of("from", "notification", "message_type").contains(key) || key.startsWith("google.") || key.startsWith("gcm.")) {
                return "message.data." + key + " is a reserved key";
            }
        }
        JsonNode android = message.path("android");
        if (!android.path("collapse_key").isTextual()) return "message.android.collapse_key missing";
        if (!android.path("ttl").isMissingNode() && !DURATION.matcher(android.path("ttl").asText()).matches()) return "message.android.ttl is not a duration";
        if (!android.path("priority").isMissingNode() && !Set.of("HIGH", "NORMAL").contains(android.path("priority").asText())) {
            return "message.android.priority is " + android.path("priority");
        }
        for (String headers : List.of("apns", "webpush")) {
            for (var values = message.path(headers).path("headers").elements(); values.hasNext(); ) {
                if (!values.next().isTextual()) return "message." + headers + ".headers has a value that is not a string";
            }
        }
        return null;
    }

    /** FCM v1's error body: google.rpc.Status, with an FcmError detail when there is an FCM error code. */
    private static ObjectNode fcmError(int status, String errorCode, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", status);
        error.put("message", message);
        error.put("status", switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 500 -> "INTERNAL";
            case 503 -> "UNAVAILABLE";
            default -> "UNKNOWN";
        });
        if (errorCode != null) {
            error.putArray("details").addObject().put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError").put("errorCode", errorCode);
        }
        return root;
    }

    private static String usualMessage(String errorCode) {
        return switch (errorCode == null ? "" : errorCode) {
            case "UNREGISTERED" -> "Requested entity was not found.";
            case "INVALID_ARGUMENT" -> "The registration token is not a valid FCM registration token";
            case "SENDER_ID_MISMATCH" -> "SenderId mismatch";
            case "QUOTA_EXCEEDED" -> "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute'";
            case "UNAVAILABLE" -> "The service is currently unavailable.";
            case "INTERNAL" -> "Internal error encountered.";
            case "THIRD_PARTY_AUTH_ERROR" -> "Auth error from APNS or Web Push Service";
            default -> "Request failed.";
        };
    }

    private static void answer(HttpServerRequest request, int status, String retryAfter, JsonNode body) {
        var response = request.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=UTF-8");
        if (retryAfter != null) response.putHeader("Retry-After", retryAfter);
        response.end(body.toString());
    }

    private Path writeServiceAccountFile() throws Exception {
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(serviceAccountKey.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode account = JSON.createObjectNode()
                .put("type", "service_account")
                .put("project_id", PROJECT_ID)
                .put("private_key_id", HexFormat.of().formatHex(new byte[20]))
                .put("private_key", pem)
                .put("client_email", clientEmail)
                .put("client_id", "100000000000000000000")
                .put("auth_uri", "https://accounts.google.com/o/oauth2/auth")
                .put("token_uri", tokenUri())
                .put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs")
                .put("universe_domain", "googleapis.com");
        Path file = Files.createTempFile("fcm-service-account", ".json");
        file.toFile().deleteOnExit();
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(account));
        return file;
    }

    private static byte[] base64url(String part) {
        return Base64.getUrlDecoder().decode(part);
    }

    private boolean verifies(String[] jwt) throws GeneralSecurityException {
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(serviceAccountKey.getPublic());
        rs256.update((jwt[0] + "." + jwt[1]).getBytes(UTF_8));
        return rs256.verify(base64url(jwt[2]));
    }
}
