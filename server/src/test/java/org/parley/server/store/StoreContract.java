package org.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.SystemEvent;
import org.parley.server.account.DeviceStore.DeviceRecord;
import org.parley.server.account.SqlAccountStore;
import org.parley.server.account.SqlDeviceStore;
import org.parley.server.auth.CodeStore;
import org.parley.server.auth.SqlCodeStore;
import org.parley.server.chat.SqlChatStore;
import org.parley.server.message.MessageIds;
import org.parley.server.message.MessageStore.Appended;
import org.parley.server.message.MessageStore.Head;
import org.parley.server.message.MessageStore.NewMessage;
import org.parley.server.message.SqlMessageStore;
import org.parley.server.receipt.CursorStore.Kind;
import org.parley.server.receipt.CursorStore.Mark;
import org.parley.server.receipt.CursorStore.Move;
import org.parley.server.receipt.SqlCursorStore;

/**
 * The Store SPI's contract (accounts, devices, codes, chats, messages, cursors), run on every
 * database: SQLite in {@code SqliteStoreTest}, PostgreSQL in {@code PostgresStoreIT}.
 */
abstract class StoreContract {
    /** Receipt marks as migration 9's schema held them (for the tests of migration 10). */
    static void writeMarksTheOldWay(java.sql.Connection c) throws java.sql.SQLException {
        c.setAutoCommit(false);
        Sql.update(c, "INSERT INTO cursor_marks (chat_id, user_id, kind, up_to_seq, at) VALUES"
                + " ('c1', 'bob', 'delivered', 3, 1000), ('c1', 'bob', 'read', 2, 1500), ('c1', 'ann', 'delivered', 5, 1200),"
                + " ('c1', 'bob', 'delivered', 9, 2000), ('c2', 'ann', 'read', 4, 900)");
        c.commit();
    }

    /** After migration 10 the marks read back as they were written, by range and beyond it. */
    static void assertMarksOfTheOldWay(Database db) {
        var cursors = new SqlCursorStore(db);
        assertThat(cursors.marks("c1", 1, 5)).containsExactly(
                new Mark("c1", "bob", Kind.read, 2, 1500), new Mark("c1", "bob", Kind.delivered, 3, 1000),
                new Mark("c1", "ann", Kind.delivered, 5, 1200), new Mark("c1", "bob", Kind.delivered, 9, 2000));
        assertThat(cursors.marks("c2", 1, 9)).containsExactly(new Mark("c2", "ann", Kind.read, 4, 900));
    }

    /** A message as migration 10's schema held it: its id made from the clock (for the tests of migration 11). */
    static void writeAMessageTheOldWay(java.sql.Connection c) throws java.sql.SQLException {
        c.setAutoCommit(false);
        Sql.update(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES ('c1', 1, 1000)");
        Sql.update(c, "INSERT INTO messages (chat_id, seq, msg_id, sender_id, client_msg_id, body, sent_at, kind)"
                + " VALUES ('c1', 1, 'AZyuC1RA54EHxI3lyUaL1Q', 'ann', 'old-1', 'sent before the upgrade', 1000, 'text')");
        c.commit();
    }

    /**
     * After migration 11 that message keeps its id, and sending it again (its client retried
     * after the upgrade) is still a repeat; new messages get ids of the send.
     */
    static void assertTheMessageOfTheOldWay(Database db) {
        var messages = new SqlMessageStore(db, 1_000);
        assertThat(messages.byId("c1", "AZyuC1RA54EHxI3lyUaL1Q")).map(Message::text).contains("sent before the upgrade");
        List<Appended> out = messages.append(List.of(new NewMessage("c1", "ann", "old-1", "text", "retried", null, null, 2000, null),
                new NewMessage("c1", "bob", "old-1", "text", "another sender, the same client id", null, null, 2000, null),
                new NewMessage("c1", "ann", "new-1", "text", "after the upgrade", null, null, 2000, null)));
        assertThat(out.get(0).duplicate()).isTrue();
        assertThat(out.get(0).message().msgId()).isEqualTo("AZyuC1RA54EHxI3lyUaL1Q");
        assertThat(out.get(0).message().text()).isEqualTo("sent before the upgrade");
        assertThat(out.subList(1, 3)).noneMatch(Appended::duplicate).extracting(a -> a.message().seq()).containsExactly(2L, 3L);
        assertThat(out.get(2).message().msgId()).isEqualTo(MessageIds.of("c1", "ann", "new-1"));
        assertThat(messages.after("c1", 0, 10)).extracting(Message::text)
                .containsExactly("sent before the upgrade", "another sender, the same client id", "after the upgrade");
        // the partial index is unique: a second message with a clock id cannot repeat that send
        assertThatThrownBy(() -> db.write(c -> Sql.update(c, "INSERT INTO messages (chat_id, seq, msg_id, sender_id, client_msg_id, body,"
                + " sent_at, kind) VALUES ('c1', 9, 'AZyuC1RA54EHxI3lyUaL2Q', 'ann', 'old-1', 'again', 3000, 'text')")))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(db.isUniqueViolation((java.sql.SQLException) e.getCause())).isTrue());
    }

    private static final AtomicLong IDS = new AtomicLong();
    private Database db;
    private SqlAccountStore accounts;
    private SqlDeviceStore devices;
    private SqlCodeStore codes;
    private SqlChatStore chats;
    private SqlMessageStore messages;
    private SqlCursorStore cursors;

    protected abstract Database open() throws Exception;

    protected void cleanUp() throws Exception {}

    @BeforeEach
    void setUp() throws Exception {
        db = open();
        accounts = new SqlAccountStore(db);
        devices = new SqlDeviceStore(db);
        codes = new SqlCodeStore(db);
        chats = new SqlChatStore(db);
        messages = new SqlMessageStore(db, 1_000);
        cursors = new SqlCursorStore(db);
    }

    @AfterEach
    void tearDown() throws Exception {
        db.close();
        cleanUp();
    }

    private static String id(String prefix) {
        return prefix + IDS.incrementAndGet();
    }

    private String user(String phone) {
        return accounts.createOrGet(phone, id("u"), 1000).userId();
    }

    private NewMessage msg(String chat, String sender, String clientId, String text) {
        return new NewMessage(chat, sender, clientId, "text", text, null, null, 5000, null);
    }

    @Test
    void aFailedWriteIsAStoreErrorWithItsCauseAndChangesNothing() {
        String u = user("+14155550199");
        assertThatThrownBy(() -> db.write(c -> {
            Sql.update(c, "UPDATE users SET display_name = ? WHERE user_id = ?", "Half done", u);
            return Sql.update(c, "INSERT INTO users (user_id) VALUES (NULL)"); // breaks a NOT NULL rule
        })).isInstanceOfSatisfying(StoreException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE);
            assertThat(e.getCause()).isInstanceOf(java.sql.SQLException.class);
        });
        assertThat(accounts.byId(u).orElseThrow().displayName()).isNotEqualTo("Half done");
    }

    @Test
    void aPhoneNumberIsOneUser() {
        var first = accounts.createOrGet("+14155550100", "u-a", 1);
        var again = accounts.createOrGet("+14155550100", "u-b", 2);
        assertThat(again.userId()).isEqualTo(first.userId()).isEqualTo("u-a");
        assertThat(accounts.byPhone("+14155550100")).contains(first);
        assertThat(accounts.byId("u-b")).isEmpty();
    }

    @Test
    void profileUpdatesOnlyGivenFields() {
        String u = user("+14155550101");
        accounts.updateProfile(u, "Ana", null);
        var updated = accounts.updateProfile(u, null, "hi there").orElseThrow();
        assertThat(updated.displayName()).isEqualTo("Ana");
        assertThat(updated.about()).isEqualTo("hi there");
        assertThat(accounts.updateProfile("nobody", "x", null)).isEmpty();
    }

    @Test
    void devicesAreFoundByTokenHashUntilRevoked() {
        String u = user("+14155550102");
        devices.create(new DeviceRecord("d1", u, "phone", 10, 10L, null), "hash-1");
        devices.create(new DeviceRecord("d2", u, "laptop", 20, 20L, null), "hash-2");
        assertThat(devices.byTokenHash("hash-1")).map(DeviceRecord::deviceId).contains("d1");
        assertThat(devices.rename(u, "d2", "work laptop")).isTrue();
        assertThat(devices.rename("someone-else", "d2", "x")).isFalse();
        assertThat(devices.revoke(u, "d1", 30)).isTrue();
        assertThat(devices.revoke(u, "d1", 31)).isFalse();
        assertThat(devices.byTokenHash("hash-1")).isEmpty();
        assertThat(devices.ofUser(u)).extracting(DeviceRecord::name).containsExactly("work laptop");
    }

    @Test
    void lastSeenOfManyDevicesIsRecordedInOneCallAndNeverGoesBack() {
        String u = user("+14155550104");
        devices.create(new DeviceRecord("t1", u, "phone", 10, 10L, null), "hash-t1");
        devices.create(new DeviceRecord("t2", u, "laptop", 20, null, null), "hash-t2");
        devices.touch(java.util.Map.of("t1", 500L, "t2", 600L, "unknown-device", 700L));
        devices.touch(java.util.Map.of("t1", 400L)); // an older record arriving late
        assertThat(devices.ofUser(u)).extracting(DeviceRecord::deviceId, DeviceRecord::lastSeenAt)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("t1", 500L), org.assertj.core.groups.Tuple.tuple("t2", 600L));
    }

    @Test
    void lastSeenOfManyUsersIsRecordedInOneCallAndNeverGoesBack() {
        String a = user("+14155550150");
        String b = user("+14155550151");
        String never = user("+14155550152");
        accounts.setLastSeen(java.util.Map.of(a, 500L, b, 600L, "unknown-user", 700L));
        accounts.setLastSeen(java.util.Map.of(a, 400L)); // an older record arriving late
        accounts.setLastSeen(java.util.Map.of());
        assertThat(accounts.lastSeen(a)).isEqualTo(500L);
        assertThat(accounts.lastSeen(b)).isEqualTo(600L);
        assertThat(accounts.lastSeen(never)).isNull();
    }

    @Test
    void codeTriesAreCountedAtomicallyAndACodeIsUsedOnce() {
        codes.put("+14155550103", "h1", 100);
        assertThat(codes.takeAttempt("+14155550103", 2, 50)).map(CodeStore.PendingCode::attempts).contains(1);
        assertThat(codes.takeAttempt("+14155550103", 2, 50)).map(CodeStore.PendingCode::attempts).contains(2);
        assertThat(codes.takeAttempt("+14155550103", 2, 50)).as("no third try").isEmpty();
        codes.put("+14155550103", "h2", 200);
        assertThat(codes.takeAttempt("+14155550103", 2, 250)).as("expired").isEmpty();
        var pending = codes.takeAttempt("+14155550103", 2, 150).orElseThrow();
        assertThat(pending.codeHash()).isEqualTo("h2");
        assertThat(pending.attempts()).as("a new code starts a new count").isEqualTo(1);
        assertThat(codes.consume("+14155550103", "h1")).isFalse();
        assertThat(codes.consume("+14155550103", "h2")).isTrue();
        assertThat(codes.consume("+14155550103", "h2")).as("only once").isFalse();
        assertThat(codes.get("+14155550103")).isEmpty();
    }

    @Test
    void theSamePairAlwaysGetsTheSameDirectChat() {
        String a = user("+14155550104");
        String b = user("+14155550105");
        var first = chats.openDirect("c1", a, b, 1);
        var fromOtherSide = chats.openDirect("c2", b, a, 2);
        assertThat(first.created()).isTrue();
        assertThat(fromOtherSide.created()).isFalse();
        assertThat(fromOtherSide.chat().chatId()).isEqualTo("c1");
        assertThat(chats.members("c1")).extracting(m -> m.userId()).containsExactlyInAnyOrder(a, b);
        assertThat(chats.chatsOf(a)).extracting(c -> c.chatId()).containsExactly("c1");
        assertThat(chats.get("c2")).isEmpty();
    }

    @Test
    void groupsKeepRolesSettingsInvitesAndTheirLimit() {
        String owner = user("+14155550110");
        String m1 = user("+14155550111");
        String m2 = user("+14155550112");
        String m3 = user("+14155550113");
        var group = chats.createGroup("g1", "Hikers", "weekend trips", owner, List.of(m1), 10);
        assertThat(group.isGroup()).isTrue();
        assertThat(chats.members("g1")).extracting(m -> m.userId() + ":" + m.role()).containsExactly(owner + ":owner", m1 + ":member");
        messages.append(List.of(msg("g1", owner, "x1", "one"), msg("g1", owner, "x2", "two")));
        var added = chats.addMembers("g1", List.of(m1, m2), 20, 3);
        assertThat(added).extracting(m -> m.userId()).as("existing members are skipped").containsExactly(m2);
        assertThat(added.get(0).joinedSeq()).as("sees history after seq 2").isEqualTo(2);
        assertThatThrownBy(() -> chats.addMembers("g1", List.of(m3), 30, 3))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.GROUP_FULL));
        assertThat(chats.members("g1")).hasSize(3);
        assertThat(chats.setRole("g1", m1, "admin")).isTrue();
        assertThat(chats.members("g1")).filteredOn(m -> m.userId().equals(m1)).first().matches(m -> m.isAdmin());
        chats.updateGroup("g1", null, "longer trips", true, null);
        var updated = chats.get("g1").orElseThrow();
        assertThat(updated.title()).isEqualTo("Hikers");
        assertThat(updated.description()).isEqualTo("longer trips");
        assertThat(updated.onlyAdminsSend()).isTrue();
        assertThat(updated.onlyAdminsEdit()).isFalse();
        chats.setInvite("g1", "code-123456789012345", 999L);
        assertThat(chats.get("g1").orElseThrow().inviteCode()).isEqualTo("code-123456789012345");
        chats.setInvite("g1", null, null);
        assertThat(chats.get("g1").orElseThrow().inviteCode()).isNull();
        assertThat(chats.removeMember("g1", m2, 40)).as("two left").isEqualTo(2);
        assertThat(chats.removeMember("g1", m2, 41)).as("not a member").isEqualTo(-1);
        assertThat(chats.removeMember("g1", m1, 45)).isEqualTo(1);
        assertThat(chats.get("g1").orElseThrow().closedAt()).isNull();
        assertThat(chats.removeMember("g1", owner, 50)).as("the last one out").isZero();
        assertThat(chats.chatsOf(owner)).as("closed groups leave the list").isEmpty();
        assertThat(chats.get("g1").orElseThrow().closedAt()).isEqualTo(50);
        assertThatThrownBy(() -> chats.addMembers("g1", List.of(m3), 60, 10))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHAT_NOT_FOUND));
    }

    @Test
    void systemMessagesKeepWhatHappened() {
        var event = new SystemEvent("added", "u1", List.of("u2", "u3"), null, null, null, null);
        messages.append(List.of(new NewMessage("chat-sys", "u1", "sys-1", "system", "u1 added u2 and u3", event, null, 7, null)));
        Message stored = messages.after("chat-sys", 0, 10).get(0);
        assertThat(stored.kind()).isEqualTo("system");
        assertThat(stored.system()).isEqualTo(event);
        assertThat(messages.lastMessages(List.of("chat-sys")).get("chat-sys").system()).isEqualTo(event);
    }

    @Test
    void appendNumbersEachChatGapFree() {
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) batch.add(msg("chat-x", "u1", "x" + i, "x" + i));
        for (int i = 0; i < 3; i++) batch.add(msg("chat-y", "u1", "y" + i, "y" + i));
        List<Appended> out = messages.append(batch);
        assertThat(out).extracting(a -> a.message().seq()).containsExactly(1L, 2L, 3L, 4L, 5L, 1L, 2L, 3L);
        assertThat(messages.append(List.of(msg("chat-x", "u2", "z", "z")))).extracting(a -> a.message().seq()).containsExactly(6L);
        assertThat(messages.after("chat-x", 0, 100)).extracting(Message::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void aRepeatedClientIdReturnsTheFirstMessage() {
        Appended first = messages.append(List.of(msg("chat-d", "u1", "same", "first text"))).get(0);
        List<Appended> again = messages.append(List.of(msg("chat-d", "u1", "same", "other text"), msg("chat-d", "u1", "next", "n"),
                msg("chat-d", "u1", "next", "n again")));
        assertThat(first.duplicate()).isFalse();
        assertThat(again.get(0).duplicate()).isTrue();
        assertThat(again.get(0).message()).isEqualTo(first.message());
        assertThat(again.get(1).duplicate()).isFalse();
        assertThat(again.get(2).duplicate()).isTrue();
        assertThat(again.get(2).message().seq()).isEqualTo(again.get(1).message().seq()).isEqualTo(2);
        assertThat(first.message().msgId()).as("an id of the send: any node finds the repeat by it").isEqualTo(MessageIds.of("chat-d", "u1", "same"));
        assertThat(messages.after("chat-d", 0, 100)).extracting(Message::text).containsExactly("first text", "n");
    }

    @Test
    void theSameClientIdFromTwoSendersIsTwoMessages() {
        var out = messages.append(List.of(msg("chat-s", "u1", "c", "from 1"), msg("chat-s", "u2", "c", "from 2")));
        assertThat(out).noneMatch(Appended::duplicate);
        assertThat(messages.after("chat-s", 0, 10)).hasSize(2);
    }

    @Test
    void everyFieldOfAMessageReadsBackAsWrittenWhateverItsScript() {
        String text = "Grüße, 你好, مرحبا, \uD83D\uDC4B\uD83C\uDFFD and a tab\t\"quote\" \\ back";
        var photo = new org.parley.protocol.Model.Media("md-" + IDS.incrementAndGet(), "image", "image/jpeg", 123_456, "ab".repeat(32),
                "Fête d'été.jpg", 1600, 1200, null, new org.parley.protocol.Model.Thumbnail(320, 240, 9_000, "cd".repeat(32)), "a preview", 4000);
        Message first = messages.append(List.of(msg("chat-f", "u1", "f1", "first"))).get(0).message();
        Message sent = messages.append(List.of(new NewMessage("chat-f", "u2", "f2 ✓", "image", text, null, first.msgId(), 6000, photo)))
                .get(0).message();
        Message uncaptioned = messages.append(List.of(new NewMessage("chat-f", "u2", "f3", "image", null, null, null, 7000, photo)))
                .get(0).message();
        assertThat(messages.byId("chat-f", sent.msgId())).map(Message::text).contains(text);
        assertThat(messages.byId("chat-f", uncaptioned.msgId()).orElseThrow().text()).as("a media message without a caption").isNull();
        assertThat(messages.after("chat-f", 1, 10)).containsExactly(sent, uncaptioned);
        assertThat(messages.before("chat-f", 3, 0, 10)).containsExactly(first, sent);
        assertThat(messages.byId("chat-f", sent.msgId())).contains(sent);
        assertThat(messages.lastMessages(List.of("chat-f"))).containsEntry("chat-f", uncaptioned);
        Appended again = messages.append(List.of(new NewMessage("chat-f", "u2", "f2 ✓", "image", "other", null, null, 8000, photo))).get(0);
        assertThat(again.duplicate()).isTrue();
        assertThat(again.message()).isEqualTo(sent);
    }

    @Test
    void headsAreAMembersOpenChatsWithMessagesAndWhereTheMemberJoined() {
        String ana = user("+14155550140");
        String ben = user("+14155550141");
        String cy = user("+14155550142");
        String direct = chats.openDirect(id("c"), ana, ben, 100).chat().chatId();
        chats.openDirect(id("c"), ana, cy, 100); // no message yet: nothing to sync
        String group = id("g");
        chats.createGroup(group, "Hikers", null, ben, List.of(cy), 100);
        messages.append(List.of(msg(direct, ben, id("m"), "one"), msg(direct, ana, id("m"), "two")));
        messages.append(List.of(msg(group, ben, id("m"), "a"), msg(group, cy, id("m"), "b"), msg(group, ben, id("m"), "c")));
        chats.addMembers(group, List.of(ana), 200, 10); // joins after seq 3
        assertThat(messages.headsOf(ana)).containsExactlyInAnyOrder(new Head(direct, 2, 0), new Head(group, 3, 3));
        assertThat(messages.headsOf(cy)).containsExactly(new Head(group, 3, 0));
        chats.removeMember(group, cy, 300);
        assertThat(messages.headsOf(cy)).as("a group left is no longer synced").isEmpty();
        chats.removeMember(group, ben, 300);
        chats.removeMember(group, ana, 300); // the last one out closes it
        assertThat(messages.headsOf(ana)).containsExactly(new Head(direct, 2, 0));
        assertThat(messages.headsOf("nobody")).isEmpty();
    }

    @Test
    void readsTogetherShareOneConnectionAndGiveItBack() {
        String ana = user("+14155550143");
        for (int i = 0; i < 40; i++) { // more rounds than any pool has connections: none is kept
            boolean shared = db.readTogether(() -> {
                java.sql.Connection first = db.read(c -> c);
                String name = accounts.byId(ana).orElseThrow().userId();
                java.sql.Connection nested = db.readTogether(() -> db.read(c -> c));
                return name.equals(ana) && first == db.read(c -> c) && nested == first;
            });
            assertThat(shared).as("every read inside ran on the first one's connection").isTrue();
        }
        for (int i = 0; i < 40; i++) {
            assertThatThrownBy(() -> db.readTogether(() -> db.write(c -> Sql.update(c, "UPDATE users SET about = 'x' WHERE user_id = ?", ana))))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> db.readTogether(() -> db.read(c -> Sql.one(c, "SELECT no_such_column FROM users", rs -> 1))))
                    .isInstanceOf(StoreException.class);
        }
        assertThat(accounts.byId(ana).orElseThrow().about()).as("the refused write changed nothing").isNotEqualTo("x");
        java.util.Optional<Integer> one = db.read(c -> Sql.one(c, "SELECT 1", rs -> rs.getInt(1)));
        assertThat(one).as("the store still reads").contains(1);
    }

    @Test
    void pagesGoBothWaysAndHonourTheFloor() {
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 1; i <= 10; i++) batch.add(msg("chat-p", "u1", "p" + i, "p" + i));
        messages.append(batch);
        assertThat(messages.after("chat-p", 3, 4)).extracting(Message::seq).containsExactly(4L, 5L, 6L, 7L);
        assertThat(messages.before("chat-p", 8, 0, 3)).extracting(Message::seq).containsExactly(5L, 6L, 7L);
        assertThat(messages.before("chat-p", Long.MAX_VALUE, 7, 50)).extracting(Message::seq).containsExactly(8L, 9L, 10L);
        var last = messages.lastMessages(List.of("chat-p", "empty-chat"));
        assertThat(last).containsOnlyKeys("chat-p");
        assertThat(last.get("chat-p").seq()).isEqualTo(10);
        String tenth = last.get("chat-p").msgId();
        assertThat(messages.byId("chat-p", tenth)).map(Message::text).contains("p10");
        assertThat(messages.byId("other-chat", tenth)).isEmpty();
    }

    @Test
    void aQuietMoveChangesTheCursorButTellsNoOne() {
        assertThat(cursors.advance(List.of(new Move("q", "u1", Kind.read, 3, 10, false)))).isEmpty();
        assertThat(cursors.ofUser("u1").get("q").readSeq()).isEqualTo(3);
        assertThat(cursors.marks("q", 1, 3)).isEmpty();
        // merged with an announced move in the same batch, the result is announced
        var marks = cursors.advance(List.of(new Move("q", "u1", Kind.read, 5, 11, true), new Move("q", "u1", Kind.read, 6, 12, false)));
        assertThat(marks).extracting(Mark::upToSeq).contains(6L);
    }

    @Test
    void quietReadsOfManyChatsMoveBothCursorsForwardOnly() {
        // u1 has had seq 8 delivered in q1 (announced); then quiet reads in three chats, one batch
        cursors.advance(List.of(new Move("q1", "u1", Kind.delivered, 8, 20)));
        var marks = cursors.advance(List.of(new Move("q1", "u1", Kind.read, 4, 30, false), new Move("q2", "u1", Kind.read, 2, 31, false),
                new Move("q2", "u1", Kind.read, 3, 32, false), new Move("q3", "u2", Kind.read, 1, 33, false),
                new Move("q3", "u1", Kind.delivered, 9, 34)));
        assertThat(marks).containsExactly(new Mark("q3", "u1", Kind.delivered, 9, 34, 0));
        var q1 = cursors.of("q1", "u1").orElseThrow();
        assertThat(List.of(q1.deliveredSeq(), q1.deliveredAt(), q1.readSeq(), q1.readAt())).as("delivered stays ahead").containsExactly(8L, 20L, 4L, 30L);
        var q2 = cursors.of("q2", "u1").orElseThrow();
        assertThat(List.of(q2.deliveredSeq(), q2.deliveredAt(), q2.readSeq(), q2.readAt())).containsExactly(3L, 32L, 3L, 32L);
        assertThat(cursors.of("q3", "u2").orElseThrow().readSeq()).isEqualTo(1);
        assertThat(cursors.advance(List.of(new Move("q2", "u1", Kind.read, 2, 40, false)))).isEmpty();
        assertThat(cursors.of("q2", "u1").orElseThrow()).as("never back").isEqualTo(q2);
        assertThat(cursors.marks("q2", 0, 10)).isEmpty();
    }

    @Test
    void cursorsOnlyMoveForwardAndLeaveMarks() {
        List<Mark> marks = cursors.advance(List.of(new Move("c", "u1", Kind.delivered, 5, 100), new Move("c", "u1", Kind.delivered, 3, 101)));
        assertThat(marks).containsExactly(new Mark("c", "u1", Kind.delivered, 5, 100, 0));
        assertThat(cursors.advance(List.of(new Move("c", "u1", Kind.delivered, 4, 102)))).isEmpty();
        List<Mark> read = cursors.advance(List.of(new Move("c", "u1", Kind.read, 7, 110)));
        assertThat(read).extracting(Mark::kind).containsExactlyInAnyOrder(Kind.read, Kind.delivered);
        var cursor = cursors.ofUser("u1").get("c");
        assertThat(cursor.deliveredSeq()).isEqualTo(7);
        assertThat(cursor.readSeq()).isEqualTo(7);
        assertThat(cursor.readAt()).isEqualTo(110);
        assertThat(cursors.ofChat("c")).hasSize(1);
        // marks for seqs 1..4: delivered@5 (t=100) covers them; the first mark above the range is included too
        List<Mark> forRange = cursors.marks("c", 1, 4);
        assertThat(forRange).extracting(Mark::upToSeq).contains(5L);
    }

    @Test
    void aBatchOfManyCursorsMovesEachForwardAndMarksWhereEachWas() {
        cursors.advance(List.of(new Move("b1", "u1", Kind.delivered, 3, 10), new Move("b2", "u1", Kind.read, 2, 10)));
        var marks = cursors.advance(List.of(
                new Move("b1", "u1", Kind.delivered, 6, 20), // 3 -> 6
                new Move("b1", "u1", Kind.read, 4, 21), // 0 -> 4 (its delivery is behind 6)
                new Move("b2", "u1", Kind.delivered, 1, 22), // behind; the read below takes it to 5
                new Move("b2", "u1", Kind.read, 5, 23), // 2 -> 5
                new Move("b3", "u2", Kind.delivered, 0, 24), // a cursor at 0: made, nothing to mark
                new Move("b4", "u2", Kind.delivered, 7, 25, false))); // quiet: moves, no mark
        assertThat(marks).containsExactly(new Mark("b1", "u1", Kind.delivered, 6, 20, 3), new Mark("b1", "u1", Kind.read, 4, 21, 0),
                new Mark("b2", "u1", Kind.delivered, 5, 23, 2), new Mark("b2", "u1", Kind.read, 5, 23, 2));
        assertThat(cursors.of("b3", "u2").orElseThrow().deliveredSeq()).isZero();
        assertThat(cursors.of("b4", "u2").orElseThrow().deliveredSeq()).isEqualTo(7);
        assertThat(cursors.marks("b4", 0, 10)).isEmpty();
        assertThat(cursors.marks("b1", 1, 6)).extracting(Mark::kind, Mark::upToSeq).contains(
                org.assertj.core.groups.Tuple.tuple(Kind.delivered, 6L), org.assertj.core.groups.Tuple.tuple(Kind.read, 4L));

        List<Move> many = new ArrayList<>(); // more cursors than one statement takes
        for (int i = 0; i < 450; i++) many.add(new Move("m" + i, "u" + (i % 7), Kind.delivered, i + 1, 30));
        assertThat(cursors.advance(many)).hasSize(450).allMatch(m -> m.fromSeq() == 0);
        for (int i = 0; i < 450; i++) many.set(i, new Move("m" + i, "u" + (i % 7), Kind.delivered, i % 2 == 0 ? i + 2 : i, 40));
        assertThat(cursors.advance(many)).as("the even ones moved on, the odd ones were already there")
                .hasSize(225).allMatch(m -> m.upToSeq() == m.fromSeq() + 1);
    }

    // ---- the push outbox ----

    /** Ana writes to Ben, whose one device has a push address; returns the chat. */
    private String pushSetUp(String deviceId) {
        String ana = user("+1555" + (1_000_000 + IDS.incrementAndGet()));
        String ben = user("+1555" + (1_000_000 + IDS.incrementAndGet()));
        devices.create(new DeviceRecord(deviceId, ben, "phone", 10, null, null), "hash-" + deviceId);
        new org.parley.server.push.SqlPushEndpointStore(db).put(new org.parley.server.push.PushEndpoint(deviceId, ben,
                org.parley.server.push.PushEndpoint.Kind.fcm, null, null, null, "token-" + deviceId, null), 10);
        String chat = chats.openDirect(id("c"), ana, ben, 100).chat().chatId();
        lastSender = ana;
        lastRecipient = ben;
        return chat;
    }

    private String lastSender;
    private String lastRecipient;

    @Test
    void aBurstInAChatIsOnePushJobAndALeasedJobIsTakenOnce() {
        String device = id("d");
        String chat = pushSetUp(device);
        var queue = new org.parley.server.push.SqlPushQueue(db);
        for (int i = 1; i <= 3; i++) messages.append(List.of(msg(chat, lastSender, "p" + i, "burst " + i)));
        var jobs = queue.claim(10_000, 10, 70_000);
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).seq()).isEqualTo(3);
        assertThat(jobs.get(0).pending()).isEqualTo(3);
        assertThat(jobs.get(0).deviceId()).isEqualTo(device);
        assertThat(queue.claim(10_000, 10, 70_000)).as("leased: no second worker takes it").isEmpty();

        // A message while the push is under way stays queued after the push is settled.
        messages.append(List.of(msg(chat, lastSender, "p4", "late")));
        queue.settle(List.of(new org.parley.server.push.PushQueue.Settlement.Done(jobs.get(0), 20_000)));
        assertThat(queue.claim(19_999, 10, 80_000)).as("due again only after the collapse delay").isEmpty();
        var again = queue.claim(20_000, 10, 80_000);
        assertThat(again).hasSize(1);
        assertThat(again.get(0).seq()).isEqualTo(4);
        assertThat(again.get(0).pending()).isEqualTo(1);
        queue.settle(List.of(new org.parley.server.push.PushQueue.Settlement.Done(again.get(0), 30_000)));
        assertThat(queue.claim(Long.MAX_VALUE / 2, 10, Long.MAX_VALUE / 2)).as("nothing left").isEmpty();
    }

    @Test
    void oneBatchWithSeveralMessagesOfAChatCountsEachOnceAndNotTheDevicesOwn() {
        String device = id("d");
        String chat = pushSetUp(device);
        String ana = lastSender;
        String ben = lastRecipient;
        var queue = new org.parley.server.push.SqlPushQueue(db);
        // One commit: two messages to Ben's device and, between them, one of Ben's own.
        messages.append(List.of(msg(chat, ana, "g1", "one"), msg(chat, ben, "g2", "mine"), msg(chat, ana, "g3", "two")));
        var jobs = queue.claim(10_000, 10, 70_000);
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).deviceId()).isEqualTo(device);
        assertThat(jobs.get(0).pending()).isEqualTo(2);
        assertThat(jobs.get(0).seq()).isEqualTo(3);
        queue.settle(List.of(new org.parley.server.push.PushQueue.Settlement.Done(jobs.get(0), 20_000)));
        assertThat(queue.claim(Long.MAX_VALUE / 2, 10, Long.MAX_VALUE / 2)).as("nothing left").isEmpty();
    }

    @Test
    void aRetryWaitsAndCountsAndABuriedJobIsADeadLetter() {
        String device = id("d");
        String chat = pushSetUp(device);
        var queue = new org.parley.server.push.SqlPushQueue(db);
        long deadBefore = queue.deadLetters();
        messages.append(List.of(msg(chat, lastSender, "r1", "hello")));
        var job = queue.claim(10_000, 10, 70_000).get(0);
        queue.settle(List.of(new org.parley.server.push.PushQueue.Settlement.Retry(job, 50_000, "503")));
        assertThat(queue.claim(49_999, 10, 100_000)).isEmpty();
        var retried = queue.claim(50_000, 10, 100_000).get(0);
        assertThat(retried.attempts()).isEqualTo(1);
        queue.settle(List.of(new org.parley.server.push.PushQueue.Settlement.Bury(retried, 60_000, "gave up")));
        assertThat(queue.deadLetters()).isEqualTo(deadBefore + 1);
        assertThat(queue.claim(Long.MAX_VALUE / 2, 10, Long.MAX_VALUE / 2)).isEmpty();
    }

    @Test
    void aLapsedLeaseComesBackAndASignedOutDeviceHasNoJobs() {
        String device = id("d");
        String chat = pushSetUp(device);
        var queue = new org.parley.server.push.SqlPushQueue(db);
        messages.append(List.of(msg(chat, lastSender, "l1", "hello")));
        assertThat(queue.claim(10_000, 10, 70_000)).hasSize(1);
        assertThat(queue.claim(70_001, 10, 130_000)).as("the worker died: its lease ran out").hasSize(1);
        messages.append(List.of(msg(chat, lastSender, "l2", "again")));
        assertThat(devices.revoke(lastRecipient, device, 200_000)).isTrue();
        assertThat(queue.claim(Long.MAX_VALUE / 2, 10, Long.MAX_VALUE / 2)).as("signing out drops the device's jobs").isEmpty();
        messages.append(List.of(msg(chat, lastSender, "l3", "after")));
        assertThat(queue.claim(Long.MAX_VALUE / 2, 10, Long.MAX_VALUE / 2)).as("and its push address").isEmpty();
    }
}
