package org.parley.server.chat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlChatStore implements ChatStore {
    private final Database db;

    public SqlChatStore(Database db) {
        this.db = db;
    }

    private static ChatRecord chat(ResultSet rs) throws SQLException {
        return new ChatRecord(rs.getString("chat_id"), rs.getString("type"), rs.getString("title"), rs.getLong("created_at"));
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
            ChatRecord chat = Sql.one(c, "SELECT chat_id, type, title, created_at FROM chats WHERE direct_key = ?",
                    SqlChatStore::chat, key).orElseThrow();
            if (inserted == 1) {
                for (String user : userA.equals(userB) ? List.of(userA) : List.of(userA, userB)) {
                    Sql.update(c, "INSERT INTO chat_members (chat_id, user_id, role, joined_at, joined_seq) VALUES (?, ?, 'member', ?, 0)",
                            chat.chatId(), user, now);
                }
            }
            return new Opened(chat, inserted == 1);
        });
    }

    @Override
    public Optional<ChatRecord> get(String chatId) {
        return db.read(c -> Sql.one(c, "SELECT chat_id, type, title, created_at FROM chats WHERE chat_id = ?", SqlChatStore::chat, chatId));
    }

    @Override
    public List<ChatRecord> chatsOf(String userId) {
        return db.read(c -> Sql.list(c, "SELECT c.chat_id, c.type, c.title, c.created_at FROM chats c"
                + " JOIN chat_members m ON m.chat_id = c.chat_id WHERE m.user_id = ?", SqlChatStore::chat, userId));
    }

    @Override
    public List<Member> members(String chatId) {
        return db.read(c -> Sql.list(c, "SELECT chat_id, user_id, role, joined_at, joined_seq FROM chat_members WHERE chat_id = ?"
                + " ORDER BY joined_at, user_id", SqlChatStore::member, chatId));
    }
}
