package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.parley.client.ParleyClient;
import org.parley.client.ParleyException;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.Status;

/**
 * Messaging end to end over real sockets with the SDK: live delivery, ticks, offline
 * catch-up, several devices, the catch-up seam, chat list and history. Runs on each store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MessagingContract {
    private TestNode node;
    private final List<ParleyClient> clients = new ArrayList<>();

    abstract TestNode.Store store();

    private int blockedBefore;

    @BeforeAll
    void start() {
        node = TestNode.start(store());
        blockedBefore = TestNode.blockedEventLoops().size();
    }

    @AfterAll
    void stop() {
        clients.forEach(ParleyClient::close);
        node.close();
        List<String> blocked = TestNode.blockedEventLoops();
        assertThat(blocked.subList(blockedBefore, blocked.size())).as("no event loop was blocked (storage, hashing run elsewhere)").isEmpty();
    }

    private ParleyClient connect(TestNode.Device d, Recorder r) {
        ParleyClient c = node.connect(d, r);
        clients.add(c);
        return c;
    }

    private ParleyClient connected(TestNode.Device d, Recorder r) {
        ParleyClient c = connect(d, r);
        Recorder.await("caught up", () -> r.caughtUp.get() > 0);
        return c;
    }

    @Test
    void aMessageArrivesLiveAndTheTicksReachTheSender() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        Recorder anaHears = new Recorder();
        Recorder benHears = new Recorder();
        ParleyClient anaClient = connected(ana, anaHears);
        ParleyClient benClient = connected(ben, benHears);

        var ack = anaClient.send(chat, "hello Ben").get(10, TimeUnit.SECONDS);
        assertThat(ack.seq()).isEqualTo(1);
        Recorder.await("Ben receives", () -> benHears.in(chat).size() == 1);
        Message got = benHears.in(chat).get(0);
        assertThat(got.text()).isEqualTo("hello Ben");
        assertThat(got.senderId()).isEqualTo(ana.userId());
        assertThat(got.msgId()).isEqualTo(ack.msgId());

        Recorder.await("delivered tick", () -> anaHears.hasReceipt(chat, ben.userId(), "delivered", 1));
        Message mine = ana.rest().messages(chat, null, null, null).messages().get(0);
        assertThat(mine.status()).isEqualTo(Status.delivered);
        assertThat(mine.deliveredAt()).isNotNull().isGreaterThanOrEqualTo(mine.sentAt());
        assertThat(mine.readAt()).isNull();

        benClient.markRead(chat, 1);
        Recorder.await("read tick", () -> anaHears.hasReceipt(chat, ben.userId(), "read", 1));
        mine = ana.rest().messages(chat, null, null, null).messages().get(0);
        assertThat(mine.status()).isEqualTo(Status.read);
        assertThat(mine.readAt()).isGreaterThanOrEqualTo(mine.deliveredAt());
        assertThat(ben.rest().messages(chat, null, null, null).messages().get(0).status())
                .as("status is for the sender only").isNull();
    }

    @Test
    void aSocketsSendsAreStoredInTheOrderSentWhetherOrNotTheyWaitForTheStore() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        Recorder benHears = new Recorder();
        ParleyClient anaClient = connected(ana, new Recorder());
        connected(ben, benHears);
        String first = anaClient.send(chat, "first").get(10, TimeUnit.SECONDS).msgId();
        // A reply is checked against the store off the event loop; a plain text to a chat whose
        // members are known is queued at once. Sent back to back, neither may overtake the other.
        List<CompletableFuture<org.parley.protocol.Frames.Ack>> acks = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            acks.add(i % 2 == 1 ? anaClient.send(chat, "o" + i, "reply " + i, first) : anaClient.send(chat, "text " + i));
        }
        for (int i = 0; i < 40; i++) assertThat(acks.get(i).get(10, TimeUnit.SECONDS).seq()).as("frame %d", i + 1).isEqualTo(i + 2);
        Recorder.await("Ben receives all", () -> benHears.in(chat).size() == 41);
        assertThat(benHears.in(chat)).extracting(Message::text).containsExactlyElementsOf(java.util.stream.Stream.concat(
                java.util.stream.Stream.of("first"), java.util.stream.IntStream.rangeClosed(1, 40).mapToObj(i -> (i % 2 == 1 ? "reply " : "text ") + i)).toList());
    }

    @Test
    void anOfflineRecipientGetsEverythingOnReconnectInOrder() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        for (int i = 1; i <= 30; i++) ana.rest().send(chat, "c" + i, "while you were away " + i, null);

        Recorder benHears = new Recorder();
        connected(ben, benHears);
        assertThat(benHears.in(chat)).extracting(Message::seq).containsExactlyElementsOf(seqs(1, 30));
        assertThat(benHears.in(chat).get(29).text()).isEqualTo("while you were away 30");
        Recorder.await("Ana's messages are delivered", () ->
                ana.rest().messages(chat, null, null, null).messages().stream().allMatch(m -> m.status() == Status.delivered));
    }

    @Test
    void aReconnectingDeviceGetsOnlyWhatItMissed() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        Recorder first = new Recorder();
        ParleyClient benClient = connected(ben, first);
        for (int i = 1; i <= 5; i++) ana.rest().send(chat, "a" + i, "before " + i, null);
        Recorder.await("first five", () -> first.in(chat).size() == 5);
        var cursors = benClient.cursors().snapshot();
        long cursorsTakenAt = System.currentTimeMillis();
        benClient.close();
        clients.remove(benClient);

        for (int i = 6; i <= 9; i++) ana.rest().send(chat, "a" + i, "after " + i, null);
        Recorder second = new Recorder();
        ParleyClient again = ParleyClient.create(node.uri(), ben.token(), second, new org.parley.client.ChatCursors(cursors), true);
        clients.add(again);
        again.connect();
        Recorder.await("caught up again", () -> second.caughtUp.get() > 0);
        assertThat(second.in(chat)).extracting(Message::seq).containsExactly(6L, 7L, 8L, 9L);
        long reconnectedBy = System.currentTimeMillis();
        Recorder.await("the device list shows when it connected", () -> ben.rest().devices().devices().stream()
                .anyMatch(d -> d.current() && d.lastSeenAt() != null && d.lastSeenAt() > cursorsTakenAt && d.lastSeenAt() <= reconnectedBy));
    }

    @Test
    void everyDeviceOfTheRecipientAndTheSendersOtherDevicesGetTheMessage() throws Exception {
        var ana = node.signUp("Ana");
        var ben1 = node.signUp("Ben");
        var ben2 = node.signIn(ben1.phone(), null);
        var ben3 = node.signIn(ben1.phone(), null);
        assertThat(ben2.userId()).isEqualTo(ben1.userId()).isEqualTo(ben3.userId());
        String chat = ana.rest().openDirect(ben1.userId()).chatId();
        Recorder a = new Recorder(), b1 = new Recorder(), b2 = new Recorder(), b3 = new Recorder();
        connected(ana, a);
        ParleyClient ben1Client = connected(ben1, b1);
        connected(ben2, b2);
        connected(ben3, b3);

        ana.rest().send(chat, "x1", "to all your devices", null);
        for (Recorder r : List.of(b1, b2, b3)) Recorder.await("each Ben device", () -> r.in(chat).size() == 1);

        ben1Client.send(chat, "from my phone").get(10, TimeUnit.SECONDS);
        Recorder.await("Ana gets Ben's reply", () -> a.in(chat).size() == 2);
        Recorder.await("Ben's other devices see it", () -> b2.in(chat).size() == 2 && b3.in(chat).size() == 2);
        assertThat(b2.in(chat).get(1).status()).as("the sender's own devices see their status").isEqualTo(Status.sent);
        Thread.sleep(300);
        assertThat(b1.in(chat)).as("no echo to the sending device").hasSize(1);
        assertThat(ana.rest().devices().devices()).hasSize(1);
        assertThat(ben1.rest().devices().devices()).hasSize(3).filteredOn(d -> d.current()).hasSize(1);
    }

    @Test
    void catchUpAndLiveTrafficMeetWithoutLossOrDoubles() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        for (int i = 1; i <= 200; i++) ana.rest().send(chat, "pre" + i, "m" + i, null);
        // Ana keeps sending while Ben's raw socket connects and syncs from cursor 50.
        CompletableFuture<Void> burst = CompletableFuture.runAsync(() -> {
            for (int i = 201; i <= 400; i++) ana.rest().send(chat, "live" + i, "m" + i, null);
        });
        List<Long> seqs = new ArrayList<>();
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ben.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            ws.sendText("{\"type\":\"sync\",\"id\":\"s1\",\"cursors\":{\"" + chat + "\":50}}");
            burst.get(60, TimeUnit.SECONDS);
            long deadline = System.currentTimeMillis() + 20_000;
            while (seqs.size() < 350 && System.currentTimeMillis() < deadline) {
                var f = ws.next();
                if (f == null) break;
                String text = f.text();
                if (text.contains("\"type\":\"synced\"") && text.contains("\"more\":true")) {
                    long last = seqs.isEmpty() ? 50 : seqs.get(seqs.size() - 1);
                    ws.sendText("{\"type\":\"sync\",\"cursors\":{\"" + chat + "\":" + last + "}}");
                }
                if (text.startsWith("{\"type\":\"message\"")) {
                    seqs.add(org.parley.protocol.WireJson.mapper().readTree(text).get("seq").asLong());
                }
            }
        }
        assertThat(seqs).as("every message after the cursor exactly once, in order").containsExactlyElementsOf(seqs(51, 400));
    }

    @Test
    void chatListIsNewestFirstWithUnreadCounts() throws Exception {
        var me = node.signUp("Me");
        var p1 = node.signUp("Pia");
        var p2 = node.signUp("Quinn");
        String c1 = me.rest().openDirect(p1.userId()).chatId();
        String c2 = me.rest().openDirect(p2.userId()).chatId();
        assertThat(p1.rest().openDirect(me.userId()).chatId()).as("same pair, same chat").isEqualTo(c1);
        p2.rest().send(c2, "q1", "hi", null);
        p1.rest().send(c1, "p1", "one", null);
        p1.rest().send(c1, "p2", "two", null);

        var chats = me.rest().chats().chats();
        assertThat(chats).extracting(c -> c.chatId()).containsExactly(c1, c2);
        assertThat(chats.get(0).title()).isEqualTo("Pia");
        assertThat(chats.get(0).unread()).isEqualTo(2);
        assertThat(chats.get(0).lastMessage().text()).isEqualTo("two");
        assertThat(chats.get(1).unread()).isEqualTo(1);

        me.rest().markRead(c1, 2);
        assertThat(me.rest().chats().chats().get(0).unread()).isZero();
        me.rest().markRead(c1, 1);
        assertThat(me.rest().chats().chats().get(0).readSeq()).as("read never moves back").isEqualTo(2);
    }

    @Test
    void aRepeatedClientIdIsOneMessage() {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        var first = ana.rest().send(chat, "same-id", "hello", null);
        var again = ana.rest().send(chat, "same-id", "hello", null);
        assertThat(first.duplicate()).isFalse();
        assertThat(again.duplicate()).isTrue();
        assertThat(again.result()).isEqualTo(first.result());
        assertThat(ben.rest().messages(chat, null, null, null).messages()).hasSize(1);
    }

    @Test
    void historyPagesBackwardsAndForwards() {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        for (int i = 1; i <= 25; i++) ana.rest().send(chat, "h" + i, "h" + i, null);
        var newest = ben.rest().messages(chat, 10, null, null);
        assertThat(newest.messages()).extracting(Message::seq).containsExactlyElementsOf(seqs(16, 25));
        assertThat(newest.hasMore()).isTrue();
        var older = ben.rest().messages(chat, 10, 16L, null);
        assertThat(older.messages()).extracting(Message::seq).containsExactlyElementsOf(seqs(6, 15));
        var oldest = ben.rest().messages(chat, 10, 6L, null);
        assertThat(oldest.messages()).extracting(Message::seq).containsExactlyElementsOf(seqs(1, 5));
        assertThat(oldest.hasMore()).isFalse();
        var forward = ben.rest().messages(chat, 20, null, 20L);
        assertThat(forward.messages()).extracting(Message::seq).containsExactlyElementsOf(seqs(21, 25));
        assertThat(forward.hasMore()).isFalse();
        assertThatThrownBy(() -> ben.rest().messages(chat, 201, null, null))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo("INVALID_FIELD"));
    }

    @Test
    void aSignedOutDeviceIsCutOffAtOnce() throws Exception {
        var ana = node.signUp("Ana");
        var other = node.signIn(ana.phone(), null);
        Recorder r = new Recorder();
        connected(other, r);
        ana.rest().signOut(other.deviceId());
        Recorder.await("socket closed as signed out", () -> r.signedOut.get() > 0);
        assertThatThrownBy(() -> other.rest().me())
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo("UNAUTHENTICATED"));
        assertThat(ana.rest().devices().devices()).extracting(d -> d.deviceId()).containsExactly(ana.deviceId());
        assertThatThrownBy(() -> ana.rest().signOut(other.deviceId()))
                .isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo("DEVICE_NOT_FOUND"));
    }

    @Test
    void healthAndMetricsAnswer() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        var health = http.send(HttpRequest.newBuilder(node.uri().resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains(store() == TestNode.Store.SQLITE ? "sqlite" : "postgres");
        var metrics = http.send(HttpRequest.newBuilder(node.uri().resolve("/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("parley_ws_connections").contains("parley_store_commit_seconds").contains("parley_messages_in_total");
    }

    static List<Long> seqs(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i <= to; i++) out.add(i);
        return out;
    }
}
