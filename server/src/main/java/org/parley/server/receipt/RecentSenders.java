package org.parley.server.receipt;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.parley.protocol.Model.Message;

/**
 * What this node has seen of each chat's newest messages, from the bus (every node hears every
 * new message): the highest seq, and for group chats who sent each of the last {@link #SPAN}
 * messages. Receipts ask it instead of the store: a group member's delivered receipt goes to
 * the senders of the messages it covers, and a profile of 100-member groups had over a third
 * of the cursor writer's time in that one query. It only answers what it knows for certain
 * (a run of seqs it saw without a gap); anything else returns null and the caller asks the store.
 */
final class RecentSenders {
    static final int SPAN = 128;
    private static final int CHATS = 20_000;

    /** One chat: the last seq seen and, for groups, the senders of seqs (last - known, last]. */
    private static final class Tail {
        long last;
        int known;
        String[] senders;
    }

    private final Map<String, Tail> chats = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tail> eldest) {
            return size() > CHATS;
        }
    };

    /** A new message of a chat with {@code members} members (senders are kept when over two). */
    synchronized void record(Message m, int members) {
        Tail t = chats.computeIfAbsent(m.chatId(), k -> new Tail());
        long seq = m.seq();
        if (seq <= t.last) return; // heard already
        boolean firstKept = members > 2 && t.senders == null;
        if (firstKept) t.senders = new String[SPAN];
        t.known = !firstKept && seq == t.last + 1 ? Math.min(t.known + 1, SPAN) : 1; // after a gap the run starts again
        t.last = seq;
        if (t.senders != null) t.senders[(int) (seq % SPAN)] = m.senderId();
    }

    /** The chat's last seq as far as this node has heard, or 0 when it has not. */
    synchronized long lastSeq(String chatId) {
        Tail t = chats.get(chatId);
        return t == null ? 0 : t.last;
    }

    /** Who sent the messages with seq in (fromSeq, toSeq], or null when that is not known here. */
    synchronized Set<String> senders(String chatId, long fromSeq, long toSeq) {
        Tail t = chats.get(chatId);
        if (t == null || t.senders == null || toSeq > t.last || fromSeq < t.last - t.known) return null;
        Set<String> out = new HashSet<>();
        for (long seq = fromSeq + 1; seq <= toSeq; seq++) out.add(t.senders[(int) (seq % SPAN)]);
        return out;
    }
}
