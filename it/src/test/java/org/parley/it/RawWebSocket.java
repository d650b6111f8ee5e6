package org.parley.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A bare RFC 6455 client over a plain socket: sends any bytes (invalid UTF-8, oversized or
 * binary frames), and can simply stop reading to play a stalled device.
 */
final class RawWebSocket implements AutoCloseable {
    static final int CONTINUATION = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;
    /** The headers of a proper RFC 6455 upgrade, each line ending in CRLF. */
    private static final String UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";

    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame. */
        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final SecureRandom random = new SecureRandom();
    final int httpStatus;
    /** The handshake answer's headers, names in lower case. */
    final java.util.Map<String, String> headers;
    /** Answer the node's pings (a live device does); false plays a device whose link went silent. */
    volatile boolean answerPings = true;

    private RawWebSocket(Socket socket, DataInputStream in, OutputStream out, int httpStatus, java.util.Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.httpStatus = httpStatus;
        this.headers = headers;
    }

    /** Opens the socket; {@code httpStatus} is 101 when upgraded (else the refusal's status). */
    static RawWebSocket open(int port, String pathAndQuery, String bearer) throws IOException {
        return open(port, pathAndQuery, bearer, UPGRADE);
    }

    /** Opens with the given upgrade headers (each line ending in CRLF), to try handshakes the node must refuse. */
    static RawWebSocket open(int port, String pathAndQuery, String bearer, String upgradeHeaders) throws IOException {
        return open(port, pathAndQuery, bearer, upgradeHeaders, 0);
    }

    /**
     * Opens with a small fixed receive buffer (the kernel's own can grow to tens of MB on
     * loopback), so a device that stops reading makes the node queue what it sends.
     */
    static RawWebSocket openWithSmallBuffer(int port, String pathAndQuery, String bearer) throws IOException {
        return open(port, pathAndQuery, bearer, UPGRADE, 64 * 1024);
    }

    private static RawWebSocket open(int port, String pathAndQuery, String bearer, String upgradeHeaders, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) socket.setReceiveBufferSize(receiveBuffer); // before connecting, so the window stays small
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(15_000);
        OutputStream out = socket.getOutputStream();
        String key = Base64.getEncoder().encodeToString(new byte[16]);
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + upgradeHeaders
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + (bearer != null ? "Authorization: Bearer " + bearer + "\r\n" : "") + "\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        String status = readLine(in);
        java.util.Map<String, String> headers = new java.util.HashMap<>();
        for (String line; !(line = readLine(in)).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon > 0) headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        return new RawWebSocket(socket, in, out, code, headers);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') if (b != '\r') line.write(b);
        return line.toString(StandardCharsets.US_ASCII);
    }

    void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    void send(int opcode, byte[] payload) throws IOException {
        send(opcode, payload, true);
    }

    /** One frame; {@code fin=false} starts or continues a fragmented message (opcode 0 continues it). */
    void send(int opcode, byte[] payload, boolean fin) throws IOException {
        send(opcode, payload, fin, true);
    }

    /** {@code masked=false} breaks RFC 6455 (clients must mask), to see the node refuse it. */
    synchronized void send(int opcode, byte[] payload, boolean fin, boolean masked) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write((fin ? 0x80 : 0) | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(maskBit | 127);
            for (int i = 7; i >= 0; i--) f.write((int) ((long) payload.length >>> (8 * i)));
        }
        byte[] mask = new byte[4];
        if (masked) {
            random.nextBytes(mask);
            f.write(mask);
        }
        for (int i = 0; i < payload.length; i++) f.write(payload[i] ^ mask[i & 3]);
        out.write(f.toByteArray());
        out.flush();
    }

    /** Bytes as they are, e.g. only the header of a frame. */
    synchronized void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next frame (pings are answered and skipped), or null on timeout or end of stream. */
    Frame next() throws IOException {
        long deadline = System.currentTimeMillis() + 15_000; // pings alone do not keep a read waiting forever
        while (true) {
            if (System.currentTimeMillis() > deadline) return null;
            int b0, b1;
            try {
                b0 = in.read();
                if (b0 < 0) return null;
                b1 = in.readUnsignedByte();
            } catch (SocketTimeoutException e) {
                return null;
            } catch (java.io.EOFException | java.net.SocketException e) {
                return null;
            }
            long len = b1 & 0x7f;
            if (len == 126) len = in.readUnsignedShort();
            else if (len == 127) len = in.readLong();
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            int opcode = b0 & 0x0f;
            if (opcode == PING) {
                if (answerPings) send(PONG, payload);
                continue;
            }
            return new Frame(opcode, payload);
        }
    }

    /** The next text frame whose JSON contains {@code needle}; fails on timeout. */
    String nextTextContaining(String needle) throws IOException {
        while (true) {
            Frame f = next();
            if (f == null) throw new AssertionError("no frame containing " + needle);
            if (f.opcode() == CLOSE) throw new AssertionError("socket closed (" + f.closeCode() + ") before a frame containing " + needle);
            if (f.opcode() == TEXT && f.text().contains(needle)) return f.text();
        }
    }

    /** Reads until the close frame; returns its code, or -1 when the stream ended without one. */
    int awaitClose() throws IOException {
        while (true) {
            Frame f = next();
            if (f == null) return -1;
            if (f.opcode() == CLOSE) return f.closeCode();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
