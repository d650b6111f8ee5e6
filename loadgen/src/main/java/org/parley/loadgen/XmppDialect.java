package org.parley.loadgen;

import java.util.List;

/**
 * XMPP as ejabberd speaks it: 1:1 chats are {@code type='chat'} messages between bare JIDs,
 * groups are persistent multi-user-chat rooms every member has joined. Each message carries
 * {@code id='b<n>-<due>'} (the sender's count and due time) and the due time as its body; a
 * delivered message must carry the archive's {@code <stanza-id/>} (XEP-0359), which shows
 * the server stored it (XEP-0313) before it was delivered. A room echoes a member's own
 * message back once it has handled it: that echo is the member's ack.
 */
final class XmppDialect implements Dialect {
    private final Ejabberd server;

    XmppDialect(Ejabberd server) {
        this.server = server;
    }

    @Override
    public void signUp(int n) throws Exception {
        server.register(n);
    }

    @Override
    public String openDirect(int from, int to) {
        return XmppConn.user(to) + "@" + server.domain();
    }

    @Override
    public String createGroup(List<Integer> members, String title) throws Exception {
        return server.createRoom(title.replaceAll("[^a-z0-9]", ""));
    }

    @Override
    public Peer peer(int index, List<String> groups) {
        return new XmppConn(index, server.domain(), Ejabberd.PASSWORD, groups);
    }

    @Override
    public String sendFrame(String address, boolean group, long n, long due) {
        return "<message to='" + address + "' type='" + (group ? "groupchat" : "chat") + "' id='b" + n + "-" + due + "'><body>" + due
                + "</body></message>";
    }

    @Override
    public Incoming parse(Peer to, String frame) {
        if (!frame.startsWith("<message")) {
            return frame.startsWith("<iq") && "error".equals(XmppConn.Xml.attr(frame, "type")) ? Incoming.ERROR : Incoming.OTHER;
        }
        String type = XmppConn.Xml.attr(frame, "type");
        if ("error".equals(type)) return Incoming.ERROR;
        String body = XmppConn.Xml.text(frame, "body");
        String id = XmppConn.Xml.attr(frame, "id");
        String from = XmppConn.Xml.attr(frame, "from");
        if (body == null || id == null || from == null || !id.startsWith("b")) return Incoming.OTHER; // subject, notices
        int dash = id.indexOf('-');
        long n = Long.parseLong(id.substring(1, dash));
        long due = Long.parseLong(id.substring(dash + 1));
        int slash = from.indexOf('/');
        String bare = slash < 0 ? from : from.substring(0, slash);
        boolean archived = frame.contains("<stanza-id");
        if ("groupchat".equals(type)) {
            String nick = from.substring(slash + 1);
            if (nick.equals(((XmppConn) to).nick())) return Incoming.ack(due);
            return new Incoming(Kind.MESSAGE, bare, nick, n, due, archived);
        }
        return new Incoming(Kind.MESSAGE, bare, bare, n, due, archived);
    }

    @Override
    public String deliveredFrame(String channel, long upTo) {
        return null; // none: compare turns Parley's receipts off too, so both servers carry messages only
    }

    @Override
    public boolean acksSends(boolean group) {
        return group; // a 1:1 send has no ack in XMPP core (so all must arrive); a room's echo acks a room send
    }
}
