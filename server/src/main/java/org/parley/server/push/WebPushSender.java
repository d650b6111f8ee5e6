package org.parley.server.push;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.parley.protocol.WireJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends to browsers' push services: the payload encrypted for the subscription (RFC 8291),
 * the request signed with the node's VAPID key (RFC 8292), headers of RFC 8030.
 *
 * <p>The endpoint URL is a bearer capability for the subscription, so only its host is ever
 * logged or put in an outcome's reason.
 */
public final class WebPushSender implements PushSender {
    public static final String SUBJECT_CONFIG_KEY = "push.webPush.subject";
    /** Push services take 4,096 bytes of body; this leaves room for the header (86), GCM tag and delimiter, with margin. */
    static final int MAX_PAYLOAD_BYTES = 3800;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Push services refuse a VAPID token valid for more than 24 h. */
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(12);
    private static final Duration TOKEN_REUSE = Duration.ofHours(1);
    /** Endpoints are supplied by clients, so their hosts are too; bound the token cache against a flood of made-up ones. */
    private static final int MAX_CACHED_AUDIENCES = 1_000;
    private static final int ERROR_BODY_BYTES = 1024;
    private static final int ERROR_BODY_CHARS = 200;

    private static final Logger log = LoggerFactory.getLogger(WebPushSender.class);
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final ObjectMapper JSON = WireJson.mapper();

    private final HttpClient http;
    private final VapidKeys keys;
    private final String subject;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private record Token(String jwt, Instant issuedAt) {}

    /**
     * @param subject how the push service reaches the operator: a {@code mailto:} or {@code https:} URL
     *     ({@value #SUBJECT_CONFIG_KEY})
     */
    public WebPushSender(HttpClient http, VapidKeys keys, String subject, Clock clock) {
        if (subject == null || !(subject.startsWith("mailto:") || subject.startsWith("https:")))
            throw new IllegalArgumentException(SUBJECT_CONFIG_KEY + " must be a mailto: or https: URL where push services can reach the operator, not "
                    + subject);
        this.http = http;
        this.keys = keys;
        this.subject = subject;
        this.clock = clock;
        if (isUnreachableMailto(subject)) {
            log.warn("{} {}: Apple's push service (Safari, iOS) refuses this contact; set it to a mailto: or https: address of yours",
                    SUBJECT_CONFIG_KEY, subject.replaceAll("\\p{Cntrl}+", " "));
        }
    }

    /**
     * A {@code mailto:} whose domain can receive no mail (localhost, .local, .localhost, .invalid):
     * Apple's push service answers every token naming one with 403 BadJwtToken
     * (web-push-libs/web-push#947), while other push services let it pass.
     */
    static boolean isUnreachableMailto(String subject) {
        if (!subject.startsWith("mailto:")) return false;
        String to = subject.substring("mailto:".length());
        int query = to.indexOf('?');
        if (query >= 0) to = to.substring(0, query);
        for (String address : to.split(",")) {
            int at = address.lastIndexOf('@');
            if (at < 0) continue;
            String domain = address.substring(at + 1).strip().toLowerCase(Locale.ROOT);
            while (domain.endsWith(".")) domain = domain.substring(0, domain.length() - 1);
            if (domain.equals("localhost") || domain.endsWith(".localhost") || domain.endsWith(".local") || domain.endsWith(".invalid")) return true;
        }
        return false;
    }

    @Override
    public PushEndpoint.Kind kind() {
        return PushEndpoint.Kind.webPush;
    }

    @Override
    public Outcome send(PushEndpoint to, Notification notification) throws InterruptedException {
        if (to.kind() != PushEndpoint.Kind.webPush) throw new IllegalArgumentException("not a Web Push endpoint: " + to.kind());
        URI endpoint;
        ECPublicKey subscriberKey;
        byte[] authSecret;
        try {
            endpoint = endpoint(to.endpoint());
            subscriberKey = WebPushCrypto.decodePoint(base64Url("p256dh", to.p256dh()));
            authSecret = base64Url("auth", to.auth());
            if (authSecret.length != WebPushCrypto.AUTH_SECRET_BYTES) throw new IllegalArgumentException("auth is not 16 bytes");
        } catch (IllegalArgumentException e) {
            return new Outcome.Gone("invalid Web Push subscription: " + e.getMessage()); // it can never work
        }
        byte[] payload;
        try {
            payload = payload(notification);
        } catch (IllegalArgumentException e) {
            return new Outcome.Failed("payload too large");
        }
        String host = endpoint.getHost();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(REQUEST_TIMEOUT)
                .header("Content-Encoding", "aes128gcm")
                .header("Content-Type", "application/octet-stream")
                .header("TTL", Integer.toString(Math.max(0, notification.ttlSeconds())))
                .header("Urgency", "high")
                .header("Authorization", authorization(audience(endpoint)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(WebPushCrypto.encrypt(payload, subscriberKey, authSecret)));
        if (notification.collapseKey() != null) request.header("Topic", topic(notification.collapseKey()));

        // The request timeout ends at the response headers; the overall wait also bounds a body that trickles.
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(request.build(), info -> firstBytesAsText());
        HttpResponse<String> response;
        try {
            response = pending.get(REQUEST_TIMEOUT.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        } catch (TimeoutException e) {
            pending.cancel(true);
            return retryLater(host, "timed out");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null ? c.getCause() : e.getCause();
            if (cause instanceof IOException) return retryLater(host, cause.toString());
            log.warn("web push to {} failed", host, cause);
            return new Outcome.Failed("web push to " + host + ": " + cause);
        }
        return outcome(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null), response.body(), host);
    }

    private Outcome outcome(int status, String retryAfter, String body, String host) {
        String answer = status + " from " + host;
        if (status >= 200 && status < 300) {
            log.debug("web push delivered to {} ({})", host, status);
            return new Outcome.Delivered();
        }
        if (status == 404 || status == 410) {
            log.debug("web push subscription at {} is gone ({})", host, status);
            return new Outcome.Gone("subscription expired or unsubscribed: " + answer);
        }
        if (status == 429 || status >= 500) {
            log.debug("web push to {} deferred: {} (Retry-After {})", host, status, retryAfter);
            return new Outcome.Retry(RetryAfter.parse(retryAfter, clock), answer);
        }
        if (status == 413) return new Outcome.Failed("payload too large");
        // 401, 403: the push service refused our VAPID token (RFC 8292: a bad JWT, or a key other than the subscription's;
        // Apple also refuses a subject it cannot write to). 400: our request is wrong. Neither gets better by retrying.
        String said = body.isBlank() ? "" : printable(body);
        String reason = status == 401 || status == 403
                ? "VAPID token refused (" + answer + "): check " + SUBJECT_CONFIG_KEY + " and the VAPID key" + (said.isEmpty() ? "" : "; the service said: " + said)
                : answer + (said.isEmpty() ? "" : ": " + said);
        log.warn("web push refused: {}", reason);
        return new Outcome.Failed(reason);
    }

    private Outcome retryLater(String host, String why) {
        log.debug("web push to {} failed, will retry: {}", host, why);
        return new Outcome.Retry(null, "web push to " + host + ": " + why);
    }

    /**
     * The JSON the service worker reads. The body, then if need be the title, is shortened to fit
     * a push message; a payload that cannot be made to fit throws IllegalArgumentException.
     */
    static byte[] payload(Notification n) {
        byte[] full = json(n, n.title(), n.body());
        if (full.length <= MAX_PAYLOAD_BYTES) return full;
        if (n.body() != null) {
            byte[] shorter = Shortening.longestFitting(n.body(), MAX_PAYLOAD_BYTES, body -> json(n, n.title(), body));
            if (shorter != null) return shorter;
        }
        if (n.title() != null) {
            byte[] shorter = Shortening.longestFitting(n.title(), MAX_PAYLOAD_BYTES, title -> json(n, title, n.body() == null ? null : ""));
            if (shorter != null) return shorter;
        }
        throw new IllegalArgumentException("notification does not fit in " + MAX_PAYLOAD_BYTES + " bytes");
    }

    private static byte[] json(Notification n, String title, String body) {
        ObjectNode root = JSON.createObjectNode();
        if (title != null) root.put("title", title);
        if (body != null) root.put("body", body);
        if (n.collapseKey() != null) root.put("collapseKey", n.collapseKey());
        ObjectNode data = root.putObject("data");
        n.data().forEach(data::put);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a push payload", e);
        }
    }

    /** RFC 8030 allows a topic of at most 32 URL-safe base64 characters; a chat id need not be one, its hash is. */
    static String topic(String collapseKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(collapseKey.getBytes(StandardCharsets.UTF_8));
            return BASE64URL.encodeToString(Arrays.copyOf(digest, 24));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The VAPID header. One token per push service is reused for an hour: signing each request would waste CPU. */
    private String authorization(String audience) {
        Instant now = clock.instant();
        Token token = tokens.get(audience);
        if (token == null || now.isBefore(token.issuedAt()) || !now.isBefore(token.issuedAt().plus(TOKEN_REUSE))) {
            if (tokens.size() >= MAX_CACHED_AUDIENCES) tokens.clear();
            token = new Token(jwt(audience, now), now);
            tokens.put(audience, token);
        }
        return "vapid t=" + token.jwt() + ", k=" + keys.publicKey();
    }

    private String jwt(String audience, Instant now) {
        ObjectNode claims = JSON.createObjectNode()
                .put("aud", audience)
                .put("exp", now.plus(TOKEN_LIFETIME).getEpochSecond())
                .put("sub", subject);
        try {
            return Jws.sign(JSON.createObjectNode().put("typ", "JWT").put("alg", "ES256"), claims, keys.privateKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a VAPID token: " + e.getMessage(), e);
        }
    }

    /** The origin of the push service, which the token is for: scheme://host[:port], the port only when not the default. */
    static String audience(URI endpoint) {
        String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        int port = endpoint.getPort();
        boolean defaultPort = port == -1 || port == 443 && scheme.equals("https") || port == 80 && scheme.equals("http");
        return scheme + "://" + endpoint.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    private static URI endpoint(String text) {
        if (text == null) throw new IllegalArgumentException("no endpoint");
        URI uri;
        try {
            uri = new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("endpoint is not a URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) throw new IllegalArgumentException("endpoint is not an https URL");
        return uri;
    }

    private static byte[] base64Url(String field, String text) {
        if (text == null) throw new IllegalArgumentException("no " + field);
        try {
            return Base64.getUrlDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not base64url");
        }
    }

    /** Keeps the first KB of a response body: enough to report an error, no more from an endpoint a client chose. */
    private static HttpResponse.BodySubscriber<String> firstBytesAsText() {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        HttpResponse.BodySubscriber<Void> keep = HttpResponse.BodySubscribers.ofByteArrayConsumer(chunk -> chunk.ifPresent(bytes -> {
            int room = ERROR_BODY_BYTES - head.size();
            if (room > 0) head.write(bytes, 0, Math.min(room, bytes.length));
        }));
        return HttpResponse.BodySubscribers.mapping(keep, done -> head.toString(StandardCharsets.UTF_8));
    }

    private static String printable(String body) {
        String flat = body.strip().replaceAll("\\p{Cntrl}+", " "); // keep a hostile body from forging log lines
        if (flat.length() <= ERROR_BODY_CHARS) return flat;
        int end = Character.isHighSurrogate(flat.charAt(ERROR_BODY_CHARS - 1)) ? ERROR_BODY_CHARS - 1 : ERROR_BODY_CHARS;
        return flat.substring(0, end);
    }
}
