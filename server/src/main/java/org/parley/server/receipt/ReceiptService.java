package org.parley.server.receipt;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.parley.protocol.Frames.Receipt;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.Status;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatService;
import org.parley.server.chat.ChatService.Membership;
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

    public ReceiptService(CursorStore cursors, ChatService chats, MessageStore messages, Bus bus, Clock clock, int writerShards,
            int maxBatch, GroupCommit.Observer observer) {
        this.cursors = cursors;
        this.chats = chats;
        this.messages = messages;
        this.bus = bus;
        this.clock = clock;
        this.writer = new GroupCommit<>("cursors", writerShards, 100_000, maxBatch, this::commit, (in, out) -> {}, observer);
    }

    private List<Boolean> commit(List<Move> moves) {
        List<Mark> marks = cursors.advance(moves);
        for (Mark mark : marks) {
            List<String> members = chats.requireMember(mark.chatId(), mark.userId()).memberIds();
            bus.publish(new Event.CursorMoved(members, new Receipt(mark.chatId(), mark.userId(), mark.kind().name(), mark.upToSeq(), mark.at())));
        }
        return moves.stream().map(m -> Boolean.TRUE).toList();
    }

    /**
     * Moves the caller's cursor up to {@code upToSeq} (clamped to the chat's last message)
     * and waits until it is durable. Never moves a cursor back.
     */
    public void mark(Principal p, String chatId, Kind kind, long upToSeq) {
        try {
            markAsync(p, chatId, kind, upToSeq).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /** {@link #mark} without waiting: completes once the move is durable. Reads the store. */
    public CompletableFuture<Boolean> markAsync(Principal p, String chatId, Kind kind, long upToSeq) {
        chats.requireMember(chatId, p.userId());
        Message last = messages.lastMessages(List.of(chatId)).get(chatId);
        long clamped = Math.min(upToSeq, last == null ? 0 : last.seq());
        if (clamped <= 0) return CompletableFuture.completedFuture(false);
        return writer.submit(chatId, new Move(chatId, p.userId(), kind, clamped, clock.millis()));
    }

    /** Sending a message means its sender has read the chat up to it. */
    public CompletableFuture<Boolean> senderHasRead(Message m) {
        return writer.submit(m.chatId(), new Move(m.chatId(), m.senderId(), Kind.read, m.seq(), m.sentAt()));
    }

    /**
     * Fills status, deliveredAt and readAt on the viewer's own messages: delivered once every
     * other member's delivered cursor reached it (at the latest of their times), read likewise.
     */
    public List<Message> withStatus(String viewerId, Membership membership, List<Message> page) {
        if (page.stream().noneMatch(m -> m.senderId().equals(viewerId))) return page;
        List<String> others = membership.memberIds().stream().filter(u -> !u.equals(viewerId)).toList();
        if (others.isEmpty()) {
            return page.stream().map(m -> m.senderId().equals(viewerId) ? m.withStatus(Status.read, m.sentAt(), m.sentAt()) : m).toList();
        }
        String chatId = membership.chat().chatId();
        Map<String, Cursor> byUser = new HashMap<>();
        for (Cursor c : cursors.ofChat(chatId)) byUser.put(c.userId(), c);
        long lo = page.get(0).seq();
        long hi = page.get(page.size() - 1).seq();
        Map<String, List<Mark>> marks = new HashMap<>();
        for (Mark mark : cursors.marks(chatId, lo, hi)) {
            marks.computeIfAbsent(mark.userId() + '|' + mark.kind(), k -> new ArrayList<>()).add(mark);
        }
        marks.values().forEach(l -> l.sort(Comparator.comparingLong(Mark::upToSeq)));

        List<Message> out = new ArrayList<>(page.size());
        for (Message m : page) {
            if (!m.senderId().equals(viewerId)) {
                out.add(m);
                continue;
            }
            Long deliveredAt = reachedAt(others, byUser, marks, Kind.delivered, m.seq());
            Long readAt = reachedAt(others, byUser, marks, Kind.read, m.seq());
            Status status = readAt != null ? Status.read : deliveredAt != null ? Status.delivered : Status.sent;
            out.add(m.withStatus(status, deliveredAt, readAt));
        }
        return out;
    }

    /** When the last of {@code users} reached {@code seq}, or null if one has not. */
    private static Long reachedAt(List<String> users, Map<String, Cursor> byUser, Map<String, List<Mark>> marks, Kind kind, long seq) {
        long latest = 0;
        for (String u : users) {
            Cursor c = byUser.get(u);
            long cursorSeq = c == null ? 0 : kind == Kind.read ? c.readSeq() : c.deliveredSeq();
            if (cursorSeq < seq) return null;
            long at = kind == Kind.read ? c.readAt() : c.deliveredAt();
            List<Mark> list = marks.get(u + '|' + kind);
            if (list != null) {
                for (Mark mark : list) {
                    if (mark.upToSeq() >= seq) {
                        at = mark.at();
                        break;
                    }
                }
            }
            latest = Math.max(latest, at);
        }
        return latest;
    }

    @Override
    public void close() {
        writer.close();
    }
}
