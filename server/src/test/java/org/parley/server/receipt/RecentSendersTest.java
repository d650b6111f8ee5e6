package org.parley.server.receipt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.parley.protocol.Model.Message;

class RecentSendersTest {
    private final RecentSenders recent = new RecentSenders();

    private static Message message(String chatId, long seq, String senderId) {
        return new Message("m" + seq, chatId, seq, senderId, "c" + seq, Message.TEXT, "hi", null, null, 1_000L, null, null, null, null);
    }

    @Test
    void answersForARunOfSeqsItSawAndNothingElse() {
        recent.record(message("g", 1, "ann"), 5);
        recent.record(message("g", 2, "bob"), 5);
        recent.record(message("g", 3, "ann"), 5);
        recent.record(message("g", 4, "cy"), 5);
        assertEquals(Set.of("ann", "bob", "cy"), recent.senders("g", 0, 4));
        assertEquals(Set.of("bob", "ann"), recent.senders("g", 1, 3));
        assertEquals(Set.of(), recent.senders("g", 4, 4));
        assertNull(recent.senders("g", 3, 5), "seq 5 was not heard of here");
        assertNull(recent.senders("other", 0, 1));
        assertEquals(4, recent.lastSeq("g"));
        assertEquals(0, recent.lastSeq("other"));
    }

    @Test
    void aGapStartsTheRunAgainAndRepeatsChangeNothing() {
        recent.record(message("g", 1, "ann"), 3);
        recent.record(message("g", 2, "bob"), 3);
        recent.record(message("g", 5, "cy"), 3); // 3 and 4 went by elsewhere
        recent.record(message("g", 2, "zed"), 3); // heard twice
        assertNull(recent.senders("g", 1, 5), "3 and 4 are unknown");
        assertEquals(Set.of("cy"), recent.senders("g", 4, 5));
        recent.record(message("g", 6, "dee"), 3);
        assertEquals(Set.of("cy", "dee"), recent.senders("g", 4, 6));
    }

    @Test
    void keepsTheLastSpanOfAGroupAndOnlyTheHeadOfADirectChat() {
        for (int seq = 1; seq <= RecentSenders.SPAN + 10; seq++) recent.record(message("g", seq, "u" + seq), 10);
        long last = RecentSenders.SPAN + 10;
        assertEquals(Set.of("u" + last), recent.senders("g", last - 1, last));
        assertEquals(RecentSenders.SPAN, recent.senders("g", last - RecentSenders.SPAN, last).size());
        assertNull(recent.senders("g", last - RecentSenders.SPAN - 1, last), "older than the span");

        recent.record(message("d", 1, "ann"), 2);
        recent.record(message("d", 2, "bob"), 2);
        assertEquals(2, recent.lastSeq("d"));
        assertNull(recent.senders("d", 0, 2), "a 1:1 chat keeps no senders");
        recent.record(message("d", 3, "cy"), 3); // a third member: senders are kept from here on
        assertNull(recent.senders("d", 1, 3));
        assertEquals(Set.of("cy"), recent.senders("d", 2, 3));
    }
}
