package org.parley.server.push;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.parley.protocol.WireJson;

/**
 * Apple Push Notification service through its HTTP/2 API with token-based authentication:
 * each request carries a provider token, a JWT signed with the team's .p8 key (ES256).
 */
public final class ApnsSender implements PushSender {
    public static final URI PRODUCTION = URI.create("https://api.push.apple.com");
    public static final URI SANDBOX = URI.create("https://api.sandbox.push.apple.com");
    static final int MAX_PAYLOAD_BYTES = 4096;
    static final String CONFIG_KEY = "push.apns.keyFile";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_COLLAPSE_ID_BYTES = 64;
    private static final Pattern DEVICE_TOKEN = Pattern.compile("[0-9a-fA-F]{1,512}");
    /** A bundle id, possibly with Apple's suffix (.voip, .complication); it goes into a header, so nothing else passes. */
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,254}");
    /** Apple's answers that mean this device token will never work for this app again. */
    private static final Set<String> DEAD_TOKEN_REASONS = Set.of("BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered", "ExpiredToken");
    private static final ObjectMapper JSON = WireJson.mapper();

    private final HttpClient http;
    private final String deviceBase;
    private final ProviderTokens providerTokens;
    private final Clock clock;

    /**
     * @param apiBase {@link #PRODUCTION} or {@link #SANDBOX} (which one a device token belongs to
     *     depends on how the app was signed), or a stand-in's address in tests
     */
    public ApnsSender(HttpClient http, URI apiBase, ECPrivateKey key, String keyId, String teamId, Clock clock) {
        this.http = Objects.requireNonNull(http);
        this.clock = Objects.requireNonNull(clock);
        this.deviceBase = apiBase.toString().replaceAll("/+$", "") + "/3/device/";
        this.providerTokens = new ProviderTokens(Objects.requireNonNull(key), Objects.requireNonNull(keyId), Objects.requireNonNull(teamId), clock);
    }

    /**
     * Reads the team's signing key as Apple hands it out (AuthKey_XXXXXXXXXX.p8: PEM PKCS#8, EC P-256).
     *
     * @throws IllegalArgumentException naming {@value #CONFIG_KEY} when it is unreadable or not such a key
     */
    public static ECPrivateKey readKey(Path p8) {
        String pem;
        try {
            pem = Files.readString(p8, US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(CONFIG_KEY + " " + p8 + ": cannot read it (" + e.getClass().getSimpleName() + ")", e);
        }
        if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException(CONFIG_KEY + " " + p8 + ": not a PEM PKCS#8 key (BEGIN PRIVATE KEY) as Apple issues them");
        }
        String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            var key = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            if (key.getParams().getCurve().getField().getFieldSize() != 256) throw new IllegalArgumentException("not P-256");
            return key;
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException(CONFIG_KEY + " " + p8 + ": not an EC P-256 private key");
        }
    }

    @Override
    public PushEndpoint.Kind kind() {
        return PushEndpoint.Kind.apns;
    }

    @Override
    public Outcome send(PushEndpoint to, Notification notification) throws InterruptedException {
        // the token goes into the path: anything but hex would change the request, and Apple would refuse it anyway
        if (to.token() == null || !DEVICE_TOKEN.matcher(to.token()).matches()) return new Outcome.Gone("APNs device token is not hex");
        if (to.topic() == null || !TOPIC.matcher(to.topic()).matches()) return new Outcome.Gone("APNs endpoint has no valid topic (bundle id)");
        String payload = payload(notification);
        if (payload == null) return new Outcome.Failed("APNs payload exceeds " + MAX_PAYLOAD_BYTES + " bytes even without body text");
        String providerToken;
        try {
            providerToken = providerTokens.current();
        } catch (GeneralSecurityException e) {
            return new Outcome.Failed("cannot sign the APNs provider token: " + e.getClass().getSimpleName());
        }
        HttpRequest request;
        try {
            request = request(to, notification, payload, providerToken);
        } catch (IllegalArgumentException e) {
            return new Outcome.Failed("cannot build the APNs request: " + e.getMessage()); // a collapse key no header can carry
        }
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
        } catch (IOException e) {
            return new Outcome.Retry(null, "APNs unreachable: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        return outcome(response, providerToken);
    }

    private HttpRequest request(PushEndpoint to, Notification notification, String payload, String providerToken) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(deviceBase + to.token()))
                .version(HttpClient.Version.HTTP_2) // APNs speaks nothing else
                .timeout(REQUEST_TIMEOUT)
                .header("authorization", "bearer " + providerToken)
                .header("apns-topic", to.topic())
                .header("apns-push-type", "alert")
                .header("apns-priority", "10")
                .header("apns-expiration", expiration(notification.ttlSeconds()))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload, UTF_8));
        if (notification.collapseKey() != null) request.header("apns-collapse-id", Shortening.utf8Prefix(notification.collapseKey(), MAX_COLLAPSE_ID_BYTES));
        return request.build();
    }

    /** Zero tells APNs to try once and not store it; otherwise the epoch second it may be dropped after. */
    private String expiration(int ttlSeconds) {
        return ttlSeconds <= 0 ? "0" : Long.toString(clock.instant().getEpochSecond() + ttlSeconds);
    }

    /**
     * The JSON APNs delivers to the app: the alert in {@code aps}, the data pairs beside it.
     * Body text is cut (with an ellipsis) to keep within Apple's 4 KB limit; null if even an
     * empty body would not fit.
     */
    static String payload(Notification n) {
        String body = n.body() == null ? "" : n.body();
        String whole = payload(n, body);
        if (whole.getBytes(UTF_8).length <= MAX_PAYLOAD_BYTES) return whole;
        byte[] cut = Shortening.longestFitting(body, MAX_PAYLOAD_BYTES, b -> payload(n, b).getBytes(UTF_8));
        return cut == null ? null : new String(cut, UTF_8);
    }

    private static String payload(Notification n, String body) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aps = root.putObject("aps");
        ObjectNode alert = aps.putObject("alert");
        if (n.title() != null) alert.put("title", n.title());
        alert.put("body", body);
        aps.put("sound", "default");
        if (n.collapseKey() != null) aps.put("thread-id", n.collapseKey());
        aps.put("mutable-content", 1); // lets the app's notification service extension decrypt or enrich it
        new TreeMap<>(n.data()).forEach((key, value) -> {
            if (!key.equals("aps")) root.put(key, value);
        });
        return root.toString();
    }

    private Outcome outcome(HttpResponse<String> response, String providerToken) {
        int status = response.statusCode();
        if (status == 200) return new Outcome.Delivered();
        String reason = reason(response.body());
        String said = "APNs answered " + status + (reason == null ? "" : " " + reason);
        if (status == 410 || DEAD_TOKEN_REASONS.contains(reason)) return new Outcome.Gone(said);
        Duration retryAfter = RetryAfter.parse(response.headers().firstValue("retry-after").orElse(null), clock);
        return switch (status) {
            case 403 -> {
                if (!"ExpiredProviderToken".equals(reason)) yield new Outcome.Failed(said);
                providerTokens.refused(providerToken);
                yield new Outcome.Retry(null, said + "; signing a new provider token");
            }
            case 429 -> new Outcome.Retry(retryAfter, said);
            default -> status >= 500 ? new Outcome.Retry(retryAfter, said) : new Outcome.Failed(said);
        };
    }

    private static String reason(String body) {
        try {
            JsonNode node = JSON.readTree(body == null ? "" : body);
            return node == null ? null : node.path("reason").asText(null);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * The provider token, reused for 40 minutes: Apple refuses one older than an hour
     * (ExpiredProviderToken) and one renewed too often (TooManyProviderTokenUpdates).
     */
    static final class ProviderTokens {
        static final Duration REUSE = Duration.ofMinutes(40);

        private final ECPrivateKey key;
        private final String keyId;
        private final String teamId;
        private final Clock clock;
        private final ReentrantLock signing = new ReentrantLock();
        private final AtomicReference<ProviderToken> cached = new AtomicReference<>();

        private record ProviderToken(String jwt, Instant issuedAt) {}

        ProviderTokens(ECPrivateKey key, String keyId, String teamId, Clock clock) {
            this.key = key;
            this.keyId = keyId;
            this.teamId = teamId;
            this.clock = clock;
        }

        String current() throws GeneralSecurityException {
            ProviderToken token = cached.get();
            if (isFresh(token)) return token.jwt();
            signing.lock();
            try {
                token = cached.get();
                if (isFresh(token)) return token.jwt(); // signed by the caller we waited for
                token = sign(clock.instant());
                cached.set(token);
                return token.jwt();
            } finally {
                signing.unlock();
            }
        }

        /** Forgets {@code jwt} unless it was already replaced, so many refused sends cause one renewal, not many. */
        void refused(String jwt) {
            cached.updateAndGet(t -> t != null && t.jwt().equals(jwt) ? null : t);
        }

        private boolean isFresh(ProviderToken token) {
            return token != null && clock.instant().isBefore(token.issuedAt().plus(REUSE));
        }

        private ProviderToken sign(Instant now) throws GeneralSecurityException {
            Instant issuedAt = Instant.ofEpochSecond(now.getEpochSecond());
            ObjectNode header = JSON.createObjectNode().put("alg", "ES256").put("kid", keyId);
            ObjectNode claims = JSON.createObjectNode().put("iss", teamId).put("iat", issuedAt.getEpochSecond());
            return new ProviderToken(Jws.sign(header, claims, key), issuedAt);
        }
    }
}
