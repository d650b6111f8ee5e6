package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FramesTest {
    @Test
    void readsTheFieldsTheDriverNeeds() {
        String frame = "{\"type\":\"message\",\"msgId\":\"m1\",\"chatId\":\"c9\",\"seq\":1234,\"senderId\":\"u\",\"clientMsgId\":\"b7-99\",\"kind\":\"text\",\"text\":\"5550001\",\"sentAt\":17}";
        assertThat(Frames.is(frame, "message")).isTrue();
        assertThat(Frames.is(frame, "ack")).isFalse();
        assertThat(Frames.string(frame, "chatId")).isEqualTo("c9");
        assertThat(Frames.number(frame, "seq")).isEqualTo(1234);
        assertThat(Frames.string(frame, "text")).isEqualTo("5550001");
        assertThat(Frames.string(frame, "replyTo")).isNull();
        assertThat(Frames.count("{\"messages\":[{\"seq\":1},{\"seq\":2}]}", "seq")).isEqualTo(2);
    }
}
