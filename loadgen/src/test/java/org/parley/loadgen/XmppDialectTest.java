package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class XmppDialectTest {
    private final XmppDialect dialect = new XmppDialect(null);
    private final XmppConn u1 = new XmppConn(1, "bench.localhost", "pw", List.of("g0@conference.bench.localhost"));

    @Test
    void aDirectMessageNamesItsSenderCountAndDueTime() {
        Dialect.Incoming in = dialect.parse(u1, "<message xmlns='jabber:client' from='u0@bench.localhost/bench' to='u1@bench.localhost/bench'"
                + " type='chat' id='b41-123456789'><body>123456789</body><stanza-id xmlns='urn:xmpp:sid:0' by='u1@bench.localhost'"
                + " id='1700000000000001'/></message>");
        assertThat(in.kind()).isEqualTo(Dialect.Kind.MESSAGE);
        assertThat(in.channel()).isEqualTo("u0@bench.localhost");
        assertThat(in.sender()).isEqualTo("u0@bench.localhost");
        assertThat(in.order()).isEqualTo(41);
        assertThat(in.due()).isEqualTo(123456789L);
        assertThat(in.archived()).isTrue();
    }

    @Test
    void aMessageTheArchiveDidNotStampIsNotArchived() {
        Dialect.Incoming in = dialect.parse(u1, "<message from=\"u0@bench.localhost/bench\" type=\"chat\" id=\"b1-5\"><body>5</body></message>");
        assertThat(in.kind()).isEqualTo(Dialect.Kind.MESSAGE);
        assertThat(in.archived()).as("double quotes read too; no stanza-id").isFalse();
    }

    @Test
    void aRoomEchoOfOurOwnMessageIsItsAck() {
        String echo = "<message from='g0@conference.bench.localhost/u1' type='groupchat' id='b7-99'><body>99</body>"
                + "<stanza-id xmlns='urn:xmpp:sid:0' by='g0@conference.bench.localhost' id='17'/></message>";
        assertThat(dialect.parse(u1, echo)).isEqualTo(Dialect.Incoming.ack(99));
        Dialect.Incoming other = dialect.parse(new XmppConn(2, "bench.localhost", "pw", List.of()), echo);
        assertThat(other.kind()).isEqualTo(Dialect.Kind.MESSAGE);
        assertThat(other.channel()).isEqualTo("g0@conference.bench.localhost");
        assertThat(other.sender()).isEqualTo("u1");
    }

    @Test
    void errorsAndStanzasThatAreNotBenchMessagesAreToldApart() {
        assertThat(dialect.parse(u1, "<message type='error' id='b1-5' from='u0@bench.localhost'><error type='cancel'/></message>").kind())
                .isEqualTo(Dialect.Kind.ERROR);
        assertThat(dialect.parse(u1, "<iq type='error' id='x'/>").kind()).isEqualTo(Dialect.Kind.ERROR);
        assertThat(dialect.parse(u1, "<message from='g0@conference.bench.localhost' type='groupchat'><subject/></message>").kind())
                .as("a room subject").isEqualTo(Dialect.Kind.OTHER);
        assertThat(dialect.parse(u1, "<presence from='g0@conference.bench.localhost/u3'/>").kind()).isEqualTo(Dialect.Kind.OTHER);
    }

    @Test
    void attributesAreReadFromTheOpeningTagOnly() {
        String stanza = "<message type='chat'><stanza-id id='inner'/></message>";
        assertThat(XmppConn.Xml.attr(stanza, "id")).isNull();
        assertThat(XmppConn.Xml.attr("<iq type='result' id='bind'><bind/></iq>", "id")).isEqualTo("bind");
        assertThat(XmppConn.Xml.text("<message><body>42</body></message>", "body")).isEqualTo("42");
    }

    @Test
    void sendFramesAddressChatsAndRooms() {
        assertThat(dialect.sendFrame("u1@bench.localhost", false, 3, 77))
                .isEqualTo("<message to='u1@bench.localhost' type='chat' id='b3-77'><body>77</body></message>");
        assertThat(dialect.sendFrame("g0@conference.bench.localhost", true, 3, 77)).contains("type='groupchat'");
    }
}
