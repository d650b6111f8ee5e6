package org.parley.it.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.server.push.FcmSender;
import org.parley.server.push.Notification;
import org.parley.server.push.PushEndpoint;
import org.parley.server.push.PushHttp;
import org.parley.server.push.PushSender.Outcome;

/** FcmSender against a stand-in that checks the OAuth grant and the v1 message as Google does. */
class FcmSenderIT {
    private static final PushEndpoint PHONE = new PushEndpoint("dev-1", "user-1", PushEndpoint.Kind.fcm, null, null, null,
            "fcm-registration-token-1", null);
    private static final Notification NEW_MESSAGE = new Notification("chat-42", "Alice", "See you at 8?",
            Map.of("chatId", "chat-42", "seq", "7", "msgId", "m-9", "count", "2"), 3600);

    private final HttpClient http = PushHttp.client(TestTls.get().certPem);
    private FcmStandIn fcm;
    private FcmSender sender;

    @BeforeEach
    void start() {
        fcm = FcmStandIn.start();
        sender = senderTo(URI.create(fcm.apiBase()));
    }

    @AfterEach
    void stop() throws Exception {
        fcm.close();
    }

    @Test
    void aNotificationArrivesOnceAsFcmExpectsIt() throws Exception {
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());

        assertThat(fcm.tokenProblems()).isEmpty();
        assertThat(fcm.received()).hasSize(1);
        FcmStandIn.Received got = fcm.received().getFirst();
        assertThat(got.problem()).isNull();
        assertThat(got.token()).isEqualTo("fcm-registration-token-1");
        assertThat(got.message().at("/notification/title").asText()).isEqualTo("Alice");
        assertThat(got.message().at("/notification/body").asText()).isEqualTo("See you at 8?");
        assertThat(got.message().at("/data/chatId").asText()).isEqualTo("chat-42");
        assertThat(got.message().at("/data/seq").asText()).isEqualTo("7");
        assertThat(got.message().at("/data/count").asText()).isEqualTo("2");
        assertThat(got.message().at("/android/collapse_key").asText()).isEqualTo("chat-42");
        assertThat(got.message().at("/android/priority").asText()).isEqualTo("HIGH");
        assertThat(got.message().at("/android/ttl").asText()).isEqualTo("3600s");
        assertThat(got.message().at("/apns/headers/apns-collapse-id").asText()).isEqualTo("chat-42");
        assertThat(got.message().at("/webpush/headers/TTL").asText()).isEqualTo("3600");
    }

    @Test
    void theAccessTokenIsFetchedOnceAndReused() throws Exception {
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());

        assertThat(fcm.tokenRequests()).isEqualTo(1);
        assertThat(fcm.received()).hasSize(2).allSatisfy(r -> assertThat(r.problem()).isNull());
    }

    @Test
    void manySendersAtOnceShareOneTokenRequest() throws Exception {
        int senders = 20;
        assertThat(AtOnce.send(sender, PHONE, NEW_MESSAGE, senders)).allMatch(o -> o.equals(new Outcome.Delivered()));
        assertThat(fcm.tokenRequests()).isEqualTo(1);
        assertThat(fcm.received()).hasSize(senders);
    }

    @Test
    void aRevokedAccessTokenIsReplacedOnTheNextSend() throws Exception {
        sender.send(PHONE, NEW_MESSAGE);
        fcm.revokeAccessTokens();

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        assertThat(fcm.tokenRequests()).isEqualTo(2);
    }

    @Test
    void credentialsRefusedTwiceInARowFail() throws Exception {
        fcm.respondWith(401, null, null);
        fcm.respondWith(401, null, null);

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("credentials refused");
    }

    @Test
    void manySendsRefusedTogetherWithARevokedTokenAreAllRetried() throws Exception {
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        fcm.revokeAccessTokens();

        List<Outcome> outcomes = AtOnce.send(sender, PHONE, NEW_MESSAGE, 64);

        assertThat(outcomes).as("a revoked token is one problem, not 64 dead letters")
                .allSatisfy(o -> assertThat(o).isInstanceOfAny(Outcome.Retry.class, Outcome.Delivered.class))
                .anySatisfy(o -> assertThat(o).isInstanceOf(Outcome.Retry.class));
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        assertThat(fcm.tokenRequests()).as("one refusal drops the token once, however many sends saw it").isEqualTo(2);
    }

    @Test
    void aThirdPartyAuthErrorDoesNotCountAsARefusedAccessToken() throws Exception {
        fcm.respondWith(401, null, "THIRD_PARTY_AUTH_ERROR");
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("THIRD_PARTY_AUTH_ERROR");
        fcm.revokeAccessTokens();

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
    }

    @Test
    void aTokenThatWorkedAfterARefusalIsRetriedWhenItIsRevokedLater() throws Exception {
        fcm.respondWith(401, null, null);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        fcm.revokeAccessTokens();

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
        assertThat(fcm.tokenRequests()).isEqualTo(3);
    }

    @Test
    void refusedCredentialsKeepFailingWithoutEndlessRetries() throws Exception {
        for (int i = 0; i < 3; i++) fcm.respondWith(401, null, null);

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class);
        assertThat(sender.send(PHONE, NEW_MESSAGE)).as("each freshly fetched token refused too").isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("credentials refused");
        assertThat(fcm.tokenRequests()).isEqualTo(3);
    }

    @Test
    void unavailableIsRetriedWhenFcmSays() throws Exception {
        fcm.respondWith(503, "5", "UNAVAILABLE");

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class)
                .extracting(o -> ((Outcome.Retry) o).retryAfter()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void quotaExceededIsRetriedAtTheDateFcmGives() throws Exception {
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(60));
        fcm.respondWith(429, inAMinute, "QUOTA_EXCEEDED");

        Outcome outcome = sender.send(PHONE, NEW_MESSAGE);

        assertThat(outcome).isInstanceOf(Outcome.Retry.class);
        assertThat(((Outcome.Retry) outcome).retryAfter()).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(60));
    }

    @Test
    void internalErrorWithoutRetryAfterLeavesTheBackoffToTheCaller() throws Exception {
        fcm.respondWith(500, null, "INTERNAL");

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class)
                .extracting(o -> ((Outcome.Retry) o).retryAfter()).isNull();
    }

    @Test
    void anUnregisteredTokenIsGone() throws Exception {
        fcm.respondWith(404, null, "UNREGISTERED");

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Gone.class);
    }

    @Test
    void aMalformedRegistrationTokenIsGone() throws Exception {
        fcm.respondWith(400, null, "INVALID_ARGUMENT");

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Gone.class);
    }

    @Test
    void anotherBadRequestFails() throws Exception {
        fcm.respondWith(400, null, "INVALID_ARGUMENT", "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration)");

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("message.android.ttl");
    }

    @Test
    void aTokenOfAnotherProjectIsGone() throws Exception {
        fcm.respondWith(403, null, "SENDER_ID_MISMATCH");

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Gone.class);
    }

    @Test
    void aTokenEndpointOutageIsRetriedAndNothingIsSent() throws Exception {
        fcm.failTokenRequestWith(503);

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(fcm.received()).isEmpty();
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
    }

    @Test
    void refusedServiceAccountCredentialsFail() throws Exception {
        fcm.failTokenRequestWith(400);

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("invalid_grant");
        assertThat(fcm.received()).isEmpty();
    }

    @Test
    void aThrottledTokenEndpointIsRetried() throws Exception {
        fcm.failTokenRequestWith(429);

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(fcm.received()).isEmpty();
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isEqualTo(new Outcome.Delivered());
    }

    @Test
    void anyClientErrorFromTheTokenEndpointFails() throws Exception {
        fcm.failTokenRequestWith(401);
        fcm.failTokenRequestWith(403);

        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class)
                .extracting(o -> ((Outcome.Failed) o).reason()).asString().contains("service account credentials refused");
        assertThat(sender.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Failed.class);
        assertThat(fcm.received()).isEmpty();
    }

    @Test
    void anUnreachableFcmIsRetried() throws Exception {
        FcmSender toNowhere = senderTo(URI.create("https://127.0.0.1:" + freePort()));

        assertThat(toNowhere.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class)
                .extracting(o -> ((Outcome.Retry) o).retryAfter()).isNull();
    }

    @Test
    void anUnreachableTokenEndpointIsRetried() throws Exception {
        FcmSender.ServiceAccount real = FcmSender.ServiceAccount.read(fcm.serviceAccountFile());
        var lost = new FcmSender.ServiceAccount(real.projectId(), real.clientEmail(), real.privateKey(),
                URI.create("https://127.0.0.1:" + freePort() + "/token"));
        FcmSender withoutTokens = new FcmSender(http, lost, URI.create(fcm.apiBase()), Clock.systemUTC());

        assertThat(withoutTokens.send(PHONE, NEW_MESSAGE)).isInstanceOf(Outcome.Retry.class);
        assertThat(fcm.received()).isEmpty();
    }

    private FcmSender senderTo(URI apiBase) {
        return new FcmSender(http, FcmSender.ServiceAccount.read(fcm.serviceAccountFile()), apiBase, Clock.systemUTC());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
