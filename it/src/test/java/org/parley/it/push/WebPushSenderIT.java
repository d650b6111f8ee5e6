package org.parley.it.push;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.parley.protocol.WireJson;
import org.parley.server.push.Notification;
import org.parley.server.push.PushEndpoint;
import org.parley.server.push.PushHttp;
import org.parley.server.push.PushSender.Outcome;
import org.parley.server.push.VapidKeys;
import org.parley.server.push.WebPushSender;

/** Web Push through real HTTPS to a stand-in push service that checks and decrypts like a real one. */
class WebPushSenderIT {
    private static final HttpClient HTTP = PushHttp.client(TestTls.get().certPem);

    @TempDir
    Path dataDir;

    private VapidKeys vapid;
    private WebPushStandIn pushService;
    private WebPushSender sender;

    @BeforeEach
    void start() {
        vapid = VapidKeys.loadOrCreate(dataDir, null);
        pushService = WebPushStandIn.start(vapid.publicKey());
        sender = new WebPushSender(HTTP, vapid, "mailto:ops@parley.example", Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        pushService.close();
    }

    private static Notification message(String body) {
        return new Notification("chat-42", "Ana", body, Map.of("chatId", "chat-42", "seq", "17", "msgId", "m-9"), 3600);
    }

    private PushEndpoint subscribed() {
        return pushService.newSubscription().asPushEndpoint("device-1", "user-1");
    }

    @Test
    void theSubscriberReadsWhatWasSent() throws Exception {
        WebPushStandIn.Subscription browser = pushService.newSubscription();

        Outcome outcome = sender.send(browser.asPushEndpoint("device-1", "user-1"), message("See you at 8 \uD83C\uDF89"));

        assertThat(outcome).isEqualTo(new Outcome.Delivered());
        assertThat(pushService.received()).singleElement().satisfies(r -> {
            assertThat(r.problem()).isNull();
            assertThat(r.subscriptionId()).isEqualTo(browser.id());
            JsonNode payload = WireJson.mapper().readTree(r.decryptedJson());
            assertThat(payload).isEqualTo(WireJson.mapper().readTree("""
                    {"title":"Ana","body":"See you at 8 \uD83C\uDF89","collapseKey":"chat-42",
                     "data":{"chatId":"chat-42","seq":"17","msgId":"m-9"}}"""));
        });
    }

    @Test
    void requestsCarryTheHeadersPushServicesRequire() throws Exception {
        PushEndpoint to = subscribed();
        sender.send(to, message("one"));
        sender.send(to, new Notification("chat-7", "Bo", "two", Map.of(), 60));

        var first = pushService.received().get(0);
        var second = pushService.received().get(1);
        assertThat(first.problem()).isNull();
        assertThat(first.headers()).containsEntry("content-encoding", "aes128gcm").containsEntry("content-type", "application/octet-stream")
                .containsEntry("ttl", "3600").containsEntry("urgency", "high");
        assertThat(second.headers()).containsEntry("ttl", "60");
        assertThat(first.headers().get("topic")).matches("[A-Za-z0-9_-]{32}");
        assertThat(second.headers().get("topic")).as("one topic per chat").matches("[A-Za-z0-9_-]{32}").isNotEqualTo(first.headers().get("topic"));
        assertThat(first.headers().get("authorization")).startsWith("vapid t=").endsWith(", k=" + vapid.publicKey());
    }

    @Test
    void aLaterMessageOfTheSameChatReplacesTheEarlierOne() throws Exception {
        PushEndpoint to = subscribed();
        sender.send(to, message("first"));
        sender.send(to, message("second"));

        var topics = pushService.received().stream().map(r -> r.headers().get("topic")).toList();
        assertThat(topics).hasSize(2).doesNotContainNull();
        assertThat(topics.get(1)).isEqualTo(topics.get(0));
    }

    @Test
    void oneVapidTokenServesManySends() throws Exception {
        PushEndpoint to = subscribed();
        for (int i = 0; i < 3; i++) assertThat(sender.send(to, message("n" + i))).isEqualTo(new Outcome.Delivered());

        assertThat(pushService.received().stream().map(r -> r.headers().get("authorization")).distinct()).hasSize(1);
    }

    @Test
    void aLongBodyIsShortenedToFitAPushMessage() throws Exception {
        String longBody = "\uD83D\uDE00 ab\u00e9 \"quoted\" ".repeat(600); // emoji, accents and escapes: bytes != chars
        Outcome outcome = sender.send(subscribed(), message(longBody));

        assertThat(outcome).isEqualTo(new Outcome.Delivered());
        var r = pushService.received().get(0);
        assertThat(r.problem()).isNull();
        assertThat(r.decryptedJson().getBytes(StandardCharsets.UTF_8).length).isBetween(3_700, 3_800);
        String body = WireJson.mapper().readTree(r.decryptedJson()).get("body").asText();
        assertThat(body).endsWith("\u2026");
        assertThat(longBody).startsWith(body.substring(0, body.length() - 1));
        assertThat(Character.isHighSurrogate(body.charAt(body.length() - 2))).as("no emoji cut in half").isFalse();
    }

    @Test
    void aRequestTheServiceRejectsAsUnauthorizedFails() throws Exception {
        VapidKeys otherNodesKey = VapidKeys.loadOrCreate(dataDir.resolve("other"), null);
        WebPushSender misconfigured = new WebPushSender(HTTP, otherNodesKey, "mailto:ops@parley.example", Clock.systemUTC());

        Outcome outcome = misconfigured.send(subscribed(), message("hi"));

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Failed.class, f -> assertThat(f.reason())
                .startsWith("VAPID token refused (401 from 127.0.0.1): check push.webPush.subject and the VAPID key"));
        assertThat(pushService.received().get(0).problem()).contains("not the expected VAPID key");
    }

    @Test
    void aForbiddenAnswerNamesTheVapidSettingsToCheck() throws Exception {
        PushEndpoint to = subscribed();
        pushService.respondWith(403, null); // as Apple answers BadJwtToken

        assertThat(sender.send(to, message("a"))).isEqualTo(new Outcome.Failed(
                "VAPID token refused (403 from 127.0.0.1): check push.webPush.subject and the VAPID key; the service said: scripted 403"));
        assertThat(sender.send(to, message("b"))).as("one refusal is not remembered").isEqualTo(new Outcome.Delivered());
    }

    @Test
    void aSubjectApplesServiceRefusesIsWarnedAboutOnceAtConstruction() {
        Logger logger = (Logger) LoggerFactory.getLogger(WebPushSender.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            for (String subject : List.of("mailto:ops@localhost", "mailto:ops@parley.local", "mailto:Ops@Push.Localhost",
                    "mailto:ops@parley.invalid", "mailto:ops@parley.local.?subject=push")) {
                new WebPushSender(HTTP, vapid, subject, Clock.systemUTC());
            }
            for (String subject : List.of("mailto:ops@parley.example", "mailto:ops@locals.org", "mailto:ops@invalid.example.com",
                    "https://parley.example/contact", "https://localhost/contact")) {
                new WebPushSender(HTTP, vapid, subject, Clock.systemUTC());
            }
        } finally {
            logger.detachAppender(logged);
        }

        assertThat(logged.list).extracting(ILoggingEvent::getLevel).containsOnly(Level.WARN);
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                warning("mailto:ops@localhost"), warning("mailto:ops@parley.local"), warning("mailto:Ops@Push.Localhost"),
                warning("mailto:ops@parley.invalid"), warning("mailto:ops@parley.local.?subject=push"));
    }

    private static String warning(String subject) {
        return "push.webPush.subject " + subject + ": Apple's push service (Safari, iOS) refuses this contact; set it to a mailto: or https: address of yours";
    }

    @Test
    void expiredOrUnsubscribedEndpointsAreGone() throws Exception {
        PushEndpoint to = subscribed();
        pushService.respondWith(410, null);
        pushService.respondWith(404, null);

        assertThat(sender.send(to, message("a"))).isInstanceOf(Outcome.Gone.class);
        assertThat(sender.send(to, message("b"))).isInstanceOf(Outcome.Gone.class);
    }

    @Test
    void anOverloadedServiceIsRetriedWhenItSays() throws Exception {
        PushEndpoint to = subscribed();
        pushService.respondWith(503, "7");
        pushService.respondWith(429, null);

        assertThat(sender.send(to, message("a"))).isInstanceOfSatisfying(Outcome.Retry.class,
                r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7)));
        assertThat(sender.send(to, message("a"))).isInstanceOfSatisfying(Outcome.Retry.class, r -> assertThat(r.retryAfter()).isNull());
        assertThat(sender.send(to, message("a"))).as("then it recovers").isEqualTo(new Outcome.Delivered());
        assertThat(pushService.received()).hasSize(3).allSatisfy(r -> assertThat(r.problem()).isNull());
    }

    @Test
    void retryAfterAsADateCountsFromTheSendersClock() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        WebPushSender atNow = new WebPushSender(HTTP, vapid, "https://parley.example/contact", Clock.fixed(now, ZoneOffset.UTC));
        pushService.respondWith(503, DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(120).atOffset(ZoneOffset.UTC)));

        assertThat(atNow.send(subscribed(), message("a"))).isInstanceOfSatisfying(Outcome.Retry.class,
                r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofMinutes(2)));
    }

    @Test
    void aRequestRefusedForGoodFailsWithTheServicesWords() throws Exception {
        PushEndpoint to = subscribed();
        pushService.respondWith(400, null);
        pushService.respondWith(413, null);

        assertThat(sender.send(to, message("a"))).isEqualTo(new Outcome.Failed("400 from 127.0.0.1: scripted 400"));
        assertThat(sender.send(to, message("a"))).isEqualTo(new Outcome.Failed("payload too large"));
    }

    @Test
    void anUnreachableServiceIsRetriedWithoutRevealingTheEndpoint() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        PushEndpoint subscription = subscribed();
        PushEndpoint to = new PushEndpoint("device-1", "user-1", PushEndpoint.Kind.webPush, "https://127.0.0.1:" + closedPort + "/wp/secret-capability",
                subscription.p256dh(), subscription.auth(), null, null);

        Outcome outcome = sender.send(to, message("a"));

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Retry.class, r -> {
            assertThat(r.retryAfter()).isNull();
            assertThat(r.reason()).contains("127.0.0.1").doesNotContain("secret-capability");
        });
    }

    @Test
    void aSubscriptionWithBrokenKeysIsGoneWithoutBotheringTheService() throws Exception {
        PushEndpoint good = subscribed();
        PushEndpoint badKey = new PushEndpoint("d", "u", PushEndpoint.Kind.webPush, good.endpoint(), good.p256dh().substring(0, 40), good.auth(), null, null);
        PushEndpoint badAuth = new PushEndpoint("d", "u", PushEndpoint.Kind.webPush, good.endpoint(), good.p256dh(), "c2hvcnQ", null, null);
        PushEndpoint plainHttp = new PushEndpoint("d", "u", PushEndpoint.Kind.webPush, good.endpoint().replace("https:", "http:"), good.p256dh(),
                good.auth(), null, null);

        for (PushEndpoint broken : new PushEndpoint[] {badKey, badAuth, plainHttp})
            assertThat(sender.send(broken, message("a"))).as(broken.toString()).isInstanceOf(Outcome.Gone.class);
        assertThat(pushService.received()).isEmpty();
    }
}
