package org.parley.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this device has: per chat, the highest seq received with nothing missing below it.
 * Sent on every (re)connect so the node sends only what was missed.
 */
public final class ChatCursors {
    /** What to do with an incoming message. */
    public enum Verdict {
        NEW, DUPLICATE, GAP
    }

    private final Map<String, Long> highest = new ConcurrentHashMap<>();

    public ChatCursors() {}

    public ChatCursors(Map<String, Long> initial) {
        highest.putAll(initial);
    }

    /**
     * NEW when seq is the next one, DUPLICATE when already had, GAP when some are missing. The
     * first message of a chat new to this device is NEW whatever its seq: the node decides
     * where a member's history starts.
     */
    public Verdict check(String chatId, long seq) {
        Long have = highest.get(chatId);
        if (have == null) return Verdict.NEW;
        if (seq <= have) return Verdict.DUPLICATE;
        return seq == have + 1 ? Verdict.NEW : Verdict.GAP;
    }

    public void advance(String chatId, long seq) {
        highest.merge(chatId, seq, Math::max);
    }

    public long get(String chatId) {
        return highest.getOrDefault(chatId, 0L);
    }

    public Map<String, Long> snapshot() {
        return Map.copyOf(highest);
    }
}
