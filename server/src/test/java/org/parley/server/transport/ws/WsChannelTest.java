package org.parley.server.transport.ws;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class WsChannelTest {
    /** Payloads across each of the three length forms of a frame's header, and their edges. */
    private static final List<byte[]> PAYLOADS = List.of("{\"type\":\"message\",\"seq\":1}".getBytes(UTF_8), new byte[0],
            "a".repeat(125).getBytes(UTF_8), "b".repeat(126).getBytes(UTF_8), "é".repeat(300).getBytes(UTF_8),
            "c".repeat(65_535).getBytes(UTF_8), "d".repeat(65_536).getBytes(UTF_8), "{\"type\":\"synced\",\"id\":\"s\",\"more\":false}".getBytes(UTF_8));

    @Test
    void framesWrittenTogetherLeaveAsTheSameBytesAsFramesWrittenOneByOne() {
        EmbeddedChannel together = channel(1 << 20);
        assertThat(new WsChannel(together, 1 << 20).writeTexts(PAYLOADS)).isEqualTo(PAYLOADS.size());
        EmbeddedChannel oneByOne = channel(1 << 20);
        PAYLOADS.forEach(new WsChannel(oneByOne, 1 << 20)::writeText);
        byte[] sent = sent(together);
        assertThat(sent).isEqualTo(sent(oneByOne));

        EmbeddedChannel device = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        device.writeInbound(Unpooled.wrappedBuffer(sent));
        List<String> texts = new ArrayList<>();
        for (TextWebSocketFrame f; (f = device.readInbound()) != null; f.release()) texts.add(f.text());
        assertThat(texts).containsExactlyElementsOf(PAYLOADS.stream().map(p -> new String(p, UTF_8)).toList());
    }

    @Test
    void framesWrittenTogetherStopAtTheOneThatPassesTheHighMarkAsFramesWrittenOneByOneDo() {
        List<byte[]> answer = Collections.nCopies(10, "m".repeat(600).getBytes(UTF_8)); // 602 bytes a frame with its header
        for (int highMark : new int[] {1_000, 1_500, 2_000, 4_000, 10_000}) {
            EmbeddedChannel channel = unflushed(highMark);
            int written = new WsChannel(channel, 1 << 20).writeTexts(answer);
            // frames go while the bytes before them are within the mark: the one that passes it is the last
            assertThat(written).as("high mark %d", highMark).isEqualTo(Math.min(answer.size(), highMark / 602 + 1));
            assertThat(channel.isWritable()).as("high mark %d", highMark).isEqualTo(written == answer.size() && 602 * written <= highMark);

            WsChannel oneByOne = new WsChannel(unflushed(highMark), 1 << 20);
            int taken = 0;
            while (taken < answer.size() && oneByOne.isWritable()) oneByOne.writeText(answer.get(taken++)); // DeviceSocket's way
            assertThat(written).as("as frame by frame, up to how the codec's buffers are counted").isBetween(taken, taken + 1);
        }
        WsChannel ws = new WsChannel(unflushed(1_000), 1 << 20);
        ws.writeTexts(answer);
        assertThat(ws.writeTexts(answer)).as("nothing more while the channel is over its mark").isZero();
    }

    @Test
    void nothingIsWrittenAfterTheCloseOrForNoFrames() {
        EmbeddedChannel channel = channel(1 << 20);
        WsChannel ws = new WsChannel(channel, 1 << 20);
        assertThat(ws.writeTexts(List.of())).isZero();
        channel.runPendingTasks();
        assertThat(channel.outboundMessages()).isEmpty();
        ws.close(1000, "bye");
        assertThat(ws.writeTexts(PAYLOADS)).isZero();
        channel.runPendingTasks();
        assertThat(channel.outboundMessages()).hasSize(1);
        EmbeddedChannel device = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        device.writeInbound((ByteBuf) channel.readOutbound());
        CloseWebSocketFrame close = device.readInbound();
        assertThat(close.statusCode()).isEqualTo(1000);
        close.release();
    }

    /** A node's side of a socket: the codec the node keeps, and a high mark for its outbound bytes. */
    private static EmbeddedChannel channel(int highMark) {
        EmbeddedChannel channel = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(Math.min(highMark / 2, 32 * 1024), highMark));
        return channel;
    }

    /**
     * A node's side of a socket whose writes wait unflushed, as they do until the event loop's
     * turn ends (an embedded channel would flush after each write).
     */
    private static EmbeddedChannel unflushed(int highMark) {
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {} // held
        }, new WebSocket13FrameEncoder(false));
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(highMark / 2, highMark));
        return channel;
    }

    /** The bytes the channel sent, flushed as the event loop would. */
    private static byte[] sent(EmbeddedChannel channel) {
        channel.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = channel.readOutbound()) != null; b.release()) all.writeBytes(b);
        return ByteBufUtil.getBytes(all);
    }
}
