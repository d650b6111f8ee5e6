package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The node pings every socket; one that stays silent past the idle timeout is closed with 4408. */
class HeartbeatIT {

    @Test
    void silentSocketsAreClosedAndAnsweringOnesStay() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE, Map.of("ws.pingIntervalSeconds", "1", "ws.idleTimeoutSeconds", "3"))) {
            var ana = node.signUp("Ana");
            try (RawWebSocket silent = RawWebSocket.open(node.port(), "/v1/ws", ana.token());
                    RawWebSocket alive = RawWebSocket.open(node.port(), "/v1/ws", ana.token())) {
                silent.answerPings = false;
                silent.nextTextContaining("\"type\":\"ready\"");
                alive.nextTextContaining("\"type\":\"ready\"");
                // The live device keeps reading (and so answers every ping) on its own thread.
                BlockingQueue<RawWebSocket.Frame> aliveFrames = new LinkedBlockingQueue<>();
                Thread reader = Thread.ofVirtual().start(() -> {
                    try {
                        for (RawWebSocket.Frame f; (f = alive.next()) != null; ) aliveFrames.add(f);
                    } catch (java.io.IOException e) {
                        // socket closed at the end of the test
                    }
                });
                long start = System.currentTimeMillis();
                assertThat(silent.awaitClose()).isEqualTo(4408);
                assertThat(System.currentTimeMillis() - start).as("closed by the idle check, not by the test's timeout").isLessThan(14_000);
                Thread.sleep(4_000); // longer than the idle timeout
                alive.sendText("{\"type\":\"ping\",\"id\":\"still\"}");
                RawWebSocket.Frame f = aliveFrames.poll(10, TimeUnit.SECONDS);
                assertThat(f).isNotNull();
                assertThat(f.opcode()).as("not a close frame").isEqualTo(RawWebSocket.TEXT);
                assertThat(f.text()).contains("\"type\":\"pong\"").contains("still");
                alive.close();
                reader.join(5_000);
            }
        }
    }
}
