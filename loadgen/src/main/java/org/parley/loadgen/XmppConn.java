package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * One XMPP client over WebSocket (RFC 7395): opens the stream, signs in with SASL PLAIN,
 * binds a resource, sends initial presence, joins its rooms (XEP-0045, no history), and is
 * live once a ping round trip shows the server has taken all of that in.
 */
final class XmppConn extends Peer {
    static final String FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";
    private final int index;
    private final String domain;
    private final String password;
    private final List<String> rooms;
    /** The last frame received before going live, for a report when sign-in stalls. */
    private volatile String lastBeforeLive = "(nothing yet)";

    XmppConn(int index, String domain, String password, List<String> rooms) {
        this.index = index;
        this.domain = domain;
        this.password = password;
        this.rooms = rooms;
    }

    static String user(int index) {
        return "u" + index;
    }

    @Override
    int index() {
        return index;
    }

    /** This user's nickname in rooms. */
    String nick() {
        return user(index);
    }

    @Override
    Future<Void> open(WebSocketClient client, URI base, Consumer<String> onFrame) {
        Promise<Void> live = Promise.promise();
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort()).setURI("/ws")
                .addSubProtocol("xmpp");
        String open = "<open xmlns='" + FRAMING + "' to='" + domain + "' version='1.0'/>";
        client.connect(o).onFailure(live::tryFail).onSuccess(socket -> {
            attach(socket, () -> live.tryFail(user(index) + ": closed before going live"));
            boolean[] authed = {false};
            int[] joined = {0};
            socket.textMessageHandler(text -> {
                if (live.future().isComplete()) {
                    onFrame.accept(text);
                    return;
                }
                lastBeforeLive = text;
                if (text.startsWith("<stream:features") || text.startsWith("<features")) {
                    if (!authed[0]) {
                        String plain = Base64.getEncoder().encodeToString(("\0" + user(index) + "\0" + password).getBytes(StandardCharsets.UTF_8));
                        socket.writeTextMessage("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + plain + "</auth>");
                    } else {
                        socket.writeTextMessage("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                + "<resource>bench</resource></bind></iq>");
                    }
                } else if (text.startsWith("<success")) {
                    authed[0] = true;
                    socket.writeTextMessage(open);
                } else if (text.startsWith("<failure") || text.startsWith("<close") || text.startsWith("<stream:error")) {
                    live.tryFail(user(index) + " could not sign in: " + text);
                } else if (text.startsWith("<iq") && "bind".equals(Xml.attr(text, "id"))) {
                    socket.writeTextMessage("<presence/>");
                    for (String room : rooms) {
                        socket.writeTextMessage("<presence to='" + room + "/" + nick() + "'><x xmlns='http://jabber.org/protocol/muc'>"
                                + "<history maxstanzas='0'/></x></presence>");
                    }
                    if (rooms.isEmpty()) ping(socket);
                } else if (text.startsWith("<presence") && text.contains("code='110'")) { // our own presence in a room: joined
                    if (++joined[0] == rooms.size()) ping(socket);
                } else if (text.startsWith("<presence") && "error".equals(Xml.attr(text, "type"))) {
                    live.tryFail(user(index) + " could not join a room: " + text);
                } else if (text.startsWith("<iq") && "live".equals(Xml.attr(text, "id"))) {
                    live.tryComplete();
                }
            });
            socket.exceptionHandler(live::tryFail);
            socket.writeTextMessage(open);
        });
        return live.future();
    }

    @Override
    public String toString() {
        return user(index) + " (last frame: " + lastBeforeLive + ")";
    }

    private void ping(WebSocket socket) {
        socket.writeTextMessage("<iq type='get' id='live' to='" + domain + "'><ping xmlns='urn:xmpp:ping'/></iq>");
    }

    /** The few pieces of a stanza the driver reads, found by position: a full XML parse per frame would not keep up. */
    static final class Xml {
        private Xml() {}

        /** An attribute of the stanza's opening tag, in either quote style; null when absent. */
        static String attr(String stanza, String name) {
            int end = stanza.indexOf('>');
            if (end < 0) end = stanza.length();
            for (int at = stanza.indexOf(" " + name + "=", 0); at >= 0 && at < end; at = stanza.indexOf(" " + name + "=", at + 1)) {
                int q = at + name.length() + 2;
                char quote = stanza.charAt(q);
                int close = stanza.indexOf(quote, q + 1);
                if (close > 0) return stanza.substring(q + 1, close);
            }
            return null;
        }

        /** The text of the first {@code <name>} element, or null. */
        static String text(String stanza, String name) {
            int at = stanza.indexOf("<" + name + ">");
            if (at < 0) return null;
            int from = at + name.length() + 2;
            int to = stanza.indexOf("</" + name + ">", from);
            return to < 0 ? null : stanza.substring(from, to);
        }
    }
}
