package org.parley.server.push;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.parley.protocol.WireJson;

/**
 * Firebase Cloud Messaging through the HTTP v1 API: one POST per device, authorised by a
 * short-lived OAuth 2.0 access token that the service account obtains with a signed JWT
 * (the RFC 7523 JWT bearer grant Google documents for server-to-server calls).
 */
public final class FcmSender implements PushSender {
    public static final URI DEFAULT_API_BASE = URI.create("https://fcm.googleapis.com");
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** FCM keeps an undelivered message at most four weeks and refuses a longer ttl. */
    private static final int MAX_TTL_SECONDS = 28 * 24 * 3600;
    private static final int MAX_APNS_COLLAPSE_ID_BYTES = 64;
    private static final ObjectMapper JSON = WireJson.mapper();

    private final HttpClient http;
    private final URI sendUri;
    private final AccessTokens accessTokens;
    private final Clock clock;

    /** @param apiBase null or {@link #DEFAULT_API_BASE}, or a stand-in's address in tests */
    public FcmSender(HttpClient http, ServiceAccount account, URI apiBase, Clock clock) {
        this.http = Objects.requireNonNull(http);
        this.clock = Objects.requireNonNull(clock);
        String base = (apiBase == null ? DEFAULT_API_BASE : apiBase).toString().replaceAll("/+$", "");
        this.sendUri = URI.create(base + "/v1/projects/" + URLEncoder.encode(account.projectId(), UTF_8) + "/messages:send");
        this.accessTokens = new AccessTokens(http, account, clock);
    }

    @Override
    public PushEndpoint.Kind kind() {
        return PushEndpoint.Kind.fcm;
    }

    @Override
    public Outcome send(PushEndpoint to, Notification notification) throws InterruptedException {
        if (to.token() == null || to.token().isBlank()) return new Outcome.Gone("endpoint has no FCM registration token");
        AccessToken accessToken;
        try {
            accessToken = accessTokens.current();
        } catch (TokenUnavailable e) {
            return e.outcome;
        }
        HttpRequest request = HttpRequest.newBuilder(sendUri).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + accessToken.value())
                .header("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(message(to.token(), notification).toString(), UTF_8))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
        } catch (IOException e) {
            return new Outcome.Retry(null, "FCM unreachable: " + describe(e));
        }
        return outcome(response, accessToken);
    }

    /** The v1 {@code message} with platform blocks, so Android, iOS-through-FCM and web clients all collapse and wake alike. */
    static ObjectNode message(String registrationToken, Notification n) {
        int ttl = Math.clamp(n.ttlSeconds(), 0, MAX_TTL_SECONDS);
        ObjectNode root = JSON.createObjectNode();
        ObjectNode message = root.putObject("message");
        message.put("token", registrationToken);
        ObjectNode shown = message.putObject("notification");
        if (n.title() != null) shown.put("title", n.title());
        if (n.body() != null) shown.put("body", n.body());
        ObjectNode data = message.putObject("data");
        new TreeMap<>(n.data()).forEach(data::put);
        ObjectNode android = message.putObject("android");
        if (n.collapseKey() != null) android.put("collapse_key", n.collapseKey());
        android.put("priority", "HIGH");
        android.put("ttl", ttl + "s");
        ObjectNode apnsHeaders = message.putObject("apns").putObject("headers");
        if (n.collapseKey() != null) apnsHeaders.put("apns-collapse-id", Shortening.utf8Prefix(n.collapseKey(), MAX_APNS_COLLAPSE_ID_BYTES));
        apnsHeaders.put("apns-priority", "10");
        ObjectNode webpushHeaders = message.putObject("webpush").putObject("headers");
        webpushHeaders.put("TTL", Integer.toString(ttl));
        webpushHeaders.put("Urgency", "high");
        return root;
    }

    private Outcome outcome(HttpResponse<String> response, AccessToken accessToken) {
        int status = response.statusCode();
        if (status != 401) accessToken.accepted(); // whatever FCM thought of the message, it took the token
        if (status == 200) return new Outcome.Delivered();
        FcmError error = FcmError.parse(response.body());
        if (status == 404 || "UNREGISTERED".equals(error.errorCode())) return new Outcome.Gone("FCM: registration token unregistered");
        Duration retryAfter = RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), clock);
        return switch (status) {
            case 400 -> error.blamesRegistrationToken()
                    ? new Outcome.Gone("FCM: invalid registration token")
                    : new Outcome.Failed("FCM refused the message: " + error);
            case 401 -> {
                // THIRD_PARTY_AUTH_ERROR is the project's APNs certificate or web push key in the Firebase console, not our token
                if ("THIRD_PARTY_AUTH_ERROR".equals(error.errorCode())) yield new Outcome.Failed("FCM: " + error);
                accessTokens.refused(accessToken);
                // Only the send's own token decides: concurrent sends refused with one revoked token all retry, and only
                // a token fetched to replace a refused one, refused before it ever worked, means the account itself is refused.
                yield accessToken.replacesRefused() && !accessToken.wasAccepted()
                        ? new Outcome.Failed("FCM: credentials refused: a freshly fetched access token was refused too (" + error + ")")
                        : new Outcome.Retry(null, "FCM refused the access token; a new one will be fetched");
            }
            // the token was registered with another Firebase project: it can never be ours again
            case 403 -> "SENDER_ID_MISMATCH".equals(error.errorCode())
                    ? new Outcome.Gone("FCM: registration token belongs to another sender")
                    : new Outcome.Failed("FCM: permission denied (" + error + ")");
            case 429 -> new Outcome.Retry(retryAfter, "FCM quota exceeded (" + error + ")");
            default -> status >= 500
                    ? new Outcome.Retry(retryAfter, "FCM answered " + status + " (" + error + ")")
                    : new Outcome.Failed("FCM answered " + status + " (" + error + ")");
        };
    }

    /** What an FCM v1 error body says: {@code {"error":{"code","message","status","details":[...]}}}. */
    record FcmError(String status, String message, String errorCode, boolean tokenFieldViolation) {
        private static final String FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
        private static final String BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest";

        static FcmError parse(String body) {
            JsonNode error;
            try {
                error = JSON.readTree(body == null ? "" : body).path("error");
            } catch (JsonProcessingException notJson) {
                return new FcmError(null, null, null, false);
            }
            String errorCode = null;
            boolean tokenFieldViolation = false;
            for (JsonNode detail : error.path("details")) {
                String type = detail.path("@type").asText();
                if (FCM_ERROR_TYPE.equals(type)) errorCode = detail.path("errorCode").asText(null);
                if (BAD_REQUEST_TYPE.equals(type)) {
                    for (JsonNode violation : detail.path("fieldViolations")) {
                        tokenFieldViolation |= "message.token".equals(violation.path("field").asText());
                    }
                }
            }
            return new FcmError(error.path("status").asText(null), shorten(error.path("message").asText(null)), errorCode, tokenFieldViolation);
        }

        /** FCM answers a malformed or foreign-format token with INVALID_ARGUMENT and says so in the message. */
        boolean blamesRegistrationToken() {
            boolean invalidArgument = "INVALID_ARGUMENT".equals(errorCode) || errorCode == null && "INVALID_ARGUMENT".equals(status);
            return invalidArgument && (tokenFieldViolation || message != null && message.toLowerCase(Locale.ROOT).contains("registration token"));
        }

        @Override
        public String toString() {
            String code = errorCode != null ? errorCode : status != null ? status : "no error code";
            return message == null ? code : code + ": " + message;
        }

        private static String shorten(String s) {
            return s == null || s.length() <= 200 ? s : s.substring(0, 200) + "…";
        }
    }

    /**
     * A Google service account as its JSON key file describes it. Only the fields FCM needs are
     * read; {@link #toString()} leaves the key out so it can't reach a log.
     */
    public record ServiceAccount(String projectId, String clientEmail, PrivateKey privateKey, URI tokenUri) {
        static final String CONFIG_KEY = "push.fcm.serviceAccountFile";

        public ServiceAccount {
            Objects.requireNonNull(projectId, "projectId");
            Objects.requireNonNull(clientEmail, "clientEmail");
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(tokenUri, "tokenUri");
            if (!"RSA".equals(privateKey.getAlgorithm())) throw new IllegalArgumentException("service account key must be RSA (RS256)");
        }

        /** @throws IllegalArgumentException naming {@value #CONFIG_KEY} when the file is unreadable or lacks a field */
        public static ServiceAccount read(Path json) {
            JsonNode node;
            try {
                node = JSON.readTree(Files.readString(json));
            } catch (JsonProcessingException e) {
                // Jackson's message quotes file content, which here is a private key
                throw invalid(json, "not JSON (line " + e.getLocation().getLineNr() + ")");
            } catch (IOException e) {
                throw invalid(json, "cannot read it (" + describe(e) + ")");
            }
            if (node == null || !node.isObject()) throw invalid(json, "not a JSON object");
            URI tokenUri;
            try {
                tokenUri = URI.create(field(node, "token_uri", json));
            } catch (IllegalArgumentException e) {
                throw invalid(json, "token_uri is not a URI");
            }
            if (!"https".equalsIgnoreCase(tokenUri.getScheme())) throw invalid(json, "token_uri must be https");
            return new ServiceAccount(field(node, "project_id", json), field(node, "client_email", json),
                    rsaKey(field(node, "private_key", json), json), tokenUri);
        }

        @Override
        public String toString() {
            return "ServiceAccount[projectId=" + projectId + ", clientEmail=" + clientEmail + ", tokenUri=" + tokenUri + "]";
        }

        private static String field(JsonNode node, String name, Path file) {
            JsonNode value = node.get(name);
            if (value == null || !value.isTextual() || value.asText().isBlank()) throw invalid(file, "missing field " + name);
            return value.asText();
        }

        private static PrivateKey rsaKey(String pem, Path file) {
            if (!pem.contains("-----BEGIN PRIVATE KEY-----")) throw invalid(file, "private_key is not a PEM PKCS#8 key (BEGIN PRIVATE KEY)");
            String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").replaceAll("\\s", "");
            try {
                return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            } catch (IllegalArgumentException | GeneralSecurityException e) {
                throw invalid(file, "private_key is not an RSA key");
            }
        }

        private static IllegalArgumentException invalid(Path file, String why) {
            return new IllegalArgumentException(CONFIG_KEY + " " + file + ": " + why);
        }
    }

    /**
     * The service account's OAuth 2.0 access token, fetched with the JWT bearer grant and reused
     * until five minutes before it expires. One caller refreshes; the others wait for its result
     * rather than each asking the token endpoint.
     */
    static final class AccessTokens {
        static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
        static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
        private static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);
        private static final long ASSERTION_LIFETIME_SECONDS = 3600;
        /** In {@link #cached} after a 401 dropped the token there, so the next one fetched knows it replaces a refused one. */
        private static final AccessToken REFUSED = new AccessToken("", Instant.MIN, false);

        private final HttpClient http;
        private final ServiceAccount account;
        private final Clock clock;
        private final ReentrantLock refreshing = new ReentrantLock();
        private final AtomicReference<AccessToken> cached = new AtomicReference<>();

        AccessTokens(HttpClient http, ServiceAccount account, Clock clock) {
            this.http = http;
            this.account = account;
            this.clock = clock;
        }

        AccessToken current() throws TokenUnavailable, InterruptedException {
            AccessToken token = cached.get();
            if (isFresh(token)) return token;
            refreshing.lockInterruptibly();
            try {
                token = cached.get();
                if (isFresh(token)) return token; // refreshed by the caller we waited for
                token = fetch(token == REFUSED);
                cached.set(token);
                return token;
            } finally {
                refreshing.unlock();
            }
        }

        /**
         * Forgets {@code refused} if it is still the current token (compare-and-clear), so that many
         * sends refused with one token cause one new fetch, and a late refusal of an old token
         * leaves its successor alone.
         */
        void refused(AccessToken refused) {
            cached.compareAndSet(refused, REFUSED);
        }

        private boolean isFresh(AccessToken token) {
            return token != null && clock.instant().isBefore(token.refreshAt());
        }

        private AccessToken fetch(boolean replacesRefused) throws TokenUnavailable, InterruptedException {
            Instant now = clock.instant();
            String form = "grant_type=" + URLEncoder.encode(GRANT_TYPE, UTF_8) + "&assertion=" + URLEncoder.encode(assertion(now), UTF_8);
            HttpRequest request = HttpRequest.newBuilder(account.tokenUri()).timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form, US_ASCII))
                    .build();
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
            } catch (IOException e) {
                throw new TokenUnavailable(new Outcome.Retry(null, "OAuth token endpoint unreachable: " + describe(e)));
            }
            int status = response.statusCode();
            JsonNode body = parseOrEmpty(response.body());
            if (status == 200) {
                String value = body.path("access_token").asText("");
                long expiresIn = body.path("expires_in").asLong(0);
                if (value.isEmpty() || expiresIn <= 0) throw new TokenUnavailable(new Outcome.Failed("OAuth token endpoint answered without a token"));
                // a token living less than twice the margin is refreshed halfway instead of on every send
                Duration margin = REFRESH_MARGIN.compareTo(Duration.ofSeconds(expiresIn / 2)) < 0 ? REFRESH_MARGIN : Duration.ofSeconds(expiresIn / 2);
                return new AccessToken(value, now.plusSeconds(expiresIn).minus(margin), replacesRefused);
            }
            // the OAuth error and its description say what is wrong (invalid_grant: Invalid JWT Signature.) and hold no secret
            String why = "OAuth token endpoint answered " + status + " " + body.path("error").asText("") + " "
                    + body.path("error_description").asText("");
            if (status == 429 || status >= 500) {
                throw new TokenUnavailable(new Outcome.Retry(RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), clock), why.strip()));
            }
            throw new TokenUnavailable(new Outcome.Failed("service account credentials refused: " + why.strip()));
        }

        /** The signed JWT that proves we hold the service account's key (RS256, one hour at most). */
        private String assertion(Instant now) throws TokenUnavailable {
            ObjectNode header = JSON.createObjectNode().put("alg", "RS256").put("typ", "JWT");
            ObjectNode claims = JSON.createObjectNode()
                    .put("iss", account.clientEmail())
                    .put("scope", SCOPE)
                    .put("aud", account.tokenUri().toString())
                    .put("iat", now.getEpochSecond())
                    .put("exp", now.getEpochSecond() + ASSERTION_LIFETIME_SECONDS);
            try {
                return Jws.sign(header, claims, account.privateKey());
            } catch (GeneralSecurityException e) {
                throw new TokenUnavailable(new Outcome.Failed("cannot sign with the service account key: " + e.getClass().getSimpleName()));
            }
        }

        private static JsonNode parseOrEmpty(String body) {
            try {
                JsonNode node = JSON.readTree(body == null ? "" : body);
                return node == null ? JSON.createObjectNode() : node;
            } catch (JsonProcessingException e) {
                return JSON.createObjectNode();
            }
        }
    }

    /**
     * An OAuth 2.0 access token and what is known of it: whether it was fetched because FCM had
     * just refused its predecessor, and whether FCM has taken it since.
     */
    static final class AccessToken {
        private final String value;
        private final Instant refreshAt;
        private final boolean replacesRefused;
        private volatile boolean accepted;

        AccessToken(String value, Instant refreshAt, boolean replacesRefused) {
            this.value = value;
            this.refreshAt = refreshAt;
            this.replacesRefused = replacesRefused;
        }

        String value() {
            return value;
        }

        Instant refreshAt() {
            return refreshAt;
        }

        boolean replacesRefused() {
            return replacesRefused;
        }

        void accepted() {
            if (!accepted) accepted = true;
        }

        boolean wasAccepted() {
            return accepted;
        }

        @Override
        public String toString() {
            return "AccessToken[refreshAt=" + refreshAt + "]"; // never the value: it is a bearer credential
        }
    }

    /** No access token to send with; carries what the send should report instead. */
    static final class TokenUnavailable extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Outcome outcome;

        TokenUnavailable(Outcome outcome) {
            super(outcome.toString(), null, false, false);
            this.outcome = outcome;
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
