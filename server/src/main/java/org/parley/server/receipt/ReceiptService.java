package org.parley.server.receipt;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.parley.protocol.Frames.Receipt;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.MemberReceipt;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.Receipts;
import org.parley.protocol.Model.Status;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatService;
import org.parley.server.chat.ChatService.Membership;
import org.parley.server.chat.ChatStore;
import org.parley.server.delivery.Bus;
import org.parley.server.delivery.Event;
import org.parley.server.message.MessageStore;
import org.parley.server.receipt.CursorStore.Cursor;
import org.parley.server.receipt.CursorStore.Kind;
import org.parley.server.receipt.CursorStore.Mark;
import org.parley.server.receipt.CursorStore.Move;
import org.parley.server.store.GroupCommit;

/**
 * Delivered and read receipts as per-user, per-chat cursors. Moves are batched like
 * messages; each effective move is announced to the chat's members.
 */
public final class ReceiptService implements AutoCloseable {
    private final CursorStore cursors;
    private final ChatService chats;
    private final MessageStore messages;
    private final Bus bus;
    private final Clock clock;
    private final GroupCommit<Move, Boolean> writer;
    private final RecentSenders recent = new RecentSenders();

    public ReceiptService(CursorStore cursors, ChatService chats, MessageStore messages, Bus bus, Clock clock, int writerShards,
            int maxBatch, int lingerMicros, GroupCommit.Observer observer) {
        this.cursors = cursors;
        this.chats = chats;
        this.messages = messages;
        this.bus = bus;
        this.clock = clock;
        this.writer = new GroupCommit<>("cursors", writerShards, 100_000, maxBatch, lingerMicros, this::commit, (in, out) -> {}, observer);
        bus.subscribe(e -> {
            if (e instanceof Event.NewMessage m) recent.record(m.message(), m.memberIds().size());
        });
    }

    private List<Boolean> commit(List<Move> moves) {
        List<Mark> marks = cursors.advance(moves);
        for (Mark mark : marks) {
            try {
                // The mover may have left the group since: tell whoever is in it now.
                var membership = chats.membership(mark.chatId());
                if (membership.isEmpty()) continue;
                List<String> members = recipients(membership.get(), mark);
                if (members.isEmpty()) continue;
                bus.publish(new Event.CursorMoved(members, new Receipt(mark.chatId(), mark.userId(), mark.kind().name(), mark.upToSeq(), mark.at())));
            } catch (RuntimeException e) {
                // The moves are durable already; a receipt frame that could not be sent is seen on the next sync or history read.
                org.slf4j.LoggerFactory.getLogger(ReceiptService.class).warn("receipt for {} not announced: {}", mark.chatId(), e.toString());
            }
        }
        return moves.stream().map(m -> Boolean.TRUE).toList();
    }

    /**
     * Who hears that a cursor moved. In a 1:1 chat: the other member, and for reads the
     * mover's own devices (to clear unread counts). In a group only the senders of the
     * messages the move covers, plus the mover for reads: telling all 100 members about each
     * member's every receipt would cost 100 frames a receipt.
     */
    private List<String> recipients(Membership m, Mark mark) {
        List<String> members = m.memberIds();
        boolean read = mark.kind() == Kind.read;
        if (!m.chat().isGroup() || mark.fromSeq() < 0) {
            return read ? members : members.stream().filter(u -> !u.equals(mark.userId())).toList();
        }
        long from = m.has(mark.userId()) ? Math.max(mark.fromSeq(), m.joinedSeq(mark.userId())) : mark.fromSeq();
        java.util.Set<String> senders = recent.senders(mark.chatId(), from, mark.upToSeq());
        if (senders == null) senders = messages.senders(mark.chatId(), from, mark.upToSeq());
        senders.remove(mark.userId());
        if (read) senders.add(mark.userId());
        return members.stream().filter(senders::contains).toList();
    }

    /**
     * Moves the caller's cursor up to {@code upToSeq} (clamped to the chat's last message)
     * and waits until it is durable. Never moves a cursor back.
     */
    public void mark(Principal p, String chatId, Kind kind, long upToSeq) {
        GroupCommit.await(markAsync(p, chatId, kind, upToSeq));
    }

    /** {@link #mark} without waiting: completes once the move is durable. May read the store (the chat's head). */
    public CompletableFuture<Boolean> markAsync(Principal p, String chatId, Kind kind, long upToSeq) {
        chats.requireMember(chatId, p.userId());
        long clamped = upToSeq;
        if (upToSeq > recent.lastSeq(chatId)) { // not known to exist: as far as the store has it
            Message last = messages.lastMessages(List.of(chatId)).get(chatId);
            clamped = Math.min(upToSeq, last == null ? 0 : last.seq());
        }
        if (clamped <= 0) return CompletableFuture.completedFuture(false);
        return writer.submit(chatId, new Move(chatId, p.userId(), kind, clamped, clock.millis()));
    }

    /**
     * {@link #markAsync} when it reads nothing from the store (the chat's members cached, the
     * seq known to exist), so it may run on an event loop; null when it would read.
     */
    public CompletableFuture<Boolean> markIfNoRead(Principal p, String chatId, Kind kind, long upToSeq) {
        if (upToSeq <= 0 || upToSeq > recent.lastSeq(chatId) || chats.requireCachedMember(chatId, p.userId()) == null) return null;
        return writer.submit(chatId, new Move(chatId, p.userId(), kind, upToSeq, clock.millis()));
    }

    /** Sending a message means its sender has read the chat up to it. */
    public CompletableFuture<Boolean> senderHasRead(Message m) {
        return senderHasRead(m, true);
    }

    /**
     * As above; {@code news} false when the sender had read everything before this message
     * (it also sent the previous one), so the move tells the other members nothing.
     */
    public CompletableFuture<Boolean> senderHasRead(Message m, boolean news) {
        return writer.submit(m.chatId(), new Move(m.chatId(), m.senderId(), Kind.read, m.seq(), m.sentAt(), news));
    }

    /**
     * Fills status, deliveredAt and readAt on the viewer's own messages: delivered once every
     * other current member who was there when it was sent has it (at the latest of their
     * times), read likewise. System messages carry no status.
     */
    public List<Message> withStatus(String viewerId, Membership membership, List<Message> page) {
        if (page.stream().noneMatch(m -> m.senderId().equals(viewerId) && !m.bySystem())) return page;
        Timeline t = timeline(membership, page.get(0).seq(), page.get(page.size() - 1).seq());
        List<Message> out = new ArrayList<>(page.size());
        for (Message m : page) {
            if (!m.senderId().equals(viewerId) || m.bySystem()) {
                out.add(m);
                continue;
            }
            List<String> others = membership.members().stream()
                    .filter(x -> !x.userId().equals(viewerId) && x.joinedSeq() < m.seq()).map(ChatStore.Member::userId).toList();
            if (others.isEmpty()) {
                out.add(m.withStatus(Status.read, m.sentAt(), m.sentAt()));
                continue;
            }
            Long deliveredAt = latest(others, t, Kind.delivered, m.seq());
            Long readAt = latest(others, t, Kind.read, m.seq());
            Status status = readAt != null ? Status.read : deliveredAt != null ? Status.delivered : Status.sent;
            out.add(m.withStatus(status, deliveredAt, readAt));
        }
        return out;
    }

    /** For the sender: each other member's delivered and read time for one message. */
    public Receipts receipts(Principal p, String chatId, String msgId) {
        Membership membership = chats.requireMember(chatId, p.userId());
        org.parley.protocol.Validate.id("msgId", msgId);
        Message m = messages.byId(chatId, msgId)
                .orElseThrow(() -> new ApiException(ErrorCode.MESSAGE_NOT_FOUND, "no such message in this chat"));
        if (!m.senderId().equals(p.userId()) || m.bySystem()) {
            throw new ApiException(ErrorCode.NOT_SENDER, "only the sender can see a message's receipts");
        }
        Timeline t = timeline(membership, m.seq(), m.seq());
        List<MemberReceipt> out = new ArrayList<>();
        for (ChatStore.Member member : membership.members()) {
            if (member.userId().equals(p.userId()) || member.joinedSeq() >= m.seq()) continue;
            out.add(new MemberReceipt(member.userId(), t.reachedAt(member.userId(), Kind.delivered, m.seq()),
                    t.reachedAt(member.userId(), Kind.read, m.seq())));
        }
        return new Receipts(msgId, out);
    }

    /** Cursors and marks of a chat, enough to time messages with seqs in [lo, hi]. */
    private record Timeline(Map<String, Cursor> cursors, Map<String, List<Mark>> marks) {
        /** When {@code user}'s cursor of this kind first reached {@code seq}, or null. */
        Long reachedAt(String user, Kind kind, long seq) {
            Cursor c = cursors.get(user);
            long cursorSeq = c == null ? 0 : kind == Kind.read ? c.readSeq() : c.deliveredSeq();
            if (cursorSeq < seq) return null;
            List<Mark> list = marks.get(user + '|' + kind);
            if (list != null) for (Mark mark : list) if (mark.upToSeq() >= seq) return mark.at();
            return kind == Kind.read ? c.readAt() : c.deliveredAt();
        }
    }

    private Timeline timeline(Membership membership, long lo, long hi) {
        String chatId = membership.chat().chatId();
        Map<String, Cursor> byUser = new HashMap<>();
        for (Cursor c : cursors.ofChat(chatId)) byUser.put(c.userId(), c);
        Map<String, List<Mark>> marks = new HashMap<>();
        for (Mark mark : cursors.marks(chatId, lo, hi)) {
            marks.computeIfAbsent(mark.userId() + '|' + mark.kind(), k -> new ArrayList<>()).add(mark);
        }
        marks.values().forEach(l -> l.sort(Comparator.comparingLong(Mark::upToSeq)));
        return new Timeline(byUser, marks);
    }

    /** When the last of {@code users} reached {@code seq}, or null if one has not. */
    private static Long latest(List<String> users, Timeline t, Kind kind, long seq) {
        long latest = 0;
        for (String u : users) {
            Long at = t.reachedAt(u, kind, seq);
            if (at == null) return null;
            latest = Math.max(latest, at);
        }
        return latest;
    }

    @Override
    public void close() {
        writer.close();
    }
}
