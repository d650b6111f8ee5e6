package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** SIGTERM: sockets are closed with 1001 going away, the process exits cleanly, data stays. */
class ShutdownIT {

    @Test
    void sigtermClosesSocketsWithGoingAwayAndKeepsData() throws Exception {
        var settings = TestNode.storeSettings(TestNode.Store.SQLITE);
        try (NodeProcess node = new NodeProcess(settings).start()) {
            var ana = TestNode.signIn(node.uri(), TestNode.newPhone(), "Ana");
            var ben = TestNode.signIn(node.uri(), TestNode.newPhone(), "Ben");
            String chat = ana.rest().openDirect(ben.userId()).chatId();
            ana.rest().send(chat, "before-stop", "see you after the restart", null);
            try (RawWebSocket ws = RawWebSocket.open(node.port(), "/v1/ws", ben.token())) {
                ws.nextTextContaining("\"type\":\"ready\"");
                int exit = node.terminate();
                assertThat(ws.awaitClose()).isEqualTo(1001);
                assertThat(exit).as("exit code after SIGTERM").isIn(0, 143);
            }
            assertThat(Files.readString(node.log())).contains("shutting down").contains("stopped");
            node.start();
            assertThat(CrashIT.readAll(node, ben.token(), chat)).extracting(m -> m.text()).containsExactly("see you after the restart");
        }
    }
}
