package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresMessagingIT extends MessagingContract {
    @Override
    TestNode.Store store() {
        return TestNode.Store.POSTGRES;
    }

    private static String metrics(TestNode node) throws Exception {
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(java.net.http.HttpRequest.newBuilder(node.uri().resolve("/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /**
     * More devices sync at once than the node has store connections, while the store stalls for
     * longer than a connection is waited for (a lock held 7 s; the pool waits 5): the syncs wait
     * their turn, and once the store answers every device gets its message; none is refused.
     */
    @Test
    void syncsWaitTheirTurnThroughAStallLongerThanThePoolsWait() throws Exception {
        try (TestNode small = TestNode.start(TestNode.Store.POSTGRES, Map.of("pg.poolSize", "2"))) {
            var ana = small.signUp("Ana");
            List<TestNode.Device> friends = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                var friend = small.signUp("Friend " + i);
                ana.rest().send(ana.rest().openDirect(friend.userId()).chatId(), "hi" + i, "hello " + i, null);
                friends.add(friend);
            }
            List<RawWebSocket> sockets = new ArrayList<>();
            try {
                try (var hold = DriverManager.getConnection(TestNode.PG_URL); var st = hold.createStatement()) {
                    hold.setAutoCommit(false);
                    st.execute("LOCK TABLE " + small.schema() + ".chat_log IN ACCESS EXCLUSIVE MODE"); // every sync reads it
                    for (var friend : friends) {
                        RawWebSocket ws = RawWebSocket.open(small.port(), "/v1/ws", friend.token());
                        sockets.add(ws);
                        ws.nextTextContaining("\"type\":\"ready\"");
                        ws.sendText("{\"type\":\"sync\",\"id\":\"s\",\"cursors\":{}}");
                    }
                    Thread.sleep(7_000);
                    assertThat(metrics(small)).as("one sync at the store (half of 2 connections), the others in line")
                            .contains("parley_syncs_waiting 7.0");
                    hold.rollback();
                }
                for (int i = 0; i < sockets.size(); i++) {
                    List<String> frames = new ArrayList<>();
                    while (frames.isEmpty() || !frames.get(frames.size() - 1).matches(".*\"type\":\"(synced|error)\".*")) {
                        var f = sockets.get(i).next();
                        assertThat(f).as("friend %d's sync answered", i).isNotNull();
                        if (f.opcode() == RawWebSocket.TEXT && !f.text().contains("\"type\":\"presence\"")) frames.add(f.text());
                    }
                    assertThat(frames).as("friend %d: the message, then synced; no error", i).hasSize(2);
                    assertThat(frames.get(0)).contains("\"type\":\"message\"", "hello " + i);
                }
            } finally {
                for (RawWebSocket ws : sockets) ws.close();
            }
        }
    }
}
