package org.parley.it.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.parley.client.ParleyClient;
import org.parley.client.RestClient;
import org.parley.protocol.Model;
import org.parley.protocol.Requests.PushRegistration;
import org.parley.protocol.WireJson;
import org.parley.server.app.Config;
import org.parley.server.app.Node;

/**
 * Push notifications end to end, for each provider against a stand-in that checks what the
 * real service checks: one correct request for a message to an offline user, bursts
 * collapsed, retries on 503 honouring Retry-After, a dead address forgotten, and no push to
 * a user who is online and confirms, who muted the chat or is in do-not-disturb.
 */
class PushIT {

    enum Provider { WEB_PUSH, FCM, APNS }

    /** What a notification said, whichever provider carried it. */
    record Seen(String title, String body, Map<String, String> data, String problem) {}

    /** One provider's stand-in, behind one shape. */
    interface StandIn extends AutoCloseable {
        Map<String, String> nodeSettings();

        PushRegistration registration();

        /** Called with the node's VAPID key once it runs (Web Push checks it). */
        default void nodeStarted(String vapidKey) {}

        List<Seen> seen();

        void fail(int status, String retryAfter);

        /** The provider's answer for an address that no longer exists. */
        void gone();

        @Override
        void close() throws Exception;
    }

    private StandIn standIn;
    private Node node;
    private java.nio.file.Path dataDir;

    @AfterEach
    void stop() throws Exception {
        if (node != null) node.close();
        if (standIn != null) standIn.close();
        org.parley.it.TempDirs.delete(dataDir);
    }

    static StandIn standIn(Provider provider) {
        return switch (provider) {
            case WEB_PUSH -> new StandIn() {
                final WebPushStandIn s = WebPushStandIn.start(null);

                public Map<String, String> nodeSettings() {
                    return Map.of("push.webPush.allowedHosts", "127.0.0.1:" + s.port());
                }

                public PushRegistration registration() {
                    var sub = s.newSubscription();
                    return new PushRegistration("webPush", sub.endpoint(), sub.p256dh(), sub.auth(), null, null);
                }

                public void nodeStarted(String vapidKey) {
                    s.expectVapidKey(vapidKey);
                }

                public List<Seen> seen() {
                    return s.received().stream().map(r -> {
                        JsonNode json = r.decryptedJson() == null ? null : read(r.decryptedJson());
                        return json == null ? new Seen(null, null, Map.of(), r.problem())
                                : new Seen(json.path("title").asText(null), json.path("body").asText(null), strings(json.path("data")), r.problem());
                    }).toList();
                }

                public void fail(int status, String retryAfter) {
                    s.respondWith(status, retryAfter);
                }

                public void gone() {
                    s.respondWith(410, null);
                }

                public void close() {
                    s.close();
                }
            };
            case FCM -> new StandIn() {
                final FcmStandIn s = FcmStandIn.start();

                public Map<String, String> nodeSettings() {
                    return Map.of("push.fcm.serviceAccountFile", s.serviceAccountFile().toString(), "push.fcm.url", s.apiBase());
                }

                public PushRegistration registration() {
                    return new PushRegistration("fcm", null, null, null, "fcm-token:" + System.nanoTime(), null);
                }

                public List<Seen> seen() {
                    return s.received().stream().map(r -> new Seen(r.message().path("notification").path("title").asText(null),
                            r.message().path("notification").path("body").asText(null), strings(r.message().path("data")), r.problem())).toList();
                }

                public void fail(int status, String retryAfter) {
                    s.respondWith(status, retryAfter, status == 503 ? "UNAVAILABLE" : null);
                }

                public void gone() {
                    s.respondWith(404, null, "UNREGISTERED");
                }

                public void close() throws Exception {
                    s.close();
                }
            };
            case APNS -> new StandIn() {
                final ApnsStandIn s = ApnsStandIn.start();

                public Map<String, String> nodeSettings() {
                    return Map.of("push.apns.keyFile", s.keyFile().toString(), "push.apns.keyId", s.keyId(), "push.apns.teamId", s.teamId(),
                            "push.apns.url", s.apiBase());
                }

                public PushRegistration registration() {
                    return new PushRegistration("apns", null, null, null, String.format("%064x", System.nanoTime()), "org.parley.app");
                }

                public List<Seen> seen() {
                    return s.received().stream().map(r -> {
                        JsonNode alert = r.payload() == null ? null : r.payload().path("aps").path("alert");
                        Map<String, String> data = new HashMap<>();
                        if (r.payload() != null) r.payload().fields().forEachRemaining(e -> {
                            if (!e.getKey().equals("aps")) data.put(e.getKey(), e.getValue().asText());
                        });
                        return new Seen(alert == null ? null : alert.path("title").asText(null), alert == null ? null : alert.path("body").asText(null),
                                data, r.problem());
                    }).toList();
                }

                public void fail(int status, String retryAfter) {
                    s.respondWith(status, status == 503 ? "ServiceUnavailable" : "TooManyRequests", retryAfter);
                }

                public void gone() {
                    s.respondWith(410, "Unregistered", null);
                }

                public void close() throws Exception {
                    s.close();
                }
            };
        };
    }

    private static JsonNode read(String json) {
        try {
            return WireJson.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private record User(RestClient rest, String userId, String token) {}

    private URI uri() {
        return URI.create("http://127.0.0.1:" + node.port());
    }

    private void startNode(Provider provider) throws Exception {
        standIn = standIn(provider);
        dataDir = java.nio.file.Files.createTempDirectory("parley-push");
        Map<String, String> settings = new HashMap<>(Map.of("port", "0", "host", "127.0.0.1", "auth.devCodes", "true", "store", "sqlite",
                "data.dir", dataDir.toString(), "push.graceSeconds", "2", "push.collapseMillis", "300", "push.retryBaseMillis", "500",
                "push.trustCertFile", TestTls.get().certPem.toString()));
        settings.putAll(standIn.nodeSettings());
        node = Node.start(Config.load(null, Map.of(), settings));
        standIn.nodeStarted(new RestClient(uri(), HttpClient.newHttpClient()).vapidKey().publicKey());
    }

    private static int phones = (int) (System.nanoTime() % 1_000_000);

    private User signUp(String name) {
        RestClient rest = new RestClient(uri(), HttpClient.newHttpClient());
        String phone = String.format("+1666%07d", ++phones % 10_000_000);
        var issued = rest.signIn(phone, rest.requestCode(phone).devCode(), name + "'s phone");
        rest.updateProfile(name, null);
        return new User(rest, issued.userId(), issued.token());
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** Long enough for a push that should not come to have come (collapse + grace + a margin). */
    private static void quietPeriod() throws InterruptedException {
        Thread.sleep(3_500);
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void anOfflineUserGetsOneNotificationAndABurstCollapses(Provider provider) throws Exception {
        startNode(provider);
        User ana = signUp("Ana");
        User ben = signUp("Ben");
        ben.rest().registerPush(standIn.registration());
        String chat = ana.rest().openDirect(ben.userId()).chatId();

        ana.rest().send(chat, "m1", "Lunch at one?", null);
        await("a push", Duration.ofSeconds(10), () -> standIn.seen().size() == 1);
        Seen first = standIn.seen().get(0);
        assertThat(first.problem()).as("the stand-in's checks").isNull();
        assertThat(first.title()).isEqualTo("Ana");
        assertThat(first.body()).isEqualTo("Lunch at one?");
        assertThat(first.data()).containsEntry("chatId", chat).containsEntry("seq", "1").containsEntry("count", "1");

        for (int i = 2; i <= 4; i++) ana.rest().send(chat, "m" + i, "burst " + i, null);
        await("the burst's push", Duration.ofSeconds(10), () -> standIn.seen().size() >= 2);
        quietPeriod();
        assertThat(standIn.seen()).as("exactly one per message burst").hasSize(2);
        Seen burst = standIn.seen().get(1);
        assertThat(burst.problem()).isNull();
        assertThat(burst.data()).containsEntry("seq", "4").containsEntry("count", "3");
        assertThat(burst.body()).startsWith("burst 4").contains("3 new messages");
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void aProviderThatIsDownIsRetriedAfterItsRetryAfter(Provider provider) throws Exception {
        startNode(provider);
        User ana = signUp("Ana");
        User ben = signUp("Ben");
        ben.rest().registerPush(standIn.registration());
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        standIn.fail(503, "2");

        ana.rest().send(chat, "m1", "are you there", null);
        await("the first try", Duration.ofSeconds(10), () -> standIn.seen().size() == 1);
        long firstAt = System.currentTimeMillis();
        await("the retry", Duration.ofSeconds(15), () -> standIn.seen().size() == 2);
        assertThat(System.currentTimeMillis() - firstAt).as("not before Retry-After").isGreaterThanOrEqualTo(1_900);
        quietPeriod();
        assertThat(standIn.seen()).as("delivered once, then no more").hasSize(2);
        assertThat(standIn.seen().get(1).body()).isEqualTo("are you there");
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void aDeadAddressIsForgotten(Provider provider) throws Exception {
        startNode(provider);
        User ana = signUp("Ana");
        User ben = signUp("Ben");
        ben.rest().registerPush(standIn.registration());
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        standIn.gone();

        ana.rest().send(chat, "m1", "hello?", null);
        await("the push", Duration.ofSeconds(10), () -> standIn.seen().size() == 1);
        ana.rest().send(chat, "m2", "hello again", null);
        quietPeriod();
        assertThat(standIn.seen()).as("the address was removed after the provider said it is gone").hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Provider.class)
    void noPushToAnOnlineDeviceThatConfirmsNorForAMutedChatNorInDoNotDisturb(Provider provider) throws Exception {
        startNode(provider);
        User ana = signUp("Ana");
        User ben = signUp("Ben");
        ben.rest().registerPush(standIn.registration());
        String chat = ana.rest().openDirect(ben.userId()).chatId();

        // Online, and the SDK confirms delivery: nothing is pushed.
        try (ParleyClient benOnline = ParleyClient.create(uri(), ben.token(), new ParleyClient.Listener() {})) {
            benOnline.connect();
            await("ben online", Duration.ofSeconds(10), () -> ana.rest().presence(ben.userId()).online());
            ana.rest().send(chat, "m1", "you're here", null);
            quietPeriod();
            assertThat(standIn.seen()).as("ben has the message").isEmpty();
        }

        // Muted: nothing; unmuted: pushed.
        await("ben offline", Duration.ofSeconds(10), () -> !ana.rest().presence(ben.userId()).online());
        ben.rest().mute(chat, System.currentTimeMillis() + 3_600_000);
        assertThat(ben.rest().chat(chat).mutedUntil()).isNotNull();
        ana.rest().send(chat, "m2", "muted", null);
        quietPeriod();
        assertThat(standIn.seen()).as("muted chat").isEmpty();
        ben.rest().mute(chat, null);

        // Do not disturb all day long (a window around now): nothing.
        var now = java.time.LocalTime.now(java.time.ZoneOffset.UTC);
        String from = now.minusHours(1).withSecond(0).toString().substring(0, 5);
        String to = now.plusHours(1).withSecond(0).toString().substring(0, 5);
        ben.rest().putSettings(new Model.Settings("everyone", true, new Model.Dnd(from, to, "UTC")));
        ana.rest().send(chat, "m3", "do not disturb", null);
        quietPeriod();
        assertThat(standIn.seen()).as("do not disturb").isEmpty();

        // Previews off: pushed, without the text.
        ben.rest().putSettings(new Model.Settings("everyone", false, null));
        ana.rest().send(chat, "m4", "secret plans", null);
        await("a push", Duration.ofSeconds(10), () -> standIn.seen().size() == 1);
        Seen seen = standIn.seen().get(0);
        assertThat(seen.problem()).isNull();
        assertThat(seen.title() + " " + seen.body()).doesNotContain("secret").doesNotContain("Ana").contains("New message");
    }

    @org.junit.jupiter.api.Test
    void aConnectedDeviceThatDoesNotConfirmIsPushedAfterTheGrace() throws Exception {
        startNode(Provider.WEB_PUSH);
        User ana = signUp("Ana");
        User ben = signUp("Ben");
        ben.rest().registerPush(standIn.registration());
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        // a socket that is up (and answers pings) but never confirms delivery: a stuck app
        var ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + ben.token())
                .buildAsync(URI.create("ws://127.0.0.1:" + node.port() + "/v1/ws"), new java.net.http.WebSocket.Listener() {}).join();
        ws.sendText("{\"type\":\"ping\"}", true).join(); // live, and pongs are automatic; but no delivered frame, ever
        try {
            await("ben online", Duration.ofSeconds(10), () -> ana.rest().presence(ben.userId()).online());
            long sentAt = System.currentTimeMillis();
            ana.rest().send(chat, "m1", "still there?", null);
            await("a push after the grace", Duration.ofSeconds(10), () -> standIn.seen().size() == 1);
            assertThat(System.currentTimeMillis() - sentAt).as("waited for the device to confirm").isGreaterThanOrEqualTo(1_900);
            assertThat(standIn.seen().get(0).body()).isEqualTo("still there?");
        } finally {
            ws.abort();
        }
    }

    @org.junit.jupiter.api.Test
    void badRegistrationsAreRefusedAndChangeNothing() throws Exception {
        startNode(Provider.WEB_PUSH);
        User ana = signUp("Ana");
        var sub = standIn.registration();
        String p256dh = sub.p256dh(), auth = sub.auth();
        record Case(String body, int status, String code) {}
        for (Case c : List.of(
                new Case("{\"type\":\"webPush\",\"endpoint\":\"https://evil.example/x\",\"p256dh\":\"" + p256dh + "\",\"auth\":\"" + auth + "\"}",
                        422, "PUSH_ENDPOINT_REJECTED"),
                new Case("{\"type\":\"webPush\",\"endpoint\":\"" + sub.endpoint().replace("https:", "http:") + "\",\"p256dh\":\"" + p256dh
                        + "\",\"auth\":\"" + auth + "\"}", 422, "PUSH_ENDPOINT_REJECTED"),
                new Case("{\"type\":\"webPush\",\"endpoint\":\"https://user@" + sub.endpoint().substring(8) + "\",\"p256dh\":\"" + p256dh
                        + "\",\"auth\":\"" + auth + "\"}", 422, "PUSH_ENDPOINT_REJECTED"),
                new Case("{\"type\":\"webPush\",\"endpoint\":\"" + sub.endpoint() + "\",\"p256dh\":\"not base64!\",\"auth\":\"" + auth + "\"}",
                        400, "INVALID_FIELD"),
                new Case("{\"type\":\"fcm\",\"token\":\"abc\"}", 422, "PUSH_PROVIDER_OFF"),
                new Case("{\"type\":\"apns\",\"token\":\"zz\",\"topic\":\"org.parley\"}", 400, "INVALID_FIELD"),
                new Case("{\"type\":\"carrier-pigeon\"}", 400, "INVALID_FIELD"))) {
            var r = ana.rest().exchange("PUT", "/v1/devices/current/push", c.body());
            assertThat(r.statusCode()).as(c.body()).isEqualTo(c.status());
            assertThat(new String(r.body())).as(c.body()).contains(c.code());
        }
        User ben = signUp("Ben");
        ben.rest().openDirect(ana.userId());
        ben.rest().send(ben.rest().openDirect(ana.userId()).chatId(), "m1", "hi", null);
        quietPeriod();
        assertThat(standIn.seen()).as("nothing was registered").isEmpty();
        assertThat(ana.rest().exchange("PUT", "/v1/chats/" + ben.rest().openDirect(ana.userId()).chatId() + "/mute", "{\"until\":-5}").statusCode())
                .isEqualTo(400);
    }
}
