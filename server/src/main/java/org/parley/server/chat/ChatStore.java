package org.parley.server.chat;

import java.util.List;
import java.util.Optional;

/** Chats, who is in them and, for groups, their roles, settings and invite code. */
public interface ChatStore {

    record ChatRecord(String chatId, String type, String title, String description, long createdAt, boolean onlyAdminsSend,
            boolean onlyAdminsEdit, String inviteCode, Long inviteExpiresAt, Long closedAt) {
        public boolean isGroup() {
            return "group".equals(type);
        }
    }

    record Member(String chatId, String userId, String role, long joinedAt, long joinedSeq) {
        public boolean isAdmin() {
            return "admin".equals(role) || "owner".equals(role);
        }
    }

    /**
     * The direct chat between two users, created with {@code newChatId} when there is none.
     * {@code created} tells which happened.
     */
    record Opened(ChatRecord chat, boolean created) {}

    Opened openDirect(String newChatId, String userA, String userB, long now);

    /** A new group: the owner plus the members, all seeing it from its first message. */
    ChatRecord createGroup(String chatId, String title, String description, String ownerId, List<String> memberIds, long now);

    /**
     * Adds the users who are not members yet, seeing history from the chat's current last
     * seq; fails whole with GROUP_FULL when the group would pass {@code maxMembers}, and with
     * CHAT_NOT_FOUND when it was closed. Concurrent changes of one group are serialised.
     * Returns the members added.
     */
    List<Member> addMembers(String chatId, List<String> userIds, long now, int maxMembers);

    /**
     * Removes the member; the last one out closes the group in the same transaction.
     * Returns how many members remain, or -1 when the user was not a member.
     */
    int removeMember(String chatId, String userId, long now);

    boolean setRole(String chatId, String userId, String role);

    /** Sets the given fields (null = unchanged). */
    void updateGroup(String chatId, String title, String description, Boolean onlyAdminsSend, Boolean onlyAdminsEdit);

    /** Sets (or with null, revokes) the group's invite code. */
    void setInvite(String chatId, String code, Long expiresAt);

    /** The chat, closed or not. */
    Optional<ChatRecord> get(String chatId);

    /** Open chats the user is a member of. */
    List<ChatRecord> chatsOf(String userId);

    List<Member> members(String chatId);

    /** Mutes the chat for the member until {@code until} (null: unmutes). False when not a member. */
    boolean setMute(String chatId, String userId, Long until);

    /** The user's mutes by chat id (past ones included; the caller compares with now). */
    java.util.Map<String, Long> mutes(String userId);

    /**
     * Which of {@code others} are contacts of {@code userId}: they share a direct chat in which
     * both have taken part (sent or read a message), so opening a chat with someone does not
     * by itself make you their contact.
     */
    java.util.Set<String> contacts(String userId, java.util.Collection<String> others);
}
