package org.parley.server.message;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Media;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.MessagePage;
import org.parley.protocol.Model.SystemEvent;
import org.parley.protocol.Requests.SendMessageRequest;
import org.parley.server.app.Ids;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatService;
import org.parley.server.chat.ChatService.Membership;
import org.parley.server.delivery.Bus;
import org.parley.server.delivery.Event;
import org.parley.server.message.MessageStore.Appended;
import org.parley.server.message.MessageStore.NewMessage;
import org.parley.server.receipt.ReceiptService;
import org.parley.server.media.MediaStore;
import org.parley.server.store.Database;
import org.parley.server.store.GroupCommit;
import org.parley.server.store.StoreException;

/**
 * Sending and reading messages. A send is acknowledged only after its batch is committed;
 * each chat has one writer, which publishes new messages in seq order right after commit.
 */
public final class MessageService implements AutoCloseable {
    public static final int MAX_PAGE = 200;
    /** How long a sync waits for its turn before it fails with STORE_UNAVAILABLE. */
    static final int SYNC_WAIT_SECONDS = 60;

    /** A stored message and whether the send was a repeat of an earlier clientMsgId. */
    public record Sent(Message message, boolean duplicate) {}

    /** Messages a reconnecting device missed; {@code more} when the budget ran out first. */
    public record SyncBatch(List<Message> messages, boolean more) {}

    private record Outgoing(NewMessage message, List<String> memberIds, String originSocketId) {}

    private final MessageStore store;
    private final ChatService chats;
    private final ReceiptService receipts;
    private final Bus bus;
    private final Ids ids;
    private final Clock clock;
    private final GroupCommit<Outgoing, Appended> writer;
    private final MediaStore media;
    private final Database db;
    private final Semaphore syncs;
    private volatile long syncWaitMillis = SYNC_WAIT_SECONDS * 1000L;

    public MessageService(Database db, MessageStore store, ChatService chats, ReceiptService receipts, MediaStore media, Bus bus,
            Ids ids, Clock clock, int writerShards, int maxBatch, int lingerMicros, GroupCommit.Observer observer) {
        this.db = db;
        this.syncs = new Semaphore(db.readCapacity(), true);
        this.store = store;
        this.media = media;
        this.chats = chats;
        this.receipts = receipts;
        this.bus = bus;
        this.ids = ids;
        this.clock = clock;
        this.writer = new GroupCommit<>("messages", writerShards, 100_000, maxBatch, lingerMicros,
                batch -> store.append(batch.stream().map(Outgoing::message).toList()), this::published, observer);
    }

    /** Runs on the chat's writer thread, in commit order. */
    private void published(List<Outgoing> batch, List<Appended> results) {
        for (int i = 0; i < batch.size(); i++) {
            Appended a = results.get(i);
            if (a.duplicate()) continue;
            Outgoing o = batch.get(i);
            Message m = a.message();
            bus.publish(new Event.NewMessage(o.memberIds(), m, o.originSocketId()));
            // Whether the sender's read of its own message is news: not when it sent the one before too.
            if (m.bySystem()) { // its author's read is announced later, by GroupService
                lastSender.remove(m.chatId());
                continue;
            }
            String previous = lastSender.put(m.chatId(), m.senderId() + '#' + m.seq());
            boolean news = previous == null || !previous.equals(m.senderId() + '#' + (m.seq() - 1));
            receipts.senderHasRead(m, news);
        }
    }

    /** Per chat, who sent its last message (sender#seq); bounded, a miss only costs a receipt. */
    private final Map<String, String> lastSender = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 100_000;
        }
    });

    /**
     * Queues a send; completes when the message is durable (or was already). A send over a
     * socket ({@code originSocketId}) gets its ack there, so only that socket is not sent the
     * message again; for a REST send (null) every socket gets it.
     */
    public CompletableFuture<Sent> send(Principal p, String chatId, SendMessageRequest request, String originSocketId) {
        return send(p, chatId, chats.requireMember(chatId, p.userId()), request, originSocketId);
    }

    /**
     * {@link #send} when it reads nothing from the store (the chat's members cached, no reply
     * to look up, no media), so it may run on an event loop; null when it would read.
     */
    public CompletableFuture<Sent> sendIfNoRead(Principal p, String chatId, SendMessageRequest request, String originSocketId) {
        if (request.replyTo() != null || request.mediaId() != null) return null;
        Membership m = chats.requireCachedMember(chatId, p.userId());
        return m == null ? null : send(p, chatId, m, request, originSocketId);
    }

    private CompletableFuture<Sent> send(Principal p, String chatId, Membership m, SendMessageRequest request, String originSocketId) {
        if (m.chat().onlyAdminsSend() && !m.member(p.userId()).isAdmin()) {
            throw new ApiException(ErrorCode.NOT_ADMIN, "only admins can send in this group");
        }
        if (request.replyTo() != null && store.byId(chatId, request.replyTo()).isEmpty()) {
            throw new ApiException(ErrorCode.REPLY_NOT_FOUND, "replyTo is not a message of this chat");
        }
        Media attached = null;
        if (request.mediaId() != null) { // one's own upload; anything else is as good as missing
            attached = media.find(request.mediaId()).filter(s -> s.ownerId().equals(p.userId())).map(MediaStore.Stored::media)
                    .orElseThrow(() -> new ApiException(ErrorCode.MEDIA_NOT_FOUND, "mediaId is not one of your uploads"));
        }
        NewMessage message = new NewMessage(chatId, p.userId(), request.clientMsgId(),
                attached == null ? Message.TEXT : attached.kind(), request.body(), null, request.replyTo(), clock.millis(), attached);
        return writer.submit(chatId, new Outgoing(message, m.memberIds(), originSocketId))
                .thenApply(a -> new Sent(a.message(), a.duplicate()));
    }

    /**
     * Appends a system message (a membership or settings change) to the chat's own log, so
     * every member sees one history; waits until it is durable and delivered to {@code memberIds}.
     */
    public Message postSystem(String chatId, String actorId, SystemEvent event, String text, List<String> memberIds) {
        NewMessage message = new NewMessage(chatId, actorId, "sys-" + ids.next(), Message.SYSTEM, text, event, null, clock.millis(), null);
        return GroupCommit.await(writer.submit(chatId, new Outgoing(message, memberIds, null))).message();
    }

    /** {@link #send} for callers on a virtual thread: waits for durability. */
    public Sent sendAndWait(Principal p, String chatId, SendMessageRequest request) {
        return GroupCommit.await(send(p, chatId, request, null));
    }

    /**
     * A page of history. With {@code after}: the oldest messages after it; otherwise the
     * newest before {@code before} (or the newest of all). Ascending by seq either way.
     */
    public MessagePage history(Principal p, String chatId, Integer limit, Long before, Long after) {
        Membership m = chats.requireMember(chatId, p.userId());
        int n = limit == null ? 50 : limit;
        if (n < 1 || n > MAX_PAGE) throw ApiException.invalid("limit must be 1.." + MAX_PAGE);
        if (before != null && after != null) throw ApiException.invalid("give before or after, not both");
        if ((before != null && before < 0) || (after != null && after < 0)) throw ApiException.invalid("before/after must be >= 0");
        long floor = m.joinedSeq(p.userId());
        List<Message> page;
        boolean hasMore;
        if (after != null) {
            page = store.after(chatId, Math.max(after, floor), n + 1);
            hasMore = page.size() > n;
            if (hasMore) page = page.subList(0, n);
        } else {
            page = store.before(chatId, before == null ? Long.MAX_VALUE : before, floor, n + 1);
            hasMore = page.size() > n;
            if (hasMore) page = page.subList(1, page.size());
        }
        return new MessagePage(receipts.withStatus(p.userId(), m, page), hasMore);
    }

    /**
     * Messages after the device's per-chat cursors (absent chats from where the member's
     * history starts): at most {@code budget} messages and about {@code maxBytes} of text, read
     * on one store connection. At most {@link Database#readCapacity} syncs run at once; the
     * rest wait their turn in arrival order (a reconnect storm queues here, not in the store's
     * pool, whose wait is short), up to {@link #SYNC_WAIT_SECONDS}: a store that stopped
     * answering still ends in STORE_UNAVAILABLE. Null when {@code wanted} says no once its turn
     * came (its socket closed meanwhile).
     */
    public SyncBatch sync(Principal p, Map<String, Long> cursors, int budget, long maxBytes, BooleanSupplier wanted) {
        try {
            if (!syncs.tryAcquire(syncWaitMillis, TimeUnit.MILLISECONDS)) {
                throw new StoreException("the store is busy: this sync waited " + syncWaitMillis + " ms for its turn", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down");
        }
        try {
            if (!wanted.getAsBoolean()) return null;
            return db.readTogether(() -> missed(p.userId(), cursors, budget, maxBytes));
        } finally {
            syncs.release();
        }
    }

    /** Shortens a sync's wait for its turn (tests). */
    void syncWaitMillis(long millis) {
        this.syncWaitMillis = millis;
    }

    /** Syncs waiting for their turn (a gauge: a reconnect storm shows here). */
    public int syncsWaiting() {
        return syncs.getQueueLength();
    }

    private SyncBatch missed(String userId, Map<String, Long> cursors, int budget, long maxBytes) {
        List<Message> out = new ArrayList<>();
        long bytes = 0;
        for (MessageStore.Head head : store.headsOf(userId)) {
            long cursor = cursors.getOrDefault(head.chatId(), 0L);
            if (head.lastSeq() <= cursor) continue;
            int room = budget - out.size();
            if (room <= 0 || bytes >= maxBytes) return new SyncBatch(out, true);
            List<Message> missed = store.after(head.chatId(), Math.max(cursor, head.joinedSeq()), room);
            for (Message msg : missed) {
                if (bytes >= maxBytes) return new SyncBatch(out, true); // the first message always fits
                out.add(msg);
                // text (or caption) plus the frame's other fields, roughly; a media description is about as much again
                bytes += (msg.text() == null ? 0 : msg.text().length()) + (msg.media() == null ? 200 : 500);
            }
            if (!missed.isEmpty() && missed.get(missed.size() - 1).seq() < head.lastSeq()) return new SyncBatch(out, true);
        }
        return new SyncBatch(out, false);
    }

    /** Commits what is queued, then stops the writers. */
    @Override
    public void close() {
        writer.close();
    }
}
