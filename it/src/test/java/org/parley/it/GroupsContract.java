package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.parley.client.ParleyClient;
import org.parley.client.ParleyException;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.Status;

/** Groups of up to 100 over real sockets: fan-out, receipts, rights, visibility, the size limit. Runs on each store. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GroupsContract {
    private TestNode node;
    private final List<ParleyClient> clients = new ArrayList<>();

    abstract TestNode.Store store();

    @BeforeAll
    void start() {
        node = TestNode.start(store());
    }

    @AfterAll
    void stop() {
        clients.forEach(ParleyClient::close);
        node.close();
    }

    private ParleyClient connected(TestNode.Device d, Recorder r) {
        ParleyClient c = node.connect(d, r);
        clients.add(c);
        Recorder.await("caught up", () -> r.caughtUp.get() > 0);
        return c;
    }

    private static void expect(String code, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ParleyException.class, e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void aHundredMemberGroupGetsEveryMessageAndReceiptsAddUp() throws Exception {
        var owner = node.signUp("Owner");
        List<TestNode.Device> members = new ArrayList<>();
        for (int i = 0; i < 99; i++) members.add(node.signUp("Member " + i));
        var created = owner.rest().createGroup("Hundred", members.stream().map(TestNode.Device::userId).toList());
        String chat = created.chatId();
        assertThat(created.unread()).as("the creator has read their own \"created\" message").isZero();
        assertThat(created.role()).isEqualTo("owner");
        assertThat(owner.rest().chat(chat).memberCount()).isEqualTo(100);
        assertThat(members.get(0).rest().chat(chat).unread()).isEqualTo(1);

        List<Recorder> online = new ArrayList<>();
        List<ParleyClient> onlineClients = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Recorder r = new Recorder();
            online.add(r);
            onlineClients.add(connected(members.get(i), r));
        }
        var sent = owner.rest().send(chat, "hello-all", "hello, all hundred of you", null);
        for (Recorder r : online) Recorder.await("every online member hears it", () -> r.in(chat).stream().anyMatch(m -> m.text().equals("hello, all hundred of you")));
        Message mine = last(owner.rest().messages(chat, 5, null, null).messages());
        assertThat(mine.status()).as("39 members are offline").isEqualTo(Status.sent);

        // The offline members come online and catch up.
        for (int i = 60; i < 99; i++) {
            Recorder r = new Recorder();
            connected(members.get(i), r);
            assertThat(r.in(chat)).extracting(Message::text).contains("hello, all hundred of you");
        }
        Recorder.await("delivered to all 99", () -> last(owner.rest().messages(chat, 5, null, null).messages()).status() == Status.delivered);
        var receipts = owner.rest().receipts(chat, sent.result().msgId()).receipts();
        assertThat(receipts).hasSize(99).allSatisfy(x -> {
            assertThat(x.deliveredAt()).isNotNull();
            assertThat(x.readAt()).isNull();
        });

        for (int i = 0; i < 98; i++) members.get(i).rest().markRead(chat, sent.result().seq());
        assertThat(last(owner.rest().messages(chat, 5, null, null).messages()).status()).as("one has not read it").isEqualTo(Status.delivered);
        members.get(98).rest().markRead(chat, sent.result().seq());
        Message read = last(owner.rest().messages(chat, 5, null, null).messages());
        assertThat(read.status()).isEqualTo(Status.read);
        long lastReadAt = owner.rest().receipts(chat, sent.result().msgId()).receipts().stream().mapToLong(x -> x.readAt()).max().orElseThrow();
        assertThat(read.readAt()).as("read when the last one read it").isEqualTo(lastReadAt);
        expect("NOT_SENDER", () -> members.get(0).rest().receipts(chat, sent.result().msgId()));

        var extra = node.signUp("One too many");
        expect("GROUP_FULL", () -> owner.rest().addMembers(chat, List.of(extra.userId())));
        assertThat(owner.rest().members(chat).members()).hasSize(100);
        onlineClients.forEach(ParleyClient::close);
    }

    private static Message last(List<Message> page) {
        return page.get(page.size() - 1);
    }

    @Test
    void rightsFollowRolesOverRestAndWebSocket() throws Exception {
        var owner = node.signUp("Olga");
        var admin = node.signUp("Adam");
        var member = node.signUp("Mia");
        var other = node.signUp("Mo");
        var outsider = node.signUp("Xena");
        var newcomer = node.signUp("Nia");
        String chat = owner.rest().createGroup("Rights", List.of(admin.userId(), member.userId(), other.userId())).chatId();
        owner.rest().setRole(chat, admin.userId(), "admin");
        assertThat(admin.rest().chat(chat).role()).isEqualTo("admin");

        // Outsiders see nothing, whatever they try.
        for (Runnable call : List.<Runnable>of(
                () -> outsider.rest().chat(chat),
                () -> outsider.rest().members(chat),
                () -> outsider.rest().messages(chat, null, null, null),
                () -> outsider.rest().send(chat, "x", "let me in", null),
                () -> outsider.rest().markRead(chat, 1),
                () -> outsider.rest().addMembers(chat, List.of(outsider.userId())),
                () -> outsider.rest().updateGroup(chat, "mine", null, null, null),
                () -> outsider.rest().createInvite(chat, null),
                () -> outsider.rest().leave(chat))) {
            expect("CHAT_NOT_FOUND", call);
        }

        // Plain members may not manage the group.
        expect("NOT_ADMIN", () -> member.rest().addMembers(chat, List.of(newcomer.userId())));
        expect("NOT_ADMIN", () -> member.rest().removeMember(chat, other.userId()));
        expect("NOT_ADMIN", () -> member.rest().setRole(chat, other.userId(), "admin"));
        expect("NOT_ADMIN", () -> member.rest().createInvite(chat, null));
        expect("NOT_ADMIN", () -> member.rest().revokeInvite(chat));
        expect("NOT_ADMIN", () -> member.rest().updateGroup(chat, null, null, true, null));
        assertThat(member.rest().updateGroup(chat, "Renamed by Mia", null, null, null).title()).as("info is open by default").isEqualTo("Renamed by Mia");

        // Admins may, but not against the owner.
        admin.rest().addMembers(chat, List.of(newcomer.userId()));
        admin.rest().setRole(chat, other.userId(), "admin");
        admin.rest().setRole(chat, other.userId(), "member");
        expect("NOT_ADMIN", () -> admin.rest().removeMember(chat, owner.userId()));
        expect("NOT_ADMIN", () -> admin.rest().setRole(chat, owner.userId(), "member"));
        admin.rest().updateGroup(chat, null, null, true, true);
        expect("NOT_ADMIN", () -> member.rest().updateGroup(chat, "again", null, null, null));

        // Only admins can send now: over REST and over the socket.
        expect("NOT_ADMIN", () -> member.rest().send(chat, "m1", "can I speak?", null));
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", member.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            ws.sendText("{\"type\":\"send\",\"id\":\"q\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"q\",\"text\":\"and now?\"}");
            assertThat(ws.nextTextContaining("\"type\":\"error\"")).contains("NOT_ADMIN");
        }
        try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", outsider.token())) {
            ws.nextTextContaining("\"type\":\"ready\"");
            ws.sendText("{\"type\":\"send\",\"id\":\"q\",\"chatId\":\"" + chat + "\",\"clientMsgId\":\"q\",\"text\":\"hi\"}");
            assertThat(ws.nextTextContaining("\"type\":\"error\"")).contains("CHAT_NOT_FOUND");
        }
        assertThat(admin.rest().send(chat, "a1", "admins only for a while", null).result().seq()).isPositive();

        // Invites: wrong, revoked and valid codes.
        var invite = admin.rest().createInvite(chat, 3600L);
        assertThat(invite.inviteCode()).hasSizeGreaterThanOrEqualTo(32);
        assertThat(invite.expiresAt()).isNotNull();
        expect("INVITE_NOT_FOUND", () -> outsider.rest().join(chat, "x".repeat(32)));
        expect("INVITE_NOT_FOUND", () -> outsider.rest().join("AAAAAAAAAAAAAAAAAAAAAA", invite.inviteCode()));
        admin.rest().revokeInvite(chat);
        expect("INVITE_NOT_FOUND", () -> outsider.rest().join(chat, invite.inviteCode()));
        var fresh = owner.rest().createInvite(chat, null);
        assertThat(outsider.rest().join(chat, fresh.inviteCode()).role()).isEqualTo("member");
        assertThat(outsider.rest().join(chat, fresh.inviteCode()).memberCount()).as("joining twice changes nothing").isEqualTo(6);

        // Group calls on a direct chat are refused.
        String direct = owner.rest().openDirect(member.userId()).chatId();
        expect("INVALID_FIELD", () -> owner.rest().addMembers(direct, List.of(other.userId())));
        expect("USER_NOT_FOUND", () -> owner.rest().addMembers(chat, List.of("AAAAAAAAAAAAAAAAAAAAAA")));
    }

    @Test
    void membersSeeHistoryFromJoiningAndStopAtLeaving() throws Exception {
        var owner = node.signUp("Ana");
        var early = node.signUp("Ben");
        var late = node.signUp("Cleo");
        var gone = node.signUp("Dan");
        String chat = owner.rest().createGroup("History", List.of(early.userId(), gone.userId())).chatId();
        for (int i = 1; i <= 5; i++) owner.rest().send(chat, "before" + i, "before Cleo " + i, null);

        Recorder goneHears = new Recorder();
        connected(gone, goneHears);
        owner.rest().addMembers(chat, List.of(late.userId()));
        owner.rest().send(chat, "after1", "welcome Cleo", null);

        var lateView = late.rest().messages(chat, 50, null, null).messages();
        assertThat(lateView).extracting(Message::text).containsExactly("Ana added Cleo", "welcome Cleo");
        assertThat(lateView.get(0).kind()).isEqualTo("system");
        assertThat(lateView.get(0).system().event()).isEqualTo("added");
        assertThat(lateView.get(0).system().userIds()).containsExactly(late.userId());
        assertThat(late.rest().chat(chat).unread()).as("unread counts only what Cleo can see").isEqualTo(2);
        Recorder lateHears = new Recorder();
        connected(late, lateHears);
        assertThat(lateHears.in(chat)).extracting(Message::text).containsExactly("Ana added Cleo", "welcome Cleo");
        var everything = early.rest().messages(chat, 50, null, null).messages();
        assertThat(everything).extracting(Message::text).startsWith("Ana created the group \"History\"").contains("before Cleo 1");

        // Removed: a membership frame at once, nothing after, 404 for every call.
        Recorder.await("Dan has the welcome", () -> goneHears.in(chat).stream().anyMatch(m -> m.text().equals("welcome Cleo")));
        CountDownLatch removed = new CountDownLatch(1);
        ParleyClient watcher = ParleyClient.create(node.uri(), gone.token(), new Recorder() {
            @Override
            public void onMembership(org.parley.protocol.Frames.Membership change) {
                if (change.change().equals("removed") && change.chatId().equals(chat)) removed.countDown();
            }
        });
        clients.add(watcher);
        watcher.connect();
        Thread.sleep(300);
        owner.rest().removeMember(chat, gone.userId());
        assertThat(removed.await(10, TimeUnit.SECONDS)).as("membership frame").isTrue();
        owner.rest().send(chat, "after-removal", "Dan cannot see this", null);
        Recorder.await("Cleo sees it", () -> lateHears.in(chat).stream().anyMatch(m -> m.text().equals("Dan cannot see this")));
        Thread.sleep(300);
        assertThat(goneHears.in(chat)).extracting(Message::text).doesNotContain("Dan cannot see this").contains("welcome Cleo");
        expect("CHAT_NOT_FOUND", () -> gone.rest().messages(chat, null, null, null));
        expect("CHAT_NOT_FOUND", () -> gone.rest().send(chat, "d", "hello?", null));
        assertThat(gone.rest().chats().chats()).extracting(c -> c.chatId()).doesNotContain(chat);

        // Added back: Dan's device picks up from where his new membership starts, without looping.
        int disconnectsBefore = goneHears.disconnects.get();
        owner.rest().addMembers(chat, List.of(gone.userId()));
        owner.rest().send(chat, "welcome-back", "welcome back Dan", null);
        Recorder.await("Dan hears the welcome back", () -> goneHears.in(chat).stream().anyMatch(m -> m.text().equals("welcome back Dan")));
        assertThat(goneHears.in(chat)).extracting(Message::text).doesNotContain("Dan cannot see this");
        var added = goneHears.memberships.stream().filter(f -> f.change().equals("added") && f.chatId().equals(chat)).findFirst().orElseThrow();
        var addedMessage = goneHears.in(chat).stream().filter(m -> "added".equals(m.system() == null ? null : m.system().event())
                && m.system().userIds().contains(gone.userId())).reduce((a, b) -> b).orElseThrow();
        assertThat(added.joinedSeq()).as("history restarts right before the \"added\" message").isEqualTo(addedMessage.seq() - 1);
        Thread.sleep(500);
        assertThat(goneHears.disconnects.get() - disconnectsBefore).as("no resync needed").isZero();
        owner.rest().removeMember(chat, gone.userId());

        // The owner leaves: the longest-standing admin (else member) becomes owner.
        owner.rest().setRole(chat, late.userId(), "admin");
        owner.rest().leave(chat);
        assertThat(late.rest().chat(chat).role()).as("the only admin inherits").isEqualTo("owner");
        assertThat(early.rest().members(chat).members()).extracting(m -> m.userId()).containsExactlyInAnyOrder(early.userId(), late.userId());
        var tail = early.rest().messages(chat, 3, null, null).messages();
        assertThat(tail).extracting(Message::text).contains("Ana left", "Cleo is now the owner");

        // The last one out closes the group.
        early.rest().leave(chat);
        late.rest().leave(chat);
        expect("CHAT_NOT_FOUND", () -> late.rest().chat(chat));
    }

    @Test
    void groupReceiptsReachTheSendersNotEveryone() throws Exception {
        var ana = node.signUp("Ana");
        var ben = node.signUp("Ben");
        var cleo = node.signUp("Cleo");
        String chat = ana.rest().createGroup("Ticks", List.of(ben.userId(), cleo.userId())).chatId();
        Recorder anaHears = new Recorder(), cleoHears = new Recorder();
        connected(ana, anaHears);
        connected(cleo, cleoHears);
        long seq = ana.rest().send(chat, "t1", "did you get this?", null).result().seq();
        ben.rest().markRead(chat, seq);
        Recorder.await("Ana sees Ben's read tick", () -> anaHears.hasReceipt(chat, ben.userId(), "read", seq));
        Thread.sleep(300);
        assertThat(cleoHears.receipts).as("Cleo sent nothing Ben read").noneMatch(r -> r.userId().equals(ben.userId()));
    }

    @Test
    void concurrentAddsCannotPassTheLimit() throws Exception {
        try (TestNode small = TestNode.start(store(), Map.of("groups.maxMembers", "10"))) {
            for (int round = 0; round < 5; round++) {
                var owner = small.signUp("Owner");
                var admin = small.signUp("Admin");
                List<String> base = new ArrayList<>(List.of(admin.userId()));
                for (int i = 0; i < 4; i++) base.add(small.signUp(null).userId());
                String chat = owner.rest().createGroup("Race " + round, base).chatId();
                owner.rest().setRole(chat, admin.userId(), "admin");
                List<String> a = new ArrayList<>(), b = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    a.add(small.signUp(null).userId());
                    b.add(small.signUp(null).userId());
                }
                // 6 members + 3 + 3 = 12 > 10: exactly one of the two adds may pass.
                CountDownLatch go = new CountDownLatch(1);
                Function<Runnable, CompletableFuture<String>> racer = call -> CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        call.run();
                        return "ok";
                    } catch (ParleyException e) {
                        return e.code();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                var first = racer.apply(() -> owner.rest().addMembers(chat, a));
                var second = racer.apply(() -> admin.rest().addMembers(chat, b));
                go.countDown();
                List<String> outcomes = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
                assertThat(outcomes).containsExactlyInAnyOrder("ok", "GROUP_FULL");
                assertThat(owner.rest().members(chat).members()).hasSize(9);
            }
        }
    }
}
