package org.parley.it.push;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.parley.server.push.Notification;
import org.parley.server.push.PushEndpoint;
import org.parley.server.push.PushSender;
import org.parley.server.push.PushSender.Outcome;

/** Many sends released together, as a busy push worker makes them. */
final class AtOnce {
    private AtOnce() {}

    static List<Outcome> send(PushSender sender, PushEndpoint to, Notification notification, int senders) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> pending = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < senders; i++) {
                pending.add(threads.submit((Callable<Outcome>) () -> {
                    go.await();
                    return sender.send(to, notification);
                }));
            }
            go.countDown();
            for (Future<Outcome> outcome : pending) outcomes.add(outcome.get());
        }
        return outcomes;
    }
}
