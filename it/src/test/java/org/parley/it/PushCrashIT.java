package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.parley.client.RestClient;
import org.parley.it.push.TestTls;
import org.parley.it.push.WebPushStandIn;
import org.parley.protocol.Requests.PushRegistration;

/**
 * A node killed with SIGKILL while a push waits for its retry delivers it after a restart,
 * once: the outbox is in the store, not in the node's memory.
 */
class PushCrashIT {

    @ParameterizedTest
    @EnumSource(TestNode.Store.class)
    void aPendingPushIsDeliveredAfterARestart(TestNode.Store store) throws Exception {
        Map<String, String> settings = new HashMap<>(TestNode.storeSettings(store));
        try (WebPushStandIn push = WebPushStandIn.start(null)) {
            settings.putAll(Map.of("push.collapseMillis", "200", "push.retryBaseMillis", "500", "push.trustCertFile", TestTls.get().certPem.toString(),
                    "push.webPush.allowedHosts", "127.0.0.1:" + push.port()));
            try (NodeProcess node = new NodeProcess(settings).start()) {
                push.expectVapidKey(new RestClient(node.uri(), HttpClient.newHttpClient()).vapidKey().publicKey());
                var ana = TestNode.signIn(node.uri(), TestNode.newPhone(), "Ana");
                var ben = TestNode.signIn(node.uri(), TestNode.newPhone(), "Ben");
                var sub = push.newSubscription();
                ben.rest().registerPush(new PushRegistration("webPush", sub.endpoint(), sub.p256dh(), sub.auth(), null, null));
                String chat = ana.rest().openDirect(ben.userId()).chatId();

                push.respondWith(503, "4"); // down: the job is rescheduled in the store
                ana.rest().send(chat, "m1", "before the crash", null);
                push.awaitReceived(1, Duration.ofSeconds(15));
                Thread.sleep(500); // the worker records the retry
                node.kill();

                node.start();
                var all = push.awaitReceived(2, Duration.ofSeconds(30));
                assertThat(all.get(1).problem()).isNull();
                assertThat(all.get(1).decryptedJson()).contains("before the crash");
                Thread.sleep(3_000);
                assertThat(push.received()).as("delivered once").hasSize(2);
            }
        } finally {
            TestNode.dropSchema(settings.get("pg.schema"));
        }
    }
}
