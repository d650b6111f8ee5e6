package org.parley.server.transport.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's WebSocket on its own Netty channel. After the HTTP upgrade the node takes the
 * channel over from Vert.x: the WebSocket codec and this handler are all that stay in its
 * pipeline, so an idle socket costs the channel, the codec and a few small objects — no
 * per-connection message queues, no HTTP request kept alive — and a frame written is
 * one buffer handed to the codec. Everything here runs on the channel's event loop.
 *
 * <p>Frames a device sends are reassembled into whole messages (fragments included), at most
 * {@code maxMessageBytes}; pings are answered, the close handshake is carried out (the node
 * answers a close and then closes the TCP connection; a close the node starts waits at most
 * {@link #CLOSE_TIMEOUT_MS} for the device's answer). Writes are flushed once per turn of the
 * event loop, so several frames for one socket written in one burst leave in one system call.
 */
final class WsChannel extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(WsChannel.class);
    static final long CLOSE_TIMEOUT_MS = 10_000;
    private static final ByteBuf PING = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[] {'p'}).asReadOnly());

    /** What the socket's owner hears; all calls come on the channel's event loop. */
    interface Listener {
        /** A whole message arrived (its fragments joined); {@code binary} when it came as binary frames. */
        void onMessage(byte[] payload, boolean binary);

        /** A message grew past the limit; the rest of it is dropped. */
        void onTooBig();

        /** Any frame arrived (data, ping, pong or close): the device is alive. */
        void onHeard();

        /** The outbound buffer drained below its low mark after being full. */
        void onWritable();

        /** The connection is gone (whoever closed it). Called once. */
        void onClosed();
    }

    private final Channel channel;
    private final int maxMessageBytes;
    private Listener listener;
    private ByteBuf partial;
    private boolean partialBinary;
    private boolean closeSent;
    private boolean flushScheduled;
    private boolean gone;
    private final Runnable flush = this::flushNow;

    WsChannel(Channel channel, int maxMessageBytes) { // package-private for tests on an embedded channel
        this.channel = channel;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Why an upgrade request was refused: the HTTP status and a plain-text body. */
    record Refusal(int status, String body, Map<String, String> headers) {}

    /**
     * Checks that {@code req} is a WebSocket upgrade this node speaks (RFC 6455, version 13);
     * null when it is, else how to answer it.
     */
    static Refusal check(HttpServerRequest req) {
        if (!(req.connection() instanceof io.vertx.core.http.impl.HttpServerConnection) || req.version() != io.vertx.core.http.HttpVersion.HTTP_1_1) {
            return new Refusal(400, "WebSocket upgrades need HTTP/1.1", Map.of());
        }
        if (!hasToken(req, "Connection", "upgrade") || req.headers().getAll("Upgrade").stream().noneMatch(v -> v.trim().equalsIgnoreCase("websocket"))) {
            return new Refusal(400, "not a WebSocket upgrade: Connection: Upgrade and Upgrade: websocket are required", Map.of());
        }
        String length = req.getHeader("Content-Length");
        if (req.getHeader("Transfer-Encoding") != null || (length != null && !length.trim().equals("0"))) {
            return new Refusal(400, "a WebSocket upgrade has no body", Map.of()); // nothing may sit between the request and the first frame
        }
        String version = req.getHeader("Sec-WebSocket-Version");
        if (version == null || !version.trim().equals("13")) {
            return new Refusal(426, "", Map.of("Sec-WebSocket-Version", "13")); // RFC 6455 §4.4
        }
        String key = req.getHeader("Sec-WebSocket-Key");
        if (key == null || key.isBlank()) return new Refusal(400, "not a WebSocket upgrade: Sec-WebSocket-Key is missing", Map.of());
        return null;
    }

    /** Whether a comma-separated header has {@code token} among its values (case-insensitive). */
    private static boolean hasToken(HttpServerRequest req, String header, String token) {
        for (String value : req.headers().getAll(header)) {
            for (String part : value.split(",")) {
                if (part.trim().equalsIgnoreCase(token)) return true;
            }
        }
        return false;
    }

    /**
     * Answers the upgrade (101) and takes the request's channel over from Vert.x. Call on the
     * request's event loop, after {@link #check} passed; the listener must be set with
     * {@link #listen} before the event loop turns. Null when the device hung up meanwhile.
     */
    static WsChannel upgrade(HttpServerRequest req, int maxMessageBytes, int outboundQueueBytes) {
        var connection = (io.vertx.core.http.impl.HttpServerConnection) req.connection();
        Channel channel = connection.channelHandlerContext().channel();
        ChannelPipeline pipeline = channel.pipeline();
        if (!channel.isActive() || pipeline.get(io.vertx.core.net.impl.VertxHandler.class) == null) return null;
        // A socket is watched by the node's own heartbeat (ping, then close after silence).
        if (pipeline.get(IdleStateHandler.class) != null) pipeline.remove(IdleStateHandler.class);
        // No extension is negotiated (permessage-deflate would cost each socket a compressor's
        // window, hundreds of KB, for frames of a few hundred bytes).
        if (pipeline.get(WebSocketServerExtensionHandler.class) != null) pipeline.remove(WebSocketServerExtensionHandler.class);
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxMessageBytes * 4L > Integer.MAX_VALUE ? Integer.MAX_VALUE : maxMessageBytes * 4)
                .allowExtensions(false).expectMaskedFrames(true).allowMaskMismatch(false)
                .closeOnProtocolViolation(true).withUTF8Validator(false).build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshaker13(null, null, decoder);
        handshaker.handshake(channel, nettyRequest(req), null, channel.newPromise())
                .addListener(f -> { if (!f.isSuccess()) channel.close(); });
        // The decoder answers a protocol violation with a close frame written from its own place
        // in the pipeline: the encoder must sit between it and the socket to encode that frame.
        pipeline.remove("wsencoder");
        pipeline.addBefore("wsdecoder", "wsencoder", new WebSocket13FrameEncoder(false));
        WsChannel ws = new WsChannel(channel, maxMessageBytes);
        // Vert.x's connection handler leaves the pipeline; the HTTP connection object goes with it.
        pipeline.replace(io.vertx.core.net.impl.VertxHandler.class, "parley-ws", ws);
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(outboundQueueBytes / 2, outboundQueueBytes));
        channel.config().setAutoRead(true); // the request was paused while its token was checked
        return ws;
    }

    private static FullHttpRequest nettyRequest(HttpServerRequest req) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(req.method().name()), req.uri(), Unpooled.EMPTY_BUFFER);
        for (Map.Entry<String, String> h : req.headers()) r.headers().add(h.getKey(), h.getValue());
        return r;
    }

    void listen(Listener listener) {
        this.listener = listener;
        if (!channel.isActive() && !gone) { // the device hung up while its token was being checked
            gone = true;
            listener.onClosed();
        }
    }

    // ---- outbound ----

    /** False while the outbound buffer is over its high mark (the reader is behind). */
    boolean isWritable() {
        return channel.isWritable();
    }

    boolean isOpen() {
        return !gone && !closeSent && channel.isActive();
    }

    /** A text frame of these UTF-8 bytes, which may be shared with other sockets (they are only read). */
    void writeText(byte[] utf8) {
        if (!isOpen()) return;
        channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(utf8)), channel.voidPromise());
        scheduleFlush();
    }

    /**
     * Text frames of these UTF-8 payloads, in this order, framed here into one buffer: one pass
     * down the pipeline and one entry in the outbound buffer for all of them, where {@link
     * #writeText} takes one each (a sync's answer is up to a batch of messages). The codec lets
     * a buffer through as it is; frames from a server are not masked (RFC 6455, 5.1). Takes the
     * frames {@link #writeText} would have taken one by one while the channel stayed writable:
     * up to and including the one that passes the high mark. Returns how many it wrote; the
     * caller keeps the rest.
     */
    int writeTexts(List<byte[]> utf8) {
        if (!isOpen() || !channel.isWritable()) return 0;
        long room = channel.bytesBeforeUnwritable();
        int count = 0, size = 0;
        for (byte[] payload : utf8) {
            if (count > 0 && size >= room) break; // the frame before passed the high mark
            size += headerLength(payload.length) + payload.length;
            count++;
        }
        if (count == 0) return 0;
        byte[] frames = new byte[size]; // an array: a pooled buffer's byte-by-byte writes cost as much as one buffer saves (benchmarks.md, 35)
        int at = 0;
        for (byte[] payload : utf8.subList(0, count)) {
            int n = payload.length;
            frames[at++] = (byte) 0x81; // FIN, text
            if (n < 126) {
                frames[at++] = (byte) n;
            } else if (n <= 0xFFFF) {
                frames[at++] = 126;
                frames[at++] = (byte) (n >>> 8);
                frames[at++] = (byte) n;
            } else {
                frames[at++] = 127;
                for (int shift = 56; shift >= 0; shift -= 8) frames[at++] = (byte) ((long) n >>> shift);
            }
            System.arraycopy(payload, 0, frames, at, n);
            at += n;
        }
        channel.write(Unpooled.wrappedBuffer(frames), channel.voidPromise());
        scheduleFlush();
        return count;
    }

    /** The bytes of a server frame's header before a payload of {@code n} bytes (RFC 6455, 5.2). */
    private static int headerLength(int n) {
        return n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    }

    void ping() {
        if (!isOpen()) return;
        channel.write(new PingWebSocketFrame(PING.duplicate()), channel.voidPromise());
        scheduleFlush();
    }

    /** Starts the close handshake; the connection ends when the device answers, or after {@link #CLOSE_TIMEOUT_MS}. */
    void close(int code, String reason) {
        if (closeSent || gone) return;
        closeSent = true;
        channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        closeLater();
    }

    private void closeLater() {
        channel.eventLoop().schedule(() -> {
            if (channel.isActive()) channel.close();
        }, CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private void scheduleFlush() {
        if (flushScheduled) return;
        flushScheduled = true;
        channel.eventLoop().execute(flush); // after the writes of this turn of the loop
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    // ---- inbound ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (listener != null) listener.onHeard();
            switch (frame) {
                case TextWebSocketFrame t -> start(t, false);
                case BinaryWebSocketFrame b -> start(b, true);
                case ContinuationWebSocketFrame c -> append(c);
                case PingWebSocketFrame p -> { // a reader that is behind gets no pongs (answering only some pings is allowed)
                    if (!closeSent && channel.isWritable()) ctx.writeAndFlush(new PongWebSocketFrame(p.content().retain()), channel.voidPromise());
                }
                case PongWebSocketFrame p -> { } // heard; nothing else to do
                case CloseWebSocketFrame c -> onClose(ctx, c);
                default -> { }
            }
        } finally {
            frame.release();
        }
    }

    private void start(WebSocketFrame f, boolean binary) {
        dropPartial();
        partialBinary = binary;
        if (f.isFinalFragment()) {
            deliver(f.content());
        } else {
            partial = channel.alloc().buffer(Math.min(maxMessageBytes + 1, Math.max(256, f.content().readableBytes() * 2)));
            add(f.content());
        }
    }

    private void append(ContinuationWebSocketFrame c) {
        if (partial == null) return; // a continuation without a start, or the rest of a message over the limit
        add(c.content());
        if (partial != null && c.isFinalFragment()) {
            ByteBuf whole = partial;
            partial = null;
            try {
                deliver(whole);
            } finally {
                whole.release();
            }
        }
    }

    private void add(ByteBuf content) {
        if (partial.readableBytes() + content.readableBytes() > maxMessageBytes) {
            dropPartial();
            if (listener != null) listener.onTooBig();
            return;
        }
        partial.writeBytes(content, content.readerIndex(), content.readableBytes());
    }

    private void deliver(ByteBuf content) {
        if (content.readableBytes() > maxMessageBytes) {
            if (listener != null) listener.onTooBig();
            return;
        }
        if (listener != null && !closeSent) listener.onMessage(ByteBufUtil.getBytes(content), partialBinary);
    }

    private void dropPartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    private void onClose(ChannelHandlerContext ctx, CloseWebSocketFrame c) {
        if (closeSent) { // the device answered the node's close: the node closes TCP first (RFC 6455 §7.1.1)
            ctx.close();
            return;
        }
        closeSent = true;
        int code = c.statusCode();
        CloseWebSocketFrame answer = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, "");
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        closeLater(); // a device that no longer reads would keep the answer from ever leaving
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable() && listener != null && !gone) listener.onWritable();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Vert.x announces a server shutdown to every channel it accepted; the node closes
        // its sockets itself (1001) before it stops the servers, so there is nothing to add.
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        dropPartial();
        if (gone) return;
        gone = true;
        if (listener != null) listener.onClosed();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropPartial();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException || cause instanceof java.io.IOException) {
            log.debug("socket {} failed: {}", channel.remoteAddress(), cause.toString()); // the peer's doing
        } else {
            log.warn("socket {} failed", channel.remoteAddress(), cause);
        }
        ctx.close();
    }
}
