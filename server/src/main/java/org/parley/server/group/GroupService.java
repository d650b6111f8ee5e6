package org.parley.server.group;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Frames;
import org.parley.protocol.Model.Chat;
import org.parley.protocol.Model.Invite;
import org.parley.protocol.Model.Member;
import org.parley.protocol.Model.Members;
import org.parley.protocol.Model.SystemEvent;
import org.parley.protocol.Model.User;
import org.parley.protocol.Requests.AddMembersRequest;
import org.parley.protocol.Requests.GroupUpdate;
import org.parley.protocol.Requests.InviteRequest;
import org.parley.protocol.Requests.JoinRequest;
import org.parley.protocol.Requests.OpenChatRequest;
import org.parley.protocol.Requests.RoleChange;
import org.parley.protocol.Validate;
import org.parley.server.account.AccountStore;
import org.parley.server.app.Ids;
import org.parley.server.auth.Principal;
import org.parley.server.auth.Tokens;
import org.parley.server.chat.ChatService;
import org.parley.server.chat.ChatService.Membership;
import org.parley.server.chat.ChatStore;
import org.parley.server.delivery.Bus;
import org.parley.server.delivery.Event;
import org.parley.server.message.MessageService;
import org.parley.server.receipt.ReceiptService;

/**
 * Groups: creation, membership, roles, settings and invite codes. Every change is a system
 * message in the group's own log, and the members concerned get a membership frame.
 */
public final class GroupService {
    private final ChatStore store;
    private final ChatService chats;
    private final AccountStore accounts;
    private final MessageService messages;
    private final ReceiptService receipts;
    private final Bus bus;
    private final Ids ids;
    private final Clock clock;
    private final int maxMembers;

    public GroupService(ChatStore store, ChatService chats, AccountStore accounts, MessageService messages, ReceiptService receipts,
            Bus bus, Ids ids, Clock clock, int maxMembers) {
        this.store = store;
        this.chats = chats;
        this.accounts = accounts;
        this.messages = messages;
        this.receipts = receipts;
        this.bus = bus;
        this.ids = ids;
        this.clock = clock;
        this.maxMembers = maxMembers;
    }

    // ---- membership ----

    public Chat create(Principal p, OpenChatRequest request) {
        List<String> invited = request.members().stream().filter(u -> !u.equals(p.userId())).toList();
        if (invited.size() + 1 > maxMembers) {
            throw new ApiException(ErrorCode.GROUP_FULL, "a group has at most " + maxMembers + " members including its owner");
        }
        requireUsers(invited);
        String chatId = ids.next();
        store.createGroup(chatId, request.title(), request.description(), p.userId(), invited, clock.millis());
        Membership m = chats.requireMember(chatId, p.userId());
        system(m, p.userId(), new SystemEvent("created", p.userId(), invited, request.title(), null, null, null),
                name(p.userId()) + " created the group \"" + request.title() + "\"");
        for (String u : invited) changed(chatId, u, "added", "member", p.userId(), 0L);
        return chats.view(p.userId(), chatId);
    }

    public Members members(Principal p, String chatId) {
        Membership m = group(chatId, p);
        List<Member> out = new ArrayList<>();
        for (ChatStore.Member x : m.members()) out.add(new Member(x.userId(), name(x.userId()), x.role(), x.joinedAt()));
        return new Members(out);
    }

    public Members add(Principal p, String chatId, AddMembersRequest request) {
        Membership m = admin(chatId, p);
        requireUsers(request.userIds());
        List<ChatStore.Member> added = store.addMembers(chatId, request.userIds(), clock.millis(), maxMembers);
        chats.invalidate(chatId);
        if (!added.isEmpty()) {
            List<String> userIds = added.stream().map(ChatStore.Member::userId).toList();
            for (ChatStore.Member a : added) changed(chatId, a.userId(), "added", "member", p.userId(), a.joinedSeq());
            system(chats.requireMember(chatId, p.userId()), p.userId(), new SystemEvent("added", p.userId(), userIds, null, null, null, null),
                    name(p.userId()) + " added " + names(userIds));
        }
        return members(p, m.chat().chatId());
    }

    /** Removes {@code userId}; removing yourself is leaving. The owner cannot be removed. */
    public void remove(Principal p, String chatId, String userId) {
        Validate.id("userId", userId);
        if (userId.equals(p.userId())) {
            leave(p, chatId);
            return;
        }
        Membership m = admin(chatId, p);
        ChatStore.Member target = memberOrThrow(m, userId);
        if ("owner".equals(target.role())) throw new ApiException(ErrorCode.NOT_ADMIN, "the owner cannot be removed");
        if (store.removeMember(chatId, userId, clock.millis()) < 0) return; // removed concurrently
        chats.invalidate(chatId);
        changed(chatId, userId, "removed", null, p.userId(), null);
        system(chats.requireMember(chatId, p.userId()), p.userId(), new SystemEvent("removed", p.userId(), List.of(userId), null, null, null, null),
                name(p.userId()) + " removed " + name(userId));
    }

    /**
     * Leaves the group. An owner who leaves hands the group to the longest-standing admin,
     * else the longest-standing member; the last member leaving closes it.
     */
    public void leave(Principal p, String chatId) {
        Membership m = group(chatId, p);
        ChatStore.Member me = m.member(p.userId());
        int remaining = store.removeMember(chatId, p.userId(), clock.millis());
        if (remaining < 0) return;
        chats.invalidate(chatId);
        changed(chatId, p.userId(), "left", null, p.userId(), null);
        if (remaining == 0) return; // the last one out closed the group
        List<ChatStore.Member> rest = store.members(chatId); // fresh: the cache may lag a concurrent change
        if (rest.isEmpty()) return;
        Membership after = chats.requireMember(chatId, rest.get(0).userId());
        system(after, p.userId(), new SystemEvent("left", p.userId(), List.of(p.userId()), null, null, null, null), name(p.userId()) + " left");
        if ("owner".equals(me.role())) {
            ChatStore.Member heir = rest.stream().filter(ChatStore.Member::isAdmin).min(SENIORITY)
                    .orElseGet(() -> rest.stream().min(SENIORITY).orElseThrow());
            store.setRole(chatId, heir.userId(), "owner");
            chats.invalidate(chatId);
            changed(chatId, heir.userId(), "role", "owner", p.userId(), null);
            system(chats.requireMember(chatId, heir.userId()), heir.userId(),
                    new SystemEvent("ownerChanged", p.userId(), List.of(heir.userId()), null, null, null, null), name(heir.userId()) + " is now the owner");
        }
    }

    private static final Comparator<ChatStore.Member> SENIORITY =
            Comparator.comparingLong(ChatStore.Member::joinedAt).thenComparing(ChatStore.Member::userId);

    /** Makes a member an admin or a plain member again. The owner's role does not change here. */
    public void setRole(Principal p, String chatId, String userId, RoleChange change) {
        Validate.id("userId", userId);
        Membership m = admin(chatId, p);
        ChatStore.Member target = memberOrThrow(m, userId);
        if ("owner".equals(target.role())) throw new ApiException(ErrorCode.NOT_ADMIN, "the owner's role cannot be changed");
        if (target.role().equals(change.role())) return;
        store.setRole(chatId, userId, change.role());
        chats.invalidate(chatId);
        changed(chatId, userId, "role", change.role(), p.userId(), null);
        boolean promoted = change.role().equals("admin");
        system(chats.requireMember(chatId, p.userId()), p.userId(),
                new SystemEvent(promoted ? "promoted" : "demoted", p.userId(), List.of(userId), null, null, null, null),
                name(p.userId()) + (promoted ? " made " + name(userId) + " an admin" : " removed " + name(userId) + " as admin"));
    }

    // ---- info and settings ----

    /** Title and description: any member unless "only admins can edit info"; settings: admins. */
    public Chat update(Principal p, String chatId, GroupUpdate update) {
        Membership m = group(chatId, p);
        boolean admin = m.member(p.userId()).isAdmin();
        boolean settings = update.onlyAdminsSend() != null || update.onlyAdminsEdit() != null;
        if (!admin && (settings || m.chat().onlyAdminsEdit())) throw new ApiException(ErrorCode.NOT_ADMIN, "only admins can change this");
        store.updateGroup(chatId, update.title(), update.description(), update.onlyAdminsSend(), update.onlyAdminsEdit());
        chats.invalidate(chatId);
        Membership after = chats.requireMember(chatId, p.userId());
        String who = name(p.userId());
        if (update.title() != null && !update.title().equals(m.chat().title())) {
            system(after, p.userId(), new SystemEvent("title", p.userId(), List.of(), update.title(), null, null, null),
                    who + " changed the group name to \"" + update.title() + "\"");
        }
        if (update.description() != null && !update.description().equals(m.chat().description())) {
            system(after, p.userId(), new SystemEvent("description", p.userId(), List.of(), null, update.description(), null, null),
                    who + " changed the group description");
        }
        if (settings && (after.chat().onlyAdminsSend() != m.chat().onlyAdminsSend() || after.chat().onlyAdminsEdit() != m.chat().onlyAdminsEdit())) {
            system(after, p.userId(), new SystemEvent("settings", p.userId(), List.of(), null, null, after.chat().onlyAdminsSend(),
                    after.chat().onlyAdminsEdit()), who + " changed the group settings");
        }
        return chats.view(p.userId(), chatId);
    }

    // ---- invites ----

    public Invite createInvite(Principal p, String chatId, InviteRequest request) {
        admin(chatId, p);
        String code = Tokens.newToken().substring(0, 32); // 192 random bits
        Long expiresAt = request.expiresInSeconds() == null ? null : clock.millis() + request.expiresInSeconds() * 1000;
        store.setInvite(chatId, code, expiresAt);
        chats.invalidate(chatId);
        return new Invite(code, expiresAt);
    }

    public void revokeInvite(Principal p, String chatId) {
        admin(chatId, p);
        store.setInvite(chatId, null, null);
        chats.invalidate(chatId);
    }

    /**
     * Joins with an invite code. A wrong, revoked or expired code, or a chat that does not
     * exist, all answer INVITE_NOT_FOUND. Already a member: the chat as it is.
     */
    public Chat join(Principal p, String chatId, JoinRequest request) {
        Validate.id("chatId", chatId);
        ChatStore.ChatRecord chat = store.get(chatId)
                .filter(c -> c.isGroup() && c.closedAt() == null && c.inviteCode() != null)
                .filter(c -> MessageDigest.isEqual(c.inviteCode().getBytes(StandardCharsets.US_ASCII), request.inviteCode().getBytes(StandardCharsets.US_ASCII)))
                .filter(c -> c.inviteExpiresAt() == null || c.inviteExpiresAt() > clock.millis())
                .orElseThrow(() -> new ApiException(ErrorCode.INVITE_NOT_FOUND, "no such invite"));
        List<ChatStore.Member> added = store.addMembers(chat.chatId(), List.of(p.userId()), clock.millis(), maxMembers);
        chats.invalidate(chatId);
        if (!added.isEmpty()) {
            changed(chatId, p.userId(), "added", "member", p.userId(), added.get(0).joinedSeq());
            system(chats.requireMember(chatId, p.userId()), p.userId(), new SystemEvent("joined", p.userId(), List.of(p.userId()), null, null, null, null),
                    name(p.userId()) + " joined using an invite link");
        }
        return chats.view(p.userId(), chatId);
    }

    // ---- helpers ----

    private Membership group(String chatId, Principal p) {
        Membership m = chats.requireMember(chatId, p.userId());
        if (!m.chat().isGroup()) throw ApiException.invalid("this is a direct chat, not a group");
        return m;
    }

    private Membership admin(String chatId, Principal p) {
        Membership m = group(chatId, p);
        if (!m.member(p.userId()).isAdmin()) throw new ApiException(ErrorCode.NOT_ADMIN, "only admins can do this");
        return m;
    }

    private static ChatStore.Member memberOrThrow(Membership m, String userId) {
        return m.members().stream().filter(x -> x.userId().equals(userId)).findFirst()
                .orElseThrow(() -> new ApiException(ErrorCode.USER_NOT_FOUND, "not a member of this group"));
    }

    private void requireUsers(List<String> userIds) {
        for (String u : userIds) {
            if (accounts.byId(u).isEmpty()) throw new ApiException(ErrorCode.USER_NOT_FOUND, "no user " + u);
        }
    }

    /** Tells every node to refresh the chat's members, and the user concerned what happened. */
    private void changed(String chatId, String userId, String change, String role, String by, Long joinedSeq) {
        Frames.Membership frame = new Frames.Membership(chatId, userId, change, role, by, joinedSeq);
        bus.publish(new Event.MembershipChanged(chatId, List.of(userId), frame));
    }

    /** Posts the system message; its author, when still a member, has read it (before we answer). */
    private void system(Membership m, String actorId, SystemEvent event, String text) {
        var posted = messages.postSystem(m.chat().chatId(), actorId, event, text, m.memberIds());
        if (m.has(actorId)) receipts.senderHasRead(posted).join();
    }

    private String name(String userId) {
        return accounts.byId(userId).map(User::displayName).orElse("someone");
    }

    private String names(List<String> userIds) {
        List<String> n = userIds.stream().map(this::name).toList();
        if (n.size() == 1) return n.get(0);
        return String.join(", ", n.subList(0, n.size() - 1)) + " and " + n.get(n.size() - 1);
    }
}
