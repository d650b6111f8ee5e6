package org.parley.server.chat;

import java.util.List;
import java.util.Optional;

/** Chats and who is in them. */
public interface ChatStore {

    record ChatRecord(String chatId, String type, String title, long createdAt) {}

    record Member(String chatId, String userId, String role, long joinedAt, long joinedSeq) {}

    /**
     * The direct chat between two users, created with {@code newChatId} when there is none.
     * {@code created} tells which happened.
     */
    record Opened(ChatRecord chat, boolean created) {}

    Opened openDirect(String newChatId, String userA, String userB, long now);

    Optional<ChatRecord> get(String chatId);

    /** Chats the user is a member of. */
    List<ChatRecord> chatsOf(String userId);

    List<Member> members(String chatId);
}
