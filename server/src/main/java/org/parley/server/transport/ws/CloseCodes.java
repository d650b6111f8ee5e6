package org.parley.server.transport.ws;

/** WebSocket close codes the node uses (docs/PROTOCOL.md lists them). */
public final class CloseCodes {
    public static final short GOING_AWAY = 1001;
    public static final short INVALID_UTF8 = 1007;
    public static final short TOO_BIG = 1009;
    public static final short SIGNED_OUT = 4401;
    public static final short IDLE_TIMEOUT = 4408;
    public static final short SLOW_CONSUMER = 4429;

    private CloseCodes() {}
}
