package org.parley.loadgen;

import java.util.List;

/**
 * What the messaging scenario needs of the server's protocol: Parley's own, or XMPP over
 * WebSocket (RFC 7395) for ejabberd. Every step is checked the same way for both.
 */
interface Dialect {
    /** What an incoming frame is to the scenario. */
    enum Kind { MESSAGE, ACK, ERROR, OTHER }

    /**
     * A classified frame. For a MESSAGE: {@code channel} is how the recipient names the chat,
     * {@code sender} is null when {@code order} is the server's total order of the chat (Parley's
     * seq) or names the sender when {@code order} is that sender's own count (XMPP); {@code due}
     * is the due time the sender put in the text (-1 for a system message); {@code archived} says
     * the server stored it before delivering it. For an ACK: {@code due} of the acknowledged send.
     */
    record Incoming(Kind kind, String channel, String sender, long order, long due, boolean archived) {
        static final Incoming OTHER = new Incoming(Kind.OTHER, null, null, -1, -1, false);
        static final Incoming ERROR = new Incoming(Kind.ERROR, null, null, -1, -1, false);

        static Incoming ack(long due) {
            return new Incoming(Kind.ACK, null, null, -1, due, false);
        }
    }

    /** Creates users 0 .. n-1. */
    void signUp(int n) throws Exception;

    /** Opens a 1:1 chat; returns the address {@code from} sends to. */
    String openDirect(int from, int to) throws Exception;

    /** Creates a group of these users (the first owns it); returns the address members send to. */
    String createGroup(List<Integer> members, String title) throws Exception;

    /** The socket of user {@code index}, which takes part in these groups. */
    Peer peer(int index, List<String> groups);

    /** A frame sending text {@code due} as the sender's {@code n}th message to {@code address}. */
    String sendFrame(String address, boolean group, long n, long due);

    Incoming parse(Peer to, String frame);

    /** The coalesced "delivered up to" receipt a client sends for a chat, or null where the protocol has none in use. */
    String deliveredFrame(String channel, long upTo);

    /** Whether the server acknowledges each send into this kind of chat; if not, every written message counts as sent. */
    boolean acksSends(boolean group);
}
