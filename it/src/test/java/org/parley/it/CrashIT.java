package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.parley.client.ParleyClient;
import org.parley.client.RestClient;
import org.parley.protocol.Frames;
import org.parley.protocol.Model.Message;

/**
 * The node is killed with SIGKILL during a burst of 2,000 sends and restarted on the same
 * store: every acknowledged message is there exactly once, in send order, and the SDK's
 * retries of unacknowledged sends create no duplicates.
 */
class CrashIT {
    private static final int BURST = 2_000;

    @ParameterizedTest
    @EnumSource(TestNode.Store.class)
    void acknowledgedMessagesSurviveSigkill(TestNode.Store store) throws Exception {
        Map<String, String> settings = TestNode.storeSettings(store);
        try (NodeProcess node = new NodeProcess(settings).start()) {
            var ana = TestNode.signIn(node.uri(), TestNode.newPhone(), "Ana");
            var ben = TestNode.signIn(node.uri(), TestNode.newPhone(), "Ben");
            String chat = ana.rest().openDirect(ben.userId()).chatId();

            Map<String, Frames.Ack> acked = new ConcurrentHashMap<>();
            Recorder heard = new Recorder();
            try (ParleyClient client = ParleyClient.create(node.uri(), ana.token(), heard)) {
                client.connect();
                Recorder.await("connected", () -> heard.caughtUp.get() > 0);
                List<CompletableFuture<Frames.Ack>> sends = new ArrayList<>();
                for (int i = 0; i < BURST; i++) {
                    String clientId = "burst-" + i;
                    sends.add(client.send(chat, clientId, "message " + i, null).whenComplete((ack, e) -> {
                        if (ack != null) acked.put(clientId, ack);
                    }));
                }
                Recorder.await("some acknowledged before the crash", Duration.ofSeconds(60), () -> acked.size() >= 200);
                node.kill();
                int ackedAtKill = acked.size();
                assertThat(ackedAtKill).as("killed mid-burst").isLessThan(BURST);
                Map<String, Frames.Ack> beforeCrash = Map.copyOf(acked);

                node.start();
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

                List<Message> stored = readAll(node, ben.token(), chat);
                assertThat(stored).hasSize(BURST);
                Set<String> ids = new HashSet<>();
                for (int i = 0; i < stored.size(); i++) {
                    Message m = stored.get(i);
                    assertThat(m.seq()).as("gap-free seq").isEqualTo(i + 1);
                    assertThat(ids.add(m.clientMsgId())).as("no duplicate of " + m.clientMsgId()).isTrue();
                    assertThat(m.clientMsgId()).as("stored in send order").isEqualTo("burst-" + i);
                }
                beforeCrash.forEach((clientId, ack) -> {
                    Message m = stored.get((int) (ack.seq() - 1));
                    assertThat(m.clientMsgId()).as("acknowledged before the crash, still there").isEqualTo(clientId);
                    assertThat(m.msgId()).isEqualTo(ack.msgId());
                });
                acked.forEach((clientId, ack) -> assertThat(stored.get((int) (ack.seq() - 1)).clientMsgId()).isEqualTo(clientId));
            }
        } finally {
            TestNode.dropSchema(settings.get("pg.schema"));
        }
    }

    static List<Message> readAll(NodeProcess node, String token, String chat) {
        RestClient rest = new RestClient(node.uri(), HttpClient.newHttpClient());
        rest.token(token);
        List<Message> all = new ArrayList<>();
        long after = 0;
        while (true) {
            var page = rest.messages(chat, 200, null, after);
            all.addAll(page.messages());
            if (!page.hasMore()) return all;
            after = page.messages().get(page.messages().size() - 1).seq();
        }
    }
}
