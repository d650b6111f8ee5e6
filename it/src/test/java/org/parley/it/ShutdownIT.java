package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM: sockets are closed with 1001 going away, the process exits cleanly, data stays. A
 * node that cannot start says why and leaves nothing running.
 */
class ShutdownIT {

    @Test
    void aNodeThatCannotListenSaysWhyAndStopsWhatItStarted() throws Exception {
        java.util.function.Supplier<java.util.Set<Thread>> writers = () -> Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().matches("(messages|cursors|devices|users)-writer-\\d+")).collect(java.util.stream.Collectors.toSet());
        var before = writers.get();
        try (var taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            var settings = new java.util.HashMap<>(TestNode.storeSettings(TestNode.Store.SQLITE));
            settings.putAll(java.util.Map.of("host", "127.0.0.1", "port", String.valueOf(taken.getLocalPort()), "auth.devCodes", "true"));
            var config = org.parley.server.app.Config.load(null, java.util.Map.of(), settings);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> org.parley.server.app.Node.start(config))
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort());
            TempDirs.delete(java.nio.file.Path.of(settings.get("data.dir")));
        }
        var left = writers.get();
        left.removeAll(before);
        assertThat(left).as("writer threads of the node that failed to start").isEmpty();
    }

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
