package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.parley.client.ParleyClient;
import org.parley.protocol.Frames;

/** Typing and recording indicators reach the chat's other members only, and lapse after 5 s without renewal. */
class TypingIT {

    @Test
    void typingReachesOnlyTheOtherMembersAndLapses() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            var ana = node.signUp("Ana");
            var anaLaptop = node.signIn(ana.phone(), null);
            var ben = node.signUp("Ben");
            var cleo = node.signUp("Cleo");
            var dan = node.signUp("Dan");
            String group = ana.rest().createGroup("trip", List.of(ben.userId(), cleo.userId())).chatId();
            ana.rest().openDirect(dan.userId()); // dan knows ana, but is not in the group

            Recorder anaHears = new Recorder(), laptopHears = new Recorder(), benHears = new Recorder(), cleoHears = new Recorder(),
                    danHears = new Recorder();
            try (ParleyClient a = node.connect(ana, anaHears); ParleyClient al = node.connect(anaLaptop, laptopHears);
                    ParleyClient b = node.connect(ben, benHears); ParleyClient c = node.connect(cleo, cleoHears);
                    ParleyClient d = node.connect(dan, danHears)) {
                for (Recorder r : List.of(anaHears, laptopHears, benHears, cleoHears, danHears)) Recorder.await("connected", () -> r.caughtUp.get() > 0);

                a.typing(group, "typing");
                Recorder.await("ben hears ana typing", () -> benHears.typings.contains(new Frames.TypingState(group, ana.userId(), "typing")));
                Recorder.await("cleo hears ana typing", () -> cleoHears.typings.contains(new Frames.TypingState(group, ana.userId(), "typing")));
                long shownAt = System.currentTimeMillis();

                // Not renewed: it lapses to paused after about 5 s.
                Recorder.await("it lapses", Duration.ofSeconds(10),
                        () -> benHears.typings.contains(new Frames.TypingState(group, ana.userId(), "paused")));
                assertThat(System.currentTimeMillis() - shownAt).as("not before the 5 s").isGreaterThanOrEqualTo(4_000);

                // Recording, then an explicit stop.
                a.typing(group, "recording");
                Recorder.await("recording", () -> cleoHears.typings.contains(new Frames.TypingState(group, ana.userId(), "recording")));
                a.typing(group, "paused");
                Recorder.await("stopped", () -> cleoHears.typings.stream().filter(t -> t.state().equals("paused")).count() == 2);

                Thread.sleep(300);
                assertThat(danHears.typings).as("not a member of the group").isEmpty();
                assertThat(anaHears.typings).as("not echoed to the typist").isEmpty();
                assertThat(laptopHears.typings).as("nor to the typist's other devices").isEmpty();
                assertThat(benHears.messages).as("never stored as messages").allMatch(m -> m.bySystem());
                assertThat(ana.rest().messages(group, null, null, null).messages()).allMatch(m -> m.bySystem());
            }
        }
    }

    @Test
    void aMessageSentRightAfterTypingEndsTheTypingForGood() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            String chat = ana.rest().openDirect(ben.userId()).chatId();
            Recorder anaHears = new Recorder(), benHears = new Recorder();
            try (ParleyClient a = node.connect(ana, anaHears); ParleyClient b = node.connect(ben, benHears)) {
                for (Recorder r : List.of(anaHears, benHears)) Recorder.await("connected", () -> r.caughtUp.get() > 0);
                a.send(chat, "warms the chat's members up").get(10, java.util.concurrent.TimeUnit.SECONDS);
                for (int i = 0; i < 5; i++) { // back to back, often in one read of the socket
                    a.typing(chat, "typing");
                    a.send(chat, "sent " + i);
                }
                Recorder.await("Ben has them", () -> benHears.in(chat).size() == 6);
                // Had a typing frame taken effect after its message, it would lapse to paused after 5 s.
                Thread.sleep(6_500);
                assertThat(benHears.typings).as("typing ended by the messages, not by a lapse")
                        .noneMatch(t -> t.state().equals("paused"));
            }
        }
    }

    @Test
    void typingInAChatOneIsNotInIsRefusedAndFloodsAreLimited() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            var cleo = node.signUp("Cleo");
            String chat = ben.rest().openDirect(cleo.userId()).chatId();
            String mine = ana.rest().openDirect(ben.userId()).chatId();
            try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
                ws.nextTextContaining("\"type\":\"ready\"");
                ws.sendText("{\"type\":\"typing\",\"id\":\"t1\",\"chatId\":\"" + chat + "\",\"state\":\"typing\"}");
                assertThat(ws.nextTextContaining("\"id\":\"t1\"")).contains("\"type\":\"error\"").contains("CHAT_NOT_FOUND");
                ws.sendText("{\"type\":\"typing\",\"id\":\"t2\",\"chatId\":\"" + mine + "\",\"state\":\"dancing\"}");
                assertThat(ws.nextTextContaining("\"id\":\"t2\"")).contains("INVALID_FIELD");
                for (int i = 0; i < 12; i++) ws.sendText("{\"type\":\"typing\",\"id\":\"f" + i + "\",\"chatId\":\"" + mine + "\",\"state\":\"typing\"}");
                assertThat(ws.nextTextContaining("RATE_LIMITED")).contains("\"type\":\"error\"");
            }
        }
    }
}
