package org.parley.server.presence;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model;
import org.parley.protocol.Validate;
import org.parley.server.account.AccountStore;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatService;
import org.parley.server.chat.ChatStore;

/**
 * Online state and last seen as one user may see another's, under WhatsApp's rule: each
 * user shows them to everyone, to contacts (users they share a direct chat with, both having
 * taken part in it; see {@link ChatStore#contacts}) or to nobody, and the rule is reciprocal: whoever hides theirs from someone sees nothing of
 * that person's either.
 */
public final class PresenceService {
    static final int MAX_WATCHED = 1_000;
    private static final long SETTINGS_TTL_MS = Duration.ofMinutes(1).toMillis();

    private record Visibility(String value, long loadedAt) {}

    private final Presence presence;
    private final AccountStore accounts;
    private final ChatStore chatStore;
    private final ChatService chats;
    private final Map<String, Visibility> visibility = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong epoch = new java.util.concurrent.atomic.AtomicLong();

    public PresenceService(Presence presence, AccountStore accounts, ChatStore chatStore, ChatService chats) {
        this.presence = presence;
        this.accounts = accounts;
        this.chatStore = chatStore;
        this.chats = chats;
    }

    /** GET /v1/users/{userId}/presence. */
    public Model.Presence view(Principal viewer, String userId) {
        Validate.id("userId", userId);
        if (accounts.byId(userId).isEmpty()) throw new ApiException(ErrorCode.USER_NOT_FOUND, "no such user");
        boolean contact = chatStore.contacts(viewer.userId(), List.of(userId)).contains(userId);
        return asSeenBy(viewer.userId(), userId, contact, presence.state(userId));
    }

    /** The presence frame {@code viewer} gets for {@code userId} in state {@code state}. */
    public Model.Presence asSeenBy(String viewer, String userId, boolean contact, Presence.State state) {
        if (!visible(viewer, userId, contact)) return new Model.Presence(userId, false, null);
        return new Model.Presence(userId, state.online(), state.lastSeen());
    }

    public Presence.State state(String userId) {
        return presence.state(userId);
    }

    boolean visible(String viewer, String userId, boolean contact) {
        if (viewer.equals(userId)) return true;
        return allows(visibilityOf(userId), contact) && allows(visibilityOf(viewer), contact);
    }

    private static boolean allows(String visibility, boolean contact) {
        return switch (visibility) {
            case "everyone" -> true;
            case "contacts" -> contact;
            default -> false;
        };
    }

    private String visibilityOf(String userId) {
        long now = System.currentTimeMillis();
        Visibility v = visibility.get(userId);
        if (v != null && now - v.loadedAt() < SETTINGS_TTL_MS) return v.value();
        long seen = epoch.get();
        String value = accounts.settings(userId).map(Model.Settings::lastSeen).orElse("nobody");
        synchronized (visibility) {
            if (visibility.size() > 200_000) visibility.clear(); // a cache, not a copy of the users table
            // a settings change raced this read: use the value once, do not keep it
            if (epoch.get() == seen) visibility.put(userId, new Visibility(value, now));
        }
        return value;
    }

    /** A user's settings changed (on any node): read them again next time. */
    public void forget(String userId) {
        synchronized (visibility) {
            epoch.incrementAndGet();
            visibility.remove(userId);
        }
    }

    /**
     * Whom a device showing {@code chatIds} watches: the other members of those chats (chats
     * the viewer is not in answer CHAT_NOT_FOUND), each with whether they are a contact.
     */
    public Map<String, Boolean> watchList(Principal viewer, List<String> chatIds) {
        java.util.Set<String> members = new java.util.LinkedHashSet<>();
        for (String chatId : chatIds) {
            for (String member : chats.requireMember(chatId, viewer.userId()).memberIds()) if (!member.equals(viewer.userId())) members.add(member);
        }
        if (members.size() > MAX_WATCHED) throw ApiException.invalid("these chats have more than " + MAX_WATCHED + " other members; subscribe to fewer");
        java.util.Set<String> contacts = chatStore.contacts(viewer.userId(), members);
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (String member : members) out.put(member, contacts.contains(member));
        return out;
    }
}
