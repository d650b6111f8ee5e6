package org.parley.server.chat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Chat;
import org.parley.protocol.Model.Chats;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.User;
import org.parley.protocol.Requests.OpenChatRequest;
import org.parley.protocol.Validate;
import org.parley.server.account.AccountStore;
import org.parley.server.app.Ids;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatStore.ChatRecord;
import org.parley.server.chat.ChatStore.Member;
import org.parley.server.message.MessageStore;
import org.parley.server.receipt.CursorStore;

/** Opening chats, listing them, and the membership check every chat call goes through. */
public final class ChatService {
    private static final int MEMBERSHIP_CACHE = 50_000;

    /** The result of opening a chat: {@code created} decides 201 vs 200. */
    public record Opened(Chat chat, boolean created) {}

    /** A chat and its members, as the membership check sees them. */
    public record Membership(ChatRecord chat, List<Member> members) {
        public List<String> memberIds() {
            return members.stream().map(Member::userId).toList();
        }

        public boolean has(String userId) {
            for (Member m : members) if (m.userId().equals(userId)) return true;
            return false;
        }

        public Member member(String userId) {
            for (Member m : members) if (m.userId().equals(userId)) return m;
            throw new IllegalArgumentException(userId + " is not a member");
        }

        /** The last seq before the member joined: they see only what comes after it. */
        public long joinedSeq(String userId) {
            for (Member m : members) if (m.userId().equals(userId)) return m.joinedSeq();
            throw new IllegalArgumentException(userId + " is not a member");
        }
    }

    private final ChatStore chats;
    private final AccountStore accounts;
    private final MessageStore messages;
    private final CursorStore cursors;
    private final Ids ids;
    private final Clock clock;
    private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, Membership> memberships = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Membership> eldest) {
            return size() > MEMBERSHIP_CACHE;
        }
    });

    public ChatService(ChatStore chats, AccountStore accounts, MessageStore messages, CursorStore cursors, Ids ids, Clock clock) {
        this.chats = chats;
        this.accounts = accounts;
        this.messages = messages;
        this.cursors = cursors;
        this.ids = ids;
        this.clock = clock;
    }

    public Opened open(Principal p, OpenChatRequest request) {
        if (accounts.byId(request.userId()).isEmpty()) {
            throw new ApiException(ErrorCode.USER_NOT_FOUND, "no such user");
        }
        ChatStore.Opened opened = chats.openDirect(ids.next(), p.userId(), request.userId(), clock.millis());
        String chatId = opened.chat().chatId();
        Chat chat = opened.created() ? view(p.userId(), opened.chat(), membership(chatId).orElseThrow(), null, null, null) : get(p, chatId);
        return new Opened(chat, opened.created());
    }

    /**
     * The chat with its members when {@code userId} is a member; otherwise CHAT_NOT_FOUND,
     * the same answer as for a chat that does not exist.
     */
    public Membership requireMember(String chatId, String userId) {
        Validate.id("chatId", chatId);
        Membership m = membership(chatId).orElse(null);
        if (m == null || m.chat().closedAt() != null || !m.has(userId)) throw new ApiException(ErrorCode.CHAT_NOT_FOUND, "no such chat");
        return m;
    }

    /**
     * {@link #requireMember} when the chat's members are cached, without reading the store
     * (so on an event loop); null when they are not cached.
     */
    public Membership requireCachedMember(String chatId, String userId) {
        Validate.id("chatId", chatId);
        Membership m = memberships.get(chatId);
        if (m == null) return null;
        if (m.chat().closedAt() != null || !m.has(userId)) throw new ApiException(ErrorCode.CHAT_NOT_FOUND, "no such chat");
        return m;
    }

    /** Forgets cached members of a chat after they changed (called on every node through the bus). */
    public void invalidate(String chatId) {
        epoch.incrementAndGet(); // a load that started before this must not be cached
        memberships.remove(chatId);
    }

    /** The chat as {@code userId} sees it, without the last message (for answers right after a change). */
    public Chat view(String userId, String chatId) {
        Membership m = requireMember(chatId, userId);
        Message last = messages.lastMessages(List.of(chatId)).get(chatId);
        return view(userId, m.chat(), m, last, cursors.ofUser(userId).get(chatId), chats.mutes(userId).get(chatId));
    }

    /** The chat's current members, whoever asks (for fan-out); empty for an unknown chat. */
    public java.util.Optional<Membership> membership(String chatId) {
        Membership m = memberships.get(chatId);
        if (m != null) return java.util.Optional.of(m);
        long seen = epoch.get();
        var chat = chats.get(chatId); // outside the map's lock
        if (chat.isEmpty()) return java.util.Optional.empty();
        m = new Membership(chat.get(), chats.members(chatId));
        synchronized (memberships) {
            if (epoch.get() == seen) memberships.putIfAbsent(chatId, m); // else a change raced us: use it once, do not cache
        }
        return java.util.Optional.of(m);
    }

    /** Mutes the chat's notifications for the member until {@code until} (null: unmutes). */
    public void mute(Principal p, String chatId, Long until) {
        requireMember(chatId, p.userId());
        if (!chats.setMute(chatId, p.userId(), until)) throw new ApiException(ErrorCode.CHAT_NOT_FOUND, "no such chat");
    }

    public Chat get(Principal p, String chatId) {
        return view(p.userId(), chatId);
    }

    /** Every chat of the user, most recent activity first. */
    public Chats list(Principal p) {
        List<ChatRecord> mine = chats.chatsOf(p.userId());
        Map<String, Message> lasts = messages.lastMessages(mine.stream().map(ChatRecord::chatId).toList());
        Map<String, CursorStore.Cursor> myCursors = cursors.ofUser(p.userId());
        Map<String, Long> mutes = chats.mutes(p.userId());
        List<Chat> out = new ArrayList<>(mine.size());
        for (ChatRecord c : mine) {
            Membership m = membership(c.chatId()).orElse(null);
            if (m == null || !m.has(p.userId())) continue; // changed while we were listing
            out.add(view(p.userId(), c, m, lasts.get(c.chatId()), myCursors.get(c.chatId()), mutes.get(c.chatId())));
        }
        out.sort(Comparator.comparingLong(Chat::lastActivityAt).reversed().thenComparing(Chat::chatId));
        return new Chats(out);
    }

    private Chat view(String me, ChatRecord c, Membership m, Message last, CursorStore.Cursor cursor, Long mutedUntil) {
        long lastSeq = last == null ? 0 : last.seq();
        long readSeq = cursor == null ? 0 : cursor.readSeq();
        long unread = Math.max(0, lastSeq - Math.max(readSeq, m.joinedSeq(me)));
        long activity = last == null ? c.createdAt() : last.sentAt();
        if (c.isGroup()) {
            return new Chat(c.chatId(), c.type(), c.title(), null, last, unread, lastSeq, readSeq, activity, c.createdAt(),
                    c.description(), m.member(me).role(), m.members().size(), c.onlyAdminsSend(), c.onlyAdminsEdit(), mutedUntil);
        }
        String peer = m.members().stream().map(Member::userId).filter(u -> !u.equals(me)).findFirst().orElse(me);
        String title = accounts.byId(peer).map(User::displayName).orElse("");
        return new Chat(c.chatId(), c.type(), title, peer, last, unread, lastSeq, readSeq, activity, c.createdAt(),
                null, null, null, null, null, mutedUntil);
    }
}
