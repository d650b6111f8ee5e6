package org.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatCursorsTest {
    @Test
    void tellsNewFromDuplicateFromGap() {
        ChatCursors c = new ChatCursors(Map.of("a", 5L));
        assertThat(c.check("a", 6)).isEqualTo(ChatCursors.Verdict.NEW);
        assertThat(c.check("a", 5)).isEqualTo(ChatCursors.Verdict.DUPLICATE);
        assertThat(c.check("a", 8)).isEqualTo(ChatCursors.Verdict.GAP);
        assertThat(c.check("new-chat", 1)).isEqualTo(ChatCursors.Verdict.NEW);
        assertThat(c.check("joined-late", 40)).as("history starts where the node says").isEqualTo(ChatCursors.Verdict.NEW);
        c.advance("a", 6);
        c.advance("a", 4);
        assertThat(c.get("a")).as("never moves back").isEqualTo(6);
        assertThat(c.snapshot()).containsEntry("a", 6L);
    }
}
