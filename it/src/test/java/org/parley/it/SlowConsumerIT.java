package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A device that stops reading is disconnected once its outbound queue is full; a device
 * reading normally in the same chat gets every message, and the stalled one resyncs later.
 */
class SlowConsumerIT {

    @Test
    void aStalledReaderIsCutOffAndOthersAreUnaffected() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE, Map.of("ws.outboundQueueBytes", "65536"))) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            var benStalled = node.signIn(ben.phone(), null);
            String chat = ana.rest().openDirect(ben.userId()).chatId();
            Recorder reader = new Recorder();
            try (var healthy = node.connect(ben, reader);
                    RawWebSocket stalled = RawWebSocket.open(node.port(), "/v1/ws", benStalled.token())) {
                Recorder.await("healthy device caught up", () -> reader.caughtUp.get() > 0);
                stalled.sendText("{\"type\":\"ping\"}"); // goes live, then never reads again
                String big = "x".repeat(60_000);
                int count = 300; // ~18 MB towards a device that reads nothing
                for (int i = 0; i < count; i++) ana.rest().send(chat, "big" + i, big + i, null);

                Recorder.await("the healthy device got all of them", () -> reader.in(chat).size() == count);
                Recorder.await("the stalled device was disconnected", () -> metric(node, "parley_ws_slow_consumers_total") >= 1);
                assertThat(metric(node, "parley_ws_connections")).as("only the healthy socket is left").isEqualTo(1);
            }
            // The cut-off device reconnects and catches up from its cursor with nothing lost.
            Recorder again = new Recorder();
            try (var c = node.connect(benStalled, again)) {
                Recorder.await("caught up after reconnect", () -> again.caughtUp.get() > 0);
                assertThat(again.in(chat)).hasSize(300);
            }
        }
    }

    @Test
    void aDeviceThatIsBehindGetsWhatWasQueuedAndItsSignedOutFrameBeforeTheClose() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE, Map.of("ws.outboundQueueBytes", String.valueOf(8 << 20)))) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            var benBehind = node.signIn(ben.phone(), null);
            String chat = ana.rest().openDirect(ben.userId()).chatId();
            Recorder reader = new Recorder();
            try (var healthy = node.connect(ben, reader);
                    RawWebSocket behind = RawWebSocket.openWithSmallBuffer(node.port(), "/v1/ws", benBehind.token())) {
                Recorder.await("healthy device caught up", () -> reader.caughtUp.get() > 0);
                behind.sendText("{\"type\":\"ping\"}"); // goes live, then reads nothing for a while
                String big = "z".repeat(60_000);
                // ~14 MB: the kernel's buffers take up to ~4 MB, the channel 8 MB, so a few MB wait in the
                // socket's own queue (which is not full: 8 MB more would count as stalled)
                int count = 240;
                for (int i = 0; i < count; i++) ana.rest().send(chat, "q" + i, big + i, null);
                Recorder.await("the healthy device got all of them", () -> reader.in(chat).size() == count);

                ben.rest().signOut(benBehind.deviceId());
                int messages = 0;
                String signedOut = null;
                for (RawWebSocket.Frame f; signedOut == null && (f = behind.next()) != null; ) {
                    assertThat(f.opcode()).as("no close before the signedOut frame").isNotEqualTo(RawWebSocket.CLOSE);
                    if (f.opcode() != RawWebSocket.TEXT) continue;
                    if (f.text().contains("\"type\":\"signedOut\"")) signedOut = f.text();
                    else if (f.text().contains("\"type\":\"message\"")) messages++;
                }
                assertThat(signedOut).as("the signedOut frame arrived").contains(benBehind.deviceId());
                assertThat(messages).as("every message queued before the sign-out arrived first").isEqualTo(count);
                assertThat(behind.awaitClose()).isEqualTo(4401);
                assertThat(metric(node, "parley_ws_slow_consumers_total")).isZero();
            }
        }
    }

    @Test
    void aLargeCatchUpReachesAHealthyReaderWithoutTrippingTheLimit() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            var ana = node.signUp("Ana");
            var ben = node.signUp("Ben");
            String chat = ana.rest().openDirect(ben.userId()).chatId();
            String big = "y".repeat(60_000);
            for (int i = 0; i < 200; i++) ana.rest().send(chat, "c" + i, big + i, null); // ~12 MB waiting for Ben
            Recorder r = new Recorder();
            try (var c = node.connect(ben, r)) {
                Recorder.await("caught up", () -> r.caughtUp.get() > 0);
                assertThat(r.in(chat)).hasSize(200);
                assertThat(r.disconnects.get()).as("never cut off while reading").isZero();
                assertThat(metric(node, "parley_ws_slow_consumers_total")).isZero();
            }
        }
    }

    static double metric(TestNode node, String name) {
        try {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.uri() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
            return Double.NaN;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
