package org.parley.server.chat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlChatStore implements ChatStore {
    private static final String CHAT = "chat_id, type, title, description, created_at, only_admins_send, only_admins_edit,"
            + " invite_code, invite_expires_at, closed_at";
    private static final String MEMBER = "chat_id, user_id, role, joined_at, joined_seq";
    private final Database db;

    public SqlChatStore(Database db) {
        this.db = db;
    }

    private static ChatRecord chat(ResultSet rs) throws SQLException {
        return new ChatRecord(rs.getString("chat_id"), rs.getString("type"), rs.getString("title"), rs.getString("description"),
                rs.getLong("created_at"), rs.getInt("only_admins_send") != 0, rs.getInt("only_admins_edit") != 0,
                rs.getString("invite_code"), Sql.nullableLong(rs, "invite_expires_at"), Sql.nullableLong(rs, "closed_at"));
    }

    private static Member member(ResultSet rs) throws SQLException {
        return new Member(rs.getString("chat_id"), rs.getString("user_id"), rs.getString("role"),
                rs.getLong("joined_at"), rs.getLong("joined_seq"));
    }

    /** The same key whichever side opens the chat. */
    static String directKey(String a, String b) {
        return a.compareTo(b) <= 0 ? a + ":" + b : b + ":" + a;
    }

    @Override
    public Opened openDirect(String newChatId, String userA, String userB, long now) {
        String key = directKey(userA, userB);
        return db.write(c -> {
            int inserted = Sql.update(c, "INSERT INTO chats (chat_id, type, title, direct_key, created_at) VALUES (?, 'direct', NULL, ?, ?)"
                    + " ON CONFLICT (direct_key) DO NOTHING", newChatId, key, now);
            ChatRecord chat = Sql.one(c, "SELECT " + CHAT + " FROM chats WHERE direct_key = ?", SqlChatStore::chat, key).orElseThrow();
            if (inserted == 1) {
                for (String user : userA.equals(userB) ? List.of(userA) : List.of(userA, userB)) insertMember(c, chat.chatId(), user, "member", now, 0);
            }
            return new Opened(chat, inserted == 1);
        });
    }

    private static void insertMember(Connection c, String chatId, String userId, String role, long now, long joinedSeq) throws SQLException {
        Sql.update(c, "INSERT INTO chat_members (" + MEMBER + ") VALUES (?, ?, ?, ?, ?)", chatId, userId, role, now, joinedSeq);
    }

    @Override
    public ChatRecord createGroup(String chatId, String title, String description, String ownerId, List<String> memberIds, long now) {
        return db.write(c -> {
            Sql.update(c, "INSERT INTO chats (chat_id, type, title, description, created_at) VALUES (?, 'group', ?, ?, ?)",
                    chatId, title, description == null ? "" : description, now);
            insertMember(c, chatId, ownerId, "owner", now, 0);
            for (String u : memberIds) if (!u.equals(ownerId)) insertMember(c, chatId, u, "member", now, 0);
            return Sql.one(c, "SELECT " + CHAT + " FROM chats WHERE chat_id = ?", SqlChatStore::chat, chatId).orElseThrow();
        });
    }

    @Override
    public List<Member> addMembers(String chatId, List<String> userIds, long now, int maxMembers) {
        return db.write(c -> {
            // Takes the group's row lock first: concurrent changes of this group wait here.
            if (Sql.update(c, "UPDATE chats SET member_version = member_version + 1 WHERE chat_id = ? AND closed_at IS NULL", chatId) == 0) {
                throw new ApiException(ErrorCode.CHAT_NOT_FOUND, "no such chat");
            }
            Set<String> present = new HashSet<>(Sql.list(c, "SELECT user_id FROM chat_members WHERE chat_id = ?", rs -> rs.getString(1), chatId));
            List<String> fresh = userIds.stream().filter(u -> !present.contains(u)).distinct().toList();
            if (present.size() + fresh.size() > maxMembers) {
                throw new ApiException(ErrorCode.GROUP_FULL, "a group has at most " + maxMembers + " members; it has " + present.size());
            }
            long seq = Sql.one(c, "SELECT last_seq FROM chat_log WHERE chat_id = ?", rs -> rs.getLong(1), chatId).orElse(0L);
            List<Member> added = new ArrayList<>();
            for (String u : fresh) {
                insertMember(c, chatId, u, "member", now, seq);
                added.add(new Member(chatId, u, "member", now, seq));
            }
            return added;
        });
    }

    @Override
    public int removeMember(String chatId, String userId, long now) {
        return db.write(c -> {
            Sql.update(c, "UPDATE chats SET member_version = member_version + 1 WHERE chat_id = ?", chatId);
            if (Sql.update(c, "DELETE FROM chat_members WHERE chat_id = ? AND user_id = ?", chatId, userId) != 1) return -1;
            int left = Sql.one(c, "SELECT COUNT(*) FROM chat_members WHERE chat_id = ?", rs -> rs.getInt(1), chatId).orElse(0);
            if (left == 0) {
                Sql.update(c, "UPDATE chats SET closed_at = ?, invite_code = NULL, invite_expires_at = NULL WHERE chat_id = ?", now, chatId);
            }
            return left;
        });
    }

    @Override
    public boolean setRole(String chatId, String userId, String role) {
        return db.write(c -> Sql.update(c, "UPDATE chat_members SET role = ? WHERE chat_id = ? AND user_id = ?", role, chatId, userId)) == 1;
    }

    @Override
    public void updateGroup(String chatId, String title, String description, Boolean onlyAdminsSend, Boolean onlyAdminsEdit) {
        db.write(c -> Sql.update(c, "UPDATE chats SET title = COALESCE(?, title), description = COALESCE(?, description),"
                + " only_admins_send = COALESCE(?, only_admins_send), only_admins_edit = COALESCE(?, only_admins_edit) WHERE chat_id = ?",
                title, description, flag(onlyAdminsSend), flag(onlyAdminsEdit), chatId));
    }

    private static Integer flag(Boolean b) {
        return b == null ? null : b ? 1 : 0;
    }

    @Override
    public void setInvite(String chatId, String code, Long expiresAt) {
        db.write(c -> Sql.update(c, "UPDATE chats SET invite_code = ?, invite_expires_at = ? WHERE chat_id = ?", code, expiresAt, chatId));
    }

    @Override
    public Optional<ChatRecord> get(String chatId) {
        return db.read(c -> Sql.one(c, "SELECT " + CHAT + " FROM chats WHERE chat_id = ?", SqlChatStore::chat, chatId));
    }

    @Override
    public List<ChatRecord> chatsOf(String userId) {
        return db.read(c -> Sql.list(c, "SELECT " + prefixed("c.") + " FROM chats c JOIN chat_members m ON m.chat_id = c.chat_id"
                + " WHERE m.user_id = ? AND c.closed_at IS NULL", SqlChatStore::chat, userId));
    }

    private static String prefixed(String alias) {
        return alias + CHAT.replace(", ", ", " + alias);
    }

    @Override
    public List<Member> members(String chatId) {
        return db.read(c -> Sql.list(c, "SELECT " + MEMBER + " FROM chat_members WHERE chat_id = ? ORDER BY joined_at, user_id",
                SqlChatStore::member, chatId));
    }

    @Override
    public boolean setMute(String chatId, String userId, Long until) {
        return db.write(c -> Sql.update(c, "UPDATE chat_members SET muted_until = ? WHERE chat_id = ? AND user_id = ?", until, chatId, userId)) > 0;
    }

    @Override
    public java.util.Map<String, Long> mutes(String userId) {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        db.read(c -> Sql.list(c, "SELECT chat_id, muted_until FROM chat_members WHERE user_id = ? AND muted_until IS NOT NULL",
                rs -> out.put(rs.getString(1), rs.getLong(2)), userId));
        return out;
    }

    @Override
    public java.util.Set<String> contacts(String userId, java.util.Collection<String> others) {
        java.util.Map<String, String> byKey = new java.util.HashMap<>();
        for (String other : others) if (!other.equals(userId)) byKey.put(directKey(userId, other), other);
        java.util.Set<String> out = new java.util.HashSet<>();
        List<String> keys = List.copyOf(byKey.keySet());
        for (int from = 0; from < keys.size(); from += 400) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 400));
            Object[] args = new Object[chunk.size() + 1];
            args[0] = userId;
            for (int k = 0; k < chunk.size(); k++) args[k + 1] = chunk.get(k);
            db.read(c -> Sql.list(c, "SELECT c.direct_key FROM chats c"
                    + " JOIN cursors a ON a.chat_id = c.chat_id AND a.user_id = ? AND a.read_seq > 0"
                    + " JOIN cursors b ON b.chat_id = c.chat_id AND b.user_id <> a.user_id AND b.read_seq > 0"
                    + " WHERE c.direct_key IN (" + Sql.marks(chunk.size()) + ")", rs -> out.add(byKey.get(rs.getString(1))), args));
        }
        return out;
    }
}
