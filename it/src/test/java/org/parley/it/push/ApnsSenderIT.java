package org.parley.it.push;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.server.push.ApnsSender;
import org.parley.server.push.Notification;
import org.parley.server.push.PushEndpoint;
import org.parley.server.push.PushHttp;
import org.parley.server.push.PushSender.Outcome;

/** ApnsSender against a stand-in that checks HTTP/2, the provider token and the headers as Apple does. */
class ApnsSenderIT {
    private static final String DEVICE_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    private static final PushEndpoint IPHONE = new PushEndpoint("dev-2", "user-1", PushEndpoint.Kind.apns, null, null, null, DEVICE_TOKEN,
            "org.parley.app");
    private static final Notification NEW_MESSAGE = new Notification("chat-42", "Alice", "See you at 8?",
            Map.of("chatId", "chat-42", "seq", "7", "msgId", "m-9", "count", "2"), 3600);

    private final HttpClient http = PushHttp.client(TestTls.get().certPem);
    private ApnsStandIn apns;
    private ApnsSender sender;

    @BeforeEach
    void start() {
        apns = ApnsStandIn.start();
        sender = senderTo(URI.create(apns.apiBase()), Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        apns.close();
    }

    @Test
    void aNotificationArrivesOnceOverHttp2AsApnsExpectsIt() throws Exception {
        long now = Instant.now().getEpochSecond();

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());

        assertThat(apns.received()).hasSize(1);
        ApnsStandIn.Received got = apns.received().getFirst();
        assertThat(got.problem()).isNull();
        assertThat(got.deviceToken()).isEqualTo(DEVICE_TOKEN);
        assertThat(got.headers()).containsEntry("apns-topic", "org.parley.app").containsEntry("apns-push-type", "alert")
                .containsEntry("apns-priority", "10").containsEntry("apns-collapse-id", "chat-42");
        assertThat(Long.parseLong(got.headers().get("apns-expiration"))).isBetween(now + 3600, now + 3605);
        assertThat(got.payload().at("/aps/alert/title").asText()).isEqualTo("Alice");
        assertThat(got.payload().at("/aps/alert/body").asText()).isEqualTo("See you at 8?");
        assertThat(got.payload().at("/aps/sound").asText()).isEqualTo("default");
        assertThat(got.payload().at("/aps/thread-id").asText()).isEqualTo("chat-42");
        assertThat(got.payload().at("/aps/mutable-content").asInt()).isEqualTo(1);
        assertThat(got.payload().get("chatId").asText()).isEqualTo("chat-42");
        assertThat(got.payload().get("msgId").asText()).isEqualTo("m-9");
    }

    @Test
    void longTextIsCutToApplesLimits() throws Exception {
        String chatId = "chat-" + "é".repeat(40);
        var essay = new Notification(chatId, "Alice", "word ".repeat(2000), Map.of("chatId", chatId), 3600);

        assertThat(sender.send(IPHONE, essay)).isEqualTo(new Outcome.Delivered());

        ApnsStandIn.Received got = apns.received().getFirst();
        assertThat(got.problem()).isNull();
        assertThat(got.payload().toString().getBytes(UTF_8).length).isLessThanOrEqualTo(4096).isGreaterThan(4000);
        assertThat(got.payload().at("/aps/alert/body").asText()).startsWith("word word").endsWith("…");
        assertThat(got.headers().get("apns-collapse-id").getBytes(UTF_8)).hasSizeLessThanOrEqualTo(64);
        assertThat(chatId).startsWith(got.headers().get("apns-collapse-id"));
    }

    @Test
    void theProviderTokenIsReusedForFortyMinutesThenRenewed() throws Exception {
        // starts 45 minutes back so that the stand-in, on the real clock, still accepts the 41-minute-later token
        var clock = new SettableClock(Instant.now().minus(Duration.ofMinutes(45)));
        ApnsSender timed = senderTo(URI.create(apns.apiBase()), clock);

        timed.send(IPHONE, NEW_MESSAGE);
        clock.advance(Duration.ofMinutes(39));
        timed.send(IPHONE, NEW_MESSAGE);
        clock.advance(Duration.ofMinutes(2));
        timed.send(IPHONE, NEW_MESSAGE);

        var received = apns.received();
        assertThat(received).hasSize(3).allSatisfy(r -> assertThat(r.problem()).isNull());
        assertThat(received.get(1).headers().get("authorization")).isEqualTo(received.get(0).headers().get("authorization"));
        assertThat(received.get(2).headers().get("authorization")).isNotEqualTo(received.get(1).headers().get("authorization"));
    }

    @Test
    void anExpiredProviderTokenIsRenewedAndTheSendRetried() throws Exception {
        sender.send(IPHONE, NEW_MESSAGE);
        apns.respondWith(403, "ExpiredProviderToken", null);

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());

        var received = apns.received();
        assertThat(received.get(2).headers().get("authorization")).isNotEqualTo(received.get(1).headers().get("authorization"));
        assertThat(received).allSatisfy(r -> assertThat(r.problem()).isNull());
    }

    @Test
    void manySendsRefusedTogetherWithAnExpiredProviderTokenAreAllRetried() throws Exception {
        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        for (int i = 0; i < 64; i++) apns.respondWith(403, "ExpiredProviderToken", null);

        List<Outcome> outcomes = AtOnce.send(sender, IPHONE, NEW_MESSAGE, 64);

        assertThat(outcomes).hasSize(64).allSatisfy(o -> assertThat(o).isInstanceOfSatisfying(Outcome.Retry.class,
                r -> assertThat(r.reason()).contains("ExpiredProviderToken")));
        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        assertThat(apns.received().getLast().headers().get("authorization")).isNotEqualTo(apns.received().getFirst().headers().get("authorization"));
    }

    @Test
    void expiredTokensAreSignedAnewButAnInvalidOneFailsOnlyItsOwnSend() throws Exception {
        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        apns.respondWith(403, "ExpiredProviderToken", null);
        apns.respondWith(403, "ExpiredProviderToken", null);
        apns.respondWith(403, "InvalidProviderToken", null);

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(IPHONE, NEW_MESSAGE)).as("a fresh token refused as expired: still worth a retry").isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("InvalidProviderToken");
        assertThat(sender.send(IPHONE, NEW_MESSAGE)).as("the refusal of one send does not fail the next").isEqualTo(new Outcome.Delivered());

        var tokens = apns.received().stream().map(r -> r.headers().get("authorization")).toList();
        assertThat(tokens.get(1)).isEqualTo(tokens.get(0));
        assertThat(tokens.get(2)).isNotEqualTo(tokens.get(1));
        assertThat(tokens.get(3)).isNotEqualTo(tokens.get(2));
        assertThat(tokens.get(4)).as("InvalidProviderToken is the key's fault: re-signing would not help").isEqualTo(tokens.get(3));
    }

    @Test
    void anInvalidProviderTokenFails() throws Exception {
        apns.respondWith(403, "InvalidProviderToken", null);

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class);
    }

    @Test
    void anUnregisteredDeviceIsGone() throws Exception {
        apns.respondWith(410, "Unregistered", null);

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Gone.class);
    }

    @Test
    void aBadDeviceTokenIsGone() throws Exception {
        apns.respondWith(400, "BadDeviceToken", null);

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Gone.class);
    }

    @Test
    void anotherBadRequestFailsWithApplesReason() throws Exception {
        apns.respondWith(400, "TopicDisallowed", null);

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("TopicDisallowed");
    }

    @Test
    void unavailableIsRetriedWhenApnsSays() throws Exception {
        apns.respondWith(503, "ServiceUnavailable", "5");

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class)
                .extracting(o -> ((Outcome.Retry) o).retryAfter()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void tooManyRequestsIsRetried() throws Exception {
        apns.respondWith(429, "TooManyRequests", null);

        assertThat(sender.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
    }

    @Test
    void anUnreachableApnsIsRetried() throws Exception {
        ApnsSender toNowhere = senderTo(URI.create("https://127.0.0.1:" + freePort()), Clock.systemUTC());

        assertThat(toNowhere.send(IPHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class)
                .extracting(o -> ((Outcome.Retry) o).retryAfter()).isNull();
    }

    @Test
    void theStandInRefusesHttp1LikeApple() throws Exception {
        HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trustingStandIn()).build();

        HttpResponse<String> response = http1.send(HttpRequest.newBuilder(URI.create(apns.apiBase() + "/3/device/" + DEVICE_TOKEN))
                .POST(HttpRequest.BodyPublishers.ofString("{\"aps\":{}}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(apns.received().getFirst().problem()).contains("HTTP/2");
    }

    private ApnsSender senderTo(URI apiBase, Clock clock) {
        return new ApnsSender(http, apiBase, ApnsSender.readKey(apns.keyFile()), apns.keyId(), apns.teamId(), clock);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static SSLContext trustingStandIn() throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream pem = Files.newInputStream(TestTls.get().certPem)) {
            trusted.setCertificateEntry("standin", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }

    /** A clock the test moves by hand, to see the provider token age. */
    private static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
