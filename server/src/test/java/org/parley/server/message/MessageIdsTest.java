package org.parley.server.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.parley.server.app.Ids;

class MessageIdsTest {

    @Test
    void theSameSendGetsTheSameIdAndAnyOtherValueAnother() {
        String id = MessageIds.of("chat", "alice", "5d0e8f2c-7b1a-4c39-9e64-0f3b2a1d8c77");
        assertThat(MessageIds.of("chat", "alice", "5d0e8f2c-7b1a-4c39-9e64-0f3b2a1d8c77")).isEqualTo(id);
        assertThat(Set.of(id, MessageIds.of("chat2", "alice", "5d0e8f2c-7b1a-4c39-9e64-0f3b2a1d8c77"),
                MessageIds.of("chat", "bob", "5d0e8f2c-7b1a-4c39-9e64-0f3b2a1d8c77"), MessageIds.of("chat", "alice", "5d0e8f2c")))
                .as("each of the three values counts").hasSize(4);
        assertThat(MessageIds.of("ab", "c", "d")).as("where one value ends and the next begins counts too")
                .isNotEqualTo(MessageIds.of("a", "bc", "d")).isNotEqualTo(MessageIds.of("abc", "", "d"));
    }

    @Test
    void idsLookLikeEveryIdOfTheNodeButNeverLikeOnesMadeFromTheClock() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            String id = MessageIds.of("chat" + (i % 7), "user" + (i % 3), UUID.randomUUID().toString());
            assertThat(id).matches("[A-Za-z0-9_-]{22}").doesNotStartWith("A");
            seen.add(id);
        }
        assertThat(seen).hasSize(20_000);
        // what migration 11's partial index counts on: messages stored before it have ids of the clock
        for (Instant at : new Instant[] {Instant.EPOCH, Instant.parse("2026-11-27T00:00:00Z"), Instant.parse("2109-01-01T00:00:00Z")}) {
            assertThat(new Ids(Clock.fixed(at, ZoneOffset.UTC)).next()).startsWith("A");
        }
    }
}
