package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.parley.client.ParleyClient;
import org.parley.client.ParleyException;
import org.parley.protocol.Model;

/**
 * Online and last seen as a contact sees them: across connect, a clean close and a silent
 * network drop, over REST and as presence frames, kept across a restart, and under every
 * combination of the two users' privacy settings.
 */
class PresenceIT {
    private static final Map<String, String> FAST_HEARTBEAT = Map.of("ws.pingIntervalSeconds", "1", "ws.idleTimeoutSeconds", "3");

    @Test
    void onlineWhileConnectedLastSeenWhenTheLastDeviceLeaves() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE, FAST_HEARTBEAT)) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            var benPhone2 = node.signIn(ben.phone(), null);
            String chat = ana.rest().openDirect(ben.userId()).chatId();

            assertThat(ana.rest().presence(ben.userId())).as("never connected").isEqualTo(new Model.Presence(ben.userId(), false, null));

            Recorder anaHears = new Recorder();
            try (ParleyClient anaClient = node.connect(ana, anaHears)) {
                Recorder.await("ana connected", () -> anaHears.caughtUp.get() > 0);
                anaClient.subscribePresence(List.of(chat));
                Recorder.await("ana told ben is offline", () -> anaHears.lastPresenceOf(ben.userId()) != null);
                assertThat(anaHears.lastPresenceOf(ben.userId()).online()).isFalse();

                // Ben comes online on two devices, then leaves from one: still online.
                Recorder benHears = new Recorder();
                ParleyClient benPhone = node.connect(ben, benHears);
                ParleyClient benLaptop = node.connect(benPhone2, new Recorder());
                Recorder.await("ana sees ben online", () -> anaHears.lastPresenceOf(ben.userId()).online());
                assertThat(ana.rest().presence(ben.userId()).online()).isTrue();
                benLaptop.close();
                Thread.sleep(500);
                assertThat(ana.rest().presence(ben.userId()).online()).as("one device still connected").isTrue();

                // A clean close of the last device: offline, last seen = now.
                long before = System.currentTimeMillis();
                benPhone.close();
                Recorder.await("ana sees ben offline", () -> !anaHears.lastPresenceOf(ben.userId()).online());
                long after = System.currentTimeMillis();
                Model.Presence seen = ana.rest().presence(ben.userId());
                assertThat(seen.online()).isFalse();
                assertThat(seen.lastSeen()).isBetween(before - 50, after);
                assertThat(anaHears.lastPresenceOf(ben.userId()).lastSeen()).isEqualTo(seen.lastSeen());
            }
        }
    }

    @Test
    void aSilentDropGoesOfflineAtTheLastHeartbeatAndLastSeenSurvivesARestart() throws Exception {
        var settings = new java.util.HashMap<>(FAST_HEARTBEAT);
        settings.putAll(TestNode.storeSettings(TestNode.Store.SQLITE));
        String anaToken;
        String benId;
        long lastSeen;
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE, settings)) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            ana.rest().openDirect(ben.userId());
            anaToken = ana.token();
            benId = ben.userId();
            try (RawWebSocket benSocket = RawWebSocket.open(node.port(), "/v1/ws", ben.token())) {
                benSocket.nextTextContaining("\"type\":\"ready\"");
                long lastHeard = System.currentTimeMillis();
                benSocket.answerPings = false; // the network drops: nothing more from ben's side, no close
                Recorder.await("ben online", () -> ana.rest().presence(benId).online());
                Recorder.await("ben goes offline after the idle timeout", Duration.ofSeconds(20), () -> !ana.rest().presence(benId).online());
                long noticed = System.currentTimeMillis();
                lastSeen = ana.rest().presence(benId).lastSeen();
                assertThat(lastSeen).as("last seen is when ben was last heard, not when the node noticed")
                        .isBetween(lastHeard - 2_000, lastHeard + 1_000);
                assertThat(noticed - lastSeen).isGreaterThanOrEqualTo(2_500);
            }
        }
        settings.put("port", "0");
        try (TestNode again = TestNode.start(TestNode.Store.SQLITE, settings)) {
            var rest = new org.parley.client.RestClient(again.uri(), java.net.http.HttpClient.newHttpClient());
            rest.token(anaToken);
            assertThat(rest.presence(benId)).as("after a restart").isEqualTo(new Model.Presence(benId, false, lastSeen));
        } finally {
            TempDirs.delete(java.nio.file.Path.of(settings.get("data.dir")));
        }
    }

    /** Who sees whose presence: each side's rule must let the other in (it is reciprocal). On both stores. */
    @ParameterizedTest
    @EnumSource(TestNode.Store.class)
    void privacyMatrix(TestNode.Store store) {
        try (TestNode node = TestNode.start(store)) {
            var viewer = node.signUp("Viewer");
            var contact = node.signUp("Contact");
            var stranger = node.signUp("Stranger");
            // contacts: a direct chat both have taken part in
            String direct = viewer.rest().openDirect(contact.userId()).chatId();
            viewer.rest().send(direct, "hi", "hi", null);
            contact.rest().send(direct, "hello", "hello", null);
            // the stranger shares only a group with the viewer: not a contact
            viewer.rest().createGroup("club", List.of(stranger.userId()));
            var probe = node.signUp("Probe");
            for (var target : List.of(contact, stranger)) {
                try (ParleyClient online = node.connect(target, new Recorder())) {
                    Recorder.await("target online", () -> probe.rest().presence(target.userId()).online());
                    for (String viewerRule : Model.Settings.VISIBILITIES) {
                        for (String targetRule : Model.Settings.VISIBILITIES) {
                            viewer.rest().putSettings(new Model.Settings(viewerRule, true, null));
                            target.rest().putSettings(new Model.Settings(targetRule, true, null));
                            boolean isContact = target == contact;
                            boolean expected = allows(viewerRule, isContact) && allows(targetRule, isContact);
                            assertThat(viewer.rest().presence(target.userId()).online())
                                    .as("viewer %s, %s %s", viewerRule, isContact ? "contact" : "stranger", targetRule).isEqualTo(expected);
                            assertThat(target.rest().presence(target.userId()).online()).as("one always sees oneself").isTrue();
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestNode.Store.class)
    void openingAChatWithSomeoneDoesNotMakeOneTheirContact(TestNode.Store store) {
        try (TestNode node = TestNode.start(store)) {
            var ana = node.signUp("Ana");
            var lurker = node.signUp("Lurker");
            try (ParleyClient online = node.connect(ana, new Recorder())) {
                ana.rest().putSettings(new Model.Settings("contacts", true, null));
                lurker.rest().putSettings(new Model.Settings("contacts", true, null));
                String chat = lurker.rest().openDirect(ana.userId()).chatId();
                lurker.rest().send(chat, "psst", "psst", null);
                Recorder.await("ana online", () -> ana.rest().presence(ana.userId()).online());
                assertThat(lurker.rest().presence(ana.userId()).online()).as("ana never answered or read").isFalse();
                ana.rest().markRead(chat, 1);
                assertThat(lurker.rest().presence(ana.userId()).online()).as("ana read the message: both took part").isTrue();
            }
        }
    }

    private static boolean allows(String rule, boolean contact) {
        return rule.equals("everyone") || rule.equals("contacts") && contact;
    }

    @Test
    void hidingLastSeenTellsWatchersAndSettingsAreValidated() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            String chat = ana.rest().openDirect(ben.userId()).chatId();
            Recorder anaHears = new Recorder();
            try (ParleyClient anaClient = node.connect(ana, anaHears); ParleyClient benClient = node.connect(ben, new Recorder())) {
                Recorder.await("ana connected", () -> anaHears.caughtUp.get() > 0);
                anaClient.subscribePresence(List.of(chat));
                Recorder.await("ana sees ben online", () -> anaHears.lastPresenceOf(ben.userId()) != null && anaHears.lastPresenceOf(ben.userId()).online());
                ben.rest().putSettings(new Model.Settings("nobody", true, null));
                Recorder.await("ben hidden from ana", () -> !anaHears.lastPresenceOf(ben.userId()).online());
                assertThat(anaHears.lastPresenceOf(ben.userId()).lastSeen()).isNull();
                assertThat(ben.rest().settings()).isEqualTo(new Model.Settings("nobody", true, null));
            }
            assertThat(ana.rest().exchange("PUT", "/v1/me/settings", "{\"lastSeen\":\"friends\",\"notificationPreviews\":true}").statusCode())
                    .isEqualTo(400);
            assertThat(ana.rest().exchange("PUT", "/v1/me/settings",
                    "{\"lastSeen\":\"everyone\",\"notificationPreviews\":true,\"dnd\":{\"from\":\"22:00\",\"to\":\"25:00\",\"timeZone\":\"UTC\"}}")
                    .statusCode()).isEqualTo(400);
            assertThat(ana.rest().settings()).as("bad input changed nothing").isEqualTo(new Model.Settings("everyone", true, null));
            try {
                ana.rest().presence("nobody-by-this-id");
                throw new AssertionError("expected USER_NOT_FOUND");
            } catch (ParleyException e) {
                assertThat(e.code()).isEqualTo("USER_NOT_FOUND");
            }
        }
    }
}
